import { getJson } from '../inventory/api-request.js';
import { KubeError, networkErrorCode, toKubeError } from '../kube-error.js';
import type { KubeconfigClient } from './connection.js';
import { forgetExecCredentials } from './exec-credential.js';

export type ProbeResult =
  | { reachable: true; version: string }
  /** `reason`: a few words for a table cell; `error.message` says what to do. */
  | { reachable: false; error: KubeError; reason: string };

/**
 * Asks the context's API server for GET /version with its credentials, through the same request
 * path as the inventory's requests (inventory/api-request.ts), giving up after `timeoutMs` including the time an
 * exec credential plugin takes.
 */
export async function probeCluster(kubeConfig: KubeconfigClient, timeoutMs = 3000): Promise<ProbeResult> {
  const server = kubeConfig.getCurrentCluster()?.server;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new KubeError(
          'unreachable',
          `cannot get the server version: no answer from the API server at ${server} within ${timeoutMs / 1000} s; check the network/VPN and that the cluster is running`,
        ),
      );
    }, timeoutMs);
  });
  try {
    const request = getJson<{ gitVersion: string }>(
      kubeConfig,
      '/version',
      'get the server version',
      controller.signal,
    );
    const info = await Promise.race([request, timedOut]);
    return { reachable: true, version: info.gitVersion };
  } catch (error) {
    const kubeError = toKubeError(error, 'get the server version', server);
    // A rejected exec credential must not be served from the cache again (client-go refreshes on 401).
    if (kubeError.kind === 'unauthorized') forgetExecCredentials();
    return { reachable: false, error: kubeError, reason: shortReason(kubeError, timeoutMs) };
  } finally {
    clearTimeout(timer);
  }
}

function shortReason(error: KubeError, timeoutMs: number): string {
  if (error.kind === 'unreachable') {
    const code = /\(([A-Z][A-Z0-9_]+)\)/.exec(error.message)?.[1] ?? networkErrorCode(error);
    return code ?? `no answer within ${timeoutMs / 1000} s`;
  }
  if (error.status) return `${error.kind} (${error.status})`;
  if (error.kind === 'unauthorized' || error.kind === 'forbidden') return error.kind;
  return error.message.replace(/^cannot get the server version: /, '');
}
