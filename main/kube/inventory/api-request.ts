import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiServer } from '../api-client.js';
import { KubeError, toKubeError } from '../kube-error.js';

export { withQuery } from '../api-client.js';

/**
 * Raw GETs against the API server with the kubeconfig's credentials. We use node:http(s) with
 * `applyToHTTPSOptions` rather than client-node's generated clients: LIST pages and WATCH streams
 * are parsed into compact records straight away, never into client-node model objects, and we
 * control the watch connection (timeouts, keepalive, what counts as a failure).
 */

/** The part of client-node's KubeConfig we use; structural, so tests can pass a stand-in. */
export type KubeConfigLike = Pick<KubeConfig, 'getCurrentCluster' | 'applyToHTTPSOptions'>;

/** Bodies of error answers are read for their Status message only; cap them. */
const maxErrorBody = 64 * 1024;

/** The current context's server URL (one definition for every request path). */
export const serverOf = apiServer;

/**
 * Opens GET `path` (with query) and resolves with the response once the status is 200.
 * Any other status is read and thrown as a KubeError whose `status` is the HTTP status
 * (410 Gone tells a watcher to relist). `doing` is the user's view of it ("list pods").
 */
export async function openGet(
  kubeConfig: KubeConfigLike,
  path: string,
  doing: string,
  signal: AbortSignal,
  extraHeaders: Record<string, string> = {},
): Promise<http.IncomingMessage> {
  const server = serverOf(kubeConfig);
  const url = new URL(server.replace(/\/+$/, '') + path);
  const options: https.RequestOptions = {};
  try {
    // Per request, so exec plugins and token files refresh expiring credentials.
    await kubeConfig.applyToHTTPSOptions(options);
  } catch (error) {
    throw new KubeError('kubeconfig', `cannot ${doing}: ${(error as Error).message}`);
  }
  const request = url.protocol === 'http:' ? http.request : https.request;
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = request(url, {
      ...options,
      method: 'GET',
      headers: { ...(options.headers ?? {}), Accept: 'application/json', ...extraHeaders },
      signal,
    });
    // Keepalive probes notice a silently dead path (VPN drop, node gone) long before the watch
    // timeout would.
    req.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  }).catch((error: unknown) => {
    throw toKubeError(error, doing, server);
  });
  if (response.statusCode === 200) return response;
  const body = await readBody(response, maxErrorBody).catch(() => '');
  throw toKubeError({ code: response.statusCode ?? 0, body }, doing, server);
}

/** GET `path` and parse the JSON body (a LIST page, a single object). */
export async function getJson<T>(
  kubeConfig: KubeConfigLike,
  path: string,
  doing: string,
  signal: AbortSignal,
): Promise<T> {
  const response = await openGet(kubeConfig, path, doing, signal);
  try {
    return JSON.parse(await readBody(response, Number.POSITIVE_INFINITY)) as T;
  } catch (error) {
    throw toKubeError(error, doing, serverOf(kubeConfig));
  }
}

function readBody(response: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    response.on('data', (chunk: Buffer) => {
      if (length >= limit) return;
      chunks.push(chunk);
      length += chunk.length;
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}
