import { KubeError } from '../kube-error.js';
import type { KubeconfigClient } from '../kubeconfig/connection.js';
import { applyObject } from './apply.js';
import { leaseObject } from './manifests.js';
import type { TapSession } from './session.js';

export interface LeaseKeeper {
  /** Stops renewing; the agents' dead-man switch fires one TTL later unless someone else renews. */
  stop(): void;
}

/**
 * Renews the session Lease every TTL/3 while the session lives (the agents stop mirroring when
 * it lapses). A failed renewal is reported and retried on the next tick: one missed beat of
 * three does not stop a capture.
 */
export function keepLease(
  kubeConfig: KubeconfigClient,
  session: TapSession,
  holder: string,
  onError: (error: KubeError) => void,
): LeaseKeeper {
  let stopped = false;
  const renew = async () => {
    if (stopped) return;
    try {
      await applyObject(kubeConfig, leaseObject(session, holder, new Date()));
    } catch (error) {
      if (!stopped) onError(error instanceof KubeError ? error : new KubeError('server', String(error)));
    }
  };
  const timer = setInterval(renew, Math.max(1000, (session.leaseTtlSeconds * 1000) / 3));
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
