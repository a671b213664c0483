import http from 'node:http';
import https from 'node:https';
import { KubeError, toKubeError } from './kube-error.js';
import type { KubeconfigClient } from './kubeconfig/connection.js';
import { forgetExecCredentials } from './kubeconfig/exec-credential.js';

/**
 * Requests with any verb against the API server, with the kubeconfig's credentials
 * (`applyToHTTPSOptions` per request, so exec plugins and token files refresh). Like the
 * inventory's GETs, it uses node:https: client-node 2's own fetch (undici 8) needs a newer Node.
 */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** User's view of the operation, for error messages ("create the DaemonSet"). */
  doing: string;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export function apiServer(kubeConfig: Pick<KubeconfigClient, 'getCurrentCluster'>): string {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new KubeError('kubeconfig', 'the kubeconfig has no current cluster; pick a context');
  return cluster.server.replace(/\/+$/, '');
}

/** Sends the request; resolves with the parsed JSON body on 2xx, throws a classified KubeError otherwise. */
export async function apiRequest<T = unknown>(
  kubeConfig: Pick<KubeconfigClient, 'getCurrentCluster' | 'applyToHTTPSOptions'>,
  request: ApiRequest,
): Promise<T> {
  const server = apiServer(kubeConfig);
  const options: https.RequestOptions = {};
  try {
    await kubeConfig.applyToHTTPSOptions(options);
  } catch (error) {
    // An exec plugin or expired token says `unauthorized` itself; keep its kind.
    if (error instanceof KubeError) throw error;
    throw new KubeError('kubeconfig', `cannot ${request.doing}: ${(error as Error).message}`);
  }
  const url = new URL(server + request.path);
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  const send = url.protocol === 'http:' ? http.request : https.request;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = send(url, {
      ...options,
      method: request.method,
      signal: request.signal,
      timeout: request.timeoutMs ?? 30_000,
      headers: {
        ...(options.headers ?? {}),
        Accept: 'application/json',
        ...(payload ? { 'Content-Type': request.contentType ?? 'application/json' } : {}),
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.end(payload);
  }).catch((error: unknown) => {
    throw toKubeError(error, request.doing, server);
  });
  // A rejected exec credential is not reused: the next request runs the plugin again.
  if (status === 401) forgetExecCredentials();
  if (status < 200 || status >= 300) throw toKubeError({ code: status, body: text }, request.doing, server);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** `path?k=v&…`, skipping undefined values. */
export function withQuery(
  path: string,
  query: Record<string, string | number | boolean | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
