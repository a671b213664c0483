import type { KubeconfigClient } from '../kubeconfig/connection.js';
import { applyObject } from './apply.js';
import { sessionConfigMap } from './manifests.js';
import type { SessionConfig } from './session-config.js';

/**
 * Pushes a changed session config (selection, capture filter, transport) to a running session:
 * the agents watch their ConfigMap and apply it within a second or two, without a restart.
 */
export async function pushSessionConfig(kubeConfig: KubeconfigClient, config: SessionConfig): Promise<void> {
  await applyObject(kubeConfig, sessionConfigMap({ id: config.sessionId }, config));
}
