import fs from 'node:fs';
import type https from 'node:https';
import { KubeError } from '../kube-error.js';
import { execCredential } from './exec-credential.js';
import type { ClusterEntry, UserEntry } from './types.js';

const TOKEN_FILE_REFRESH_MS = 60_000;

/**
 * A kubeconfig user's credentials applied to a request as client-go applies them: client
 * certificate (files re-read per request, so rotation needs no reload), then one Authorization:
 * token/tokenFile, else basic auth, else the exec plugin (which may also supply the client
 * certificate), else an OIDC id-token; plus Impersonate-* headers.
 */
export class UserCredentials {
  private fileToken?: { token: string; readAt: number };

  constructor(
    private readonly user: UserEntry,
    private readonly cluster: ClusterEntry,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** `secure`: kubectl sends credentials only over TLS; over http:// just the Impersonate-* headers. */
  async apply(opts: https.RequestOptions, secure: boolean): Promise<void> {
    const user = this.user;
    const headers: Record<string, string | string[]> = { ...impersonationHeaders(user) };
    if (secure) await this.applySecret(opts, headers);
    opts.headers = { ...(opts.headers as Record<string, string | string[]> | undefined), ...headers };
  }

  private async applySecret(
    opts: https.RequestOptions,
    headers: Record<string, string | string[]>,
  ): Promise<void> {
    const user = this.user;
    const cert = user.clientCertificate
      ? fs.readFileSync(user.clientCertificate)
      : base64(user.clientCertificateData);
    const key = user.clientKey ? fs.readFileSync(user.clientKey) : base64(user.clientKeyData);
    if (cert && key) {
      opts.cert = cert;
      opts.key = key;
    }
    const token = this.bearerToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (user.username || user.password)
      headers.Authorization = `Basic ${Buffer.from(`${user.username ?? ''}:${user.password ?? ''}`).toString('base64')}`;
    else if (user.exec) {
      const status = await execCredential(user.exec, user.name, this.cluster, this.env);
      if (status.token) headers.Authorization = `Bearer ${status.token}`;
      if (status.clientCertificateData && status.clientKeyData) {
        opts.cert = status.clientCertificateData;
        opts.key = status.clientKeyData;
      }
    } else if (user.authProvider?.name === 'oidc') headers.Authorization = `Bearer ${this.oidcToken()}`;
  }

  /** A token file is re-read every minute and trimmed (client-go's CachedFileTokenSource) and wins over `token`. */
  private bearerToken(): string | undefined {
    const file = this.user.tokenFile;
    if (file) {
      const now = Date.now();
      if (!this.fileToken || now - this.fileToken.readAt > TOKEN_FILE_REFRESH_MS) {
        try {
          this.fileToken = { token: fs.readFileSync(file, 'utf8').trim(), readAt: now };
        } catch (error) {
          if (!this.fileToken && !this.user.token)
            throw new KubeError(
              'kubeconfig',
              `cannot read tokenFile ${file} of user "${this.user.name}": ${(error as Error).message}`,
            );
          // else keep the last good token, like client-go
        }
      }
      if (this.fileToken?.token) return this.fileToken.token;
    }
    return this.user.token;
  }

  /**
   * The kubeconfig's OIDC id-token while it is valid. Refreshing it (and writing the new token back
   * into the kubeconfig, as kubectl does) is left to kubectl: the watch picks up what it saves.
   */
  private oidcToken(): string {
    const idToken = this.user.authProvider?.config['id-token'];
    const expiry = idToken ? jwtExpiry(idToken) : undefined;
    if (idToken && (expiry === undefined || expiry > Date.now())) return idToken;
    const what = idToken ? `expired at ${new Date(expiry ?? 0).toISOString()}` : 'is missing';
    throw new KubeError(
      'unauthorized',
      `the OIDC id-token of user "${this.user.name}" ${what}; run any kubectl command with this context once (kubectl refreshes and saves it) or use an exec plugin such as kubelogin`,
    );
  }
}

function base64(data: string | undefined): Buffer | undefined {
  return data ? Buffer.from(data, 'base64') : undefined;
}

function jwtExpiry(jwt: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: number;
    };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Impersonate-* headers; node:http sends an array as one header line per value, as the API server expects. */
export function impersonationHeaders(user: UserEntry): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  if (!user.impersonate) return headers;
  headers['Impersonate-User'] = user.impersonate;
  if (user.impersonateUid) headers['Impersonate-Uid'] = user.impersonateUid;
  if (user.impersonateGroups.length > 0) headers['Impersonate-Group'] = user.impersonateGroups;
  for (const [key, values] of Object.entries(user.impersonateUserExtra))
    headers[`Impersonate-Extra-${encodeURIComponent(key)}`] = values;
  return headers;
}
