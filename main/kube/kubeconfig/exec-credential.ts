import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { KubeError } from '../kube-error.js';
import type { ClusterEntry, ExecConfig } from './types.js';

/** `status` of a client.authentication.k8s.io ExecCredential. */
export interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

interface Cached {
  pending: Promise<ExecCredentialStatus>;
  expiresAt?: number;
}

// Process-wide like client-go's authenticator cache: parallel probes and every kubeconfig reload
// share one plugin run per (exec config, cluster) until the credential expires.
const cache = new Map<string, Cached>();

/** Drops cached credentials, e.g. after a 401 (client-go refreshes on 401 the same way). */
export function forgetExecCredentials(): void {
  cache.clear();
}

/**
 * Runs an exec credential plugin as client-go does: environment plus `exec.env` plus
 * KUBERNETES_EXEC_INFO, stdin closed (never interactive here: no terminal in the app, and parallel
 * probes must not prompt), JSON ExecCredential on stdout, cached until `expirationTimestamp`.
 */
export function execCredential(
  exec: ExecConfig,
  userName: string,
  cluster: ClusterEntry,
  env: NodeJS.ProcessEnv,
): Promise<ExecCredentialStatus> {
  const info = execInfo(exec, cluster);
  const key = JSON.stringify([exec, info]);
  const hit = cache.get(key);
  if (hit && (hit.expiresAt === undefined || hit.expiresAt > Date.now())) return hit.pending;
  const entry: Cached = { pending: runPlugin(exec, userName, info, env) };
  cache.set(key, entry);
  entry.pending.then(
    (status) => {
      if (status.expirationTimestamp) entry.expiresAt = Date.parse(status.expirationTimestamp);
    },
    () => cache.delete(key), // failures are not cached: the next request runs the plugin again
  );
  return entry.pending;
}

function execInfo(exec: ExecConfig, cluster: ClusterEntry): string {
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo) {
    const caData = cluster.certificateAuthority
      ? fs.readFileSync(cluster.certificateAuthority).toString('base64')
      : cluster.certificateAuthorityData;
    spec.cluster = {
      server: cluster.server,
      'tls-server-name': cluster.tlsServerName,
      'insecure-skip-tls-verify': cluster.insecureSkipTlsVerify || undefined,
      'certificate-authority-data': caData,
      'proxy-url': cluster.proxyUrl,
      config: cluster.execExtension ?? null,
    };
  }
  return JSON.stringify({ kind: 'ExecCredential', apiVersion: exec.apiVersion, spec });
}

function runPlugin(
  exec: ExecConfig,
  userName: string,
  info: string,
  env: NodeJS.ProcessEnv,
): Promise<ExecCredentialStatus> {
  const who = `exec plugin "${exec.command}" of user "${userName}"`;
  if (exec.interactiveMode === 'Always')
    return Promise.reject(
      new KubeError(
        'kubeconfig',
        `getting credentials: ${who} needs interactive mode (interactiveMode: Always), but ClusterTap runs plugins without a terminal; log in with the plugin in a terminal first or use interactiveMode: IfAvailable`,
      ),
    );
  const childEnv = {
    ...env,
    ...Object.fromEntries(exec.env.map((e) => [e.name, e.value])),
    KUBERNETES_EXEC_INFO: info,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(exec.command, exec.args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        const hint = exec.installHint
          ? `: ${exec.installHint.trim()}`
          : '; install it or fix exec.command in the kubeconfig';
        reject(new KubeError('kubeconfig', `getting credentials: ${who} was not found${hint}`));
      } else reject(new KubeError('kubeconfig', `getting credentials: cannot run ${who}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const said = stderr.trim().split('\n').slice(-3).join(' / ');
        const how = signal ? `was killed by ${signal}` : `failed with exit code ${code}`;
        reject(new KubeError('unauthorized', `getting credentials: ${who} ${how}${said ? `: ${said}` : ''}`));
        return;
      }
      try {
        resolve(parseCredential(stdout, exec.apiVersion));
      } catch (error) {
        reject(new KubeError('unauthorized', `getting credentials: ${who}: ${(error as Error).message}`));
      }
    });
  });
}

/** The checks client-go applies to a plugin's answer, with its messages. */
export function parseCredential(stdout: string, apiVersion: string): ExecCredentialStatus {
  let cred: { apiVersion?: unknown; kind?: unknown; status?: ExecCredentialStatus | null };
  try {
    cred = JSON.parse(stdout);
  } catch {
    throw new Error(`printed no ExecCredential JSON: ${JSON.stringify(stdout.slice(0, 80))}`);
  }
  if (cred.apiVersion !== apiVersion)
    throw new Error(
      `exec plugin is configured to use API version ${apiVersion}, plugin returned version ${cred.apiVersion}`,
    );
  if (cred.kind !== 'ExecCredential')
    throw new Error(`plugin returned kind ${String(cred.kind)}, not ExecCredential`);
  const status = cred.status;
  if (!status) throw new Error("exec plugin didn't return a status field");
  const hasCert = Boolean(status.clientCertificateData);
  if (hasCert !== Boolean(status.clientKeyData))
    throw new Error('exec plugin returned only certificate or key, not both');
  if (!status.token && !hasCert) throw new Error("exec plugin didn't return a token or cert/key pair");
  if (status.expirationTimestamp && Number.isNaN(Date.parse(status.expirationTimestamp)))
    throw new Error(`exec plugin returned an invalid expirationTimestamp ${status.expirationTimestamp}`);
  return status;
}
