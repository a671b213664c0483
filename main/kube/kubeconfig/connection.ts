import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { KubeError } from '../kube-error.js';
import { UserCredentials } from './credentials.js';
import { proxyFromEnvironment } from './env-proxy.js';
import type { ClusterEntry, UserEntry } from './types.js';
import type { ResolvedContext } from './validate-context.js';

/**
 * The part of client-node's KubeConfig the cluster layer uses (node:http(s) requests with
 * `applyToHTTPSOptions`). Structural on purpose: client-node 2.0.1 cannot be loaded at run time
 * on Node 20 (its undici 8 needs Node >= 22.19), so only its types are used.
 */
export type KubeconfigClient = Pick<KubeConfig, 'getCurrentCluster' | 'applyToHTTPSOptions'> & {
  getCurrentContext(): string;
};

/**
 * One context's connection settings, applied to node:http(s) request options as kubectl would
 * connect: CA, client certificate, insecure-skip-tls-verify, tls-server-name, proxy-url (else
 * HTTPS_PROXY/NO_PROXY), and the user's credentials (see credentials.ts).
 */
export class KubeconfigConnection implements KubeconfigClient {
  readonly server: string;
  private readonly credentials: UserCredentials;
  private agent?: http.Agent;

  constructor(
    private readonly resolved: ResolvedContext,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.server = serverUrl(resolved.cluster, resolved.user);
    this.credentials = new UserCredentials(resolved.user, { ...resolved.cluster, server: this.server }, env);
  }

  getCurrentContext(): string {
    return this.resolved.context.name;
  }

  /** client-node's Cluster shape, for code that reads `server`. */
  getCurrentCluster(): Cluster {
    const c = this.resolved.cluster;
    return {
      name: c.name,
      server: this.server,
      caData: c.certificateAuthorityData,
      caFile: c.certificateAuthority,
      skipTLSVerify: c.insecureSkipTlsVerify,
      tlsServerName: c.tlsServerName,
      proxyUrl: this.proxyUrl(),
    };
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    const c = this.resolved.cluster;
    if (c.insecureSkipTlsVerify) opts.rejectUnauthorized = false;
    if (c.tlsServerName) opts.servername = c.tlsServerName;
    // Read per request, like client-go's file-backed CA, so a rotated CA file needs no reload.
    const ca = c.certificateAuthority
      ? fs.readFileSync(c.certificateAuthority)
      : c.certificateAuthorityData
        ? Buffer.from(c.certificateAuthorityData, 'base64')
        : undefined;
    if (ca) opts.ca = ca;
    await this.credentials.apply(opts, this.server.startsWith('https:'));
    opts.agent = this.agentFor();
  }

  private proxyUrl(): string | undefined {
    return this.resolved.cluster.proxyUrl ?? proxyFromEnvironment(this.server, this.env);
  }

  /** One keep-alive agent per connection (client-go keeps connections too); TLS options travel per request. */
  private agentFor(): http.Agent {
    if (this.agent) return this.agent;
    const proxy = this.proxyUrl();
    const tls = this.server.startsWith('https:');
    const options = { keepAlive: true };
    if (!proxy) this.agent = tls ? new https.Agent(options) : new http.Agent(options);
    else if (proxy.startsWith('socks')) this.agent = new SocksProxyAgent(proxy, options);
    else
      this.agent = tls
        ? new HttpsProxyAgent({ ...options, proxy })
        : new HttpProxyAgent({ ...options, proxy });
    return this.agent;
  }
}

/**
 * client-go's DefaultServerURL: a server without a scheme gets https:// when any TLS setting is
 * present, else http://. A trailing slash is dropped (paths are appended with their own).
 */
export function serverUrl(cluster: ClusterEntry, user: UserEntry): string {
  let server = cluster.server;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) {
    const tls =
      cluster.certificateAuthority ||
      cluster.certificateAuthorityData ||
      cluster.insecureSkipTlsVerify ||
      cluster.tlsServerName ||
      user.clientCertificate ||
      user.clientCertificateData;
    server = `${tls ? 'https' : 'http'}://${server}`;
  }
  const url = URL.canParse(server) ? new URL(server) : undefined;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new KubeError(
      'kubeconfig',
      `server "${cluster.server}" of cluster "${cluster.name}" (${cluster.origin}) is not an http(s) URL`,
    );
  return server.replace(/\/+$/, '');
}
