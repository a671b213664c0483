import net from 'node:net';
import { apiServer } from './api-client.js';
import { toKubeError } from './kube-error.js';
import type { KubeconfigClient } from './kubeconfig/connection.js';

/**
 * The address the nodes most likely reach this machine on: the local end of a TCP connection
 * to the API server (what a VPN or the lab bridge routes). Behind NAT it is wrong, which the
 * tunnel probe (and the `api` transport) cover.
 */
export async function localAddressTowardApiServer(
  kubeConfig: KubeconfigClient,
  timeoutMs = 5000,
): Promise<string> {
  const server = new URL(apiServer(kubeConfig));
  const port = Number(server.port || (server.protocol === 'http:' ? 80 : 443));
  const host = server.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      const address = socket.localAddress;
      socket.destroy();
      if (address) resolve(address.replace(/^::ffff:/, ''));
      else reject(new Error('no local address'));
    });
    socket.once('timeout', () =>
      socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', (error) => reject(toKubeError(error, 'find the collector address', server.origin)));
  });
}
