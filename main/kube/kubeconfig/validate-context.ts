import fs from 'node:fs';
import { KubeError } from '../kube-error.js';
import type { ClusterEntry, ContextEntry, MergedKubeconfig, UserEntry } from './types.js';

export interface ResolvedContext {
  context: ContextEntry;
  cluster: ClusterEntry;
  /** A context without `user` is anonymous, as for kubectl. */
  user: UserEntry;
}

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

/**
 * The context, its cluster and its user, checked as kubectl checks them before its first request
 * (client-go ConfirmUsable and rest config building), with kubectl's own messages.
 * Stricter than kubectl in one place: a `user` name that is not defined is an error (kubectl
 * silently goes anonymous, which only surfaces later as 401/403).
 */
export function resolveContext(merged: MergedKubeconfig, name: string): ResolvedContext {
  const { resolved, problems } = checkContext(merged, name);
  if (resolved) return resolved;
  const context = merged.contexts.get(name);
  if (!context) {
    const known = [...merged.contexts.keys()].sort();
    const list = known.length > 0 ? `known contexts: ${known.join(', ')}` : 'it defines no contexts';
    throw new KubeError(
      'kubeconfig',
      `context "${name}" does not exist in ${describeFiles(merged)}; ${list}`,
    );
  }
  throw new KubeError(
    'kubeconfig',
    `context "${name}" (${context.origin}) cannot be used: ${problems.join('; ')}; fix the kubeconfig or choose another context`,
  );
}

/** What stops a context from being used, in kubectl's words (empty when it is usable). */
export function checkContext(
  merged: MergedKubeconfig,
  name: string,
): { resolved?: ResolvedContext; problems: string[] } {
  const context = merged.contexts.get(name);
  if (!context) return { problems: [`context "${name}" does not exist`] };
  const problems: string[] = [];
  const cluster = merged.clusters.get(context.cluster);
  if (!context.cluster) problems.push(`context "${name}" names no cluster`);
  else if (!cluster) problems.push(`cluster "${context.cluster}" is not defined`);
  let user = context.user ? merged.users.get(context.user) : anonymous(context);
  if (!user) {
    problems.push(`user "${context.user}" is not defined`);
    user = anonymous(context);
  }
  if (cluster) problems.push(...clusterProblems(cluster));
  problems.push(...userProblems(user));
  if (problems.length > 0 || !cluster) return { problems };
  return { resolved: { context, cluster, user }, problems };
}

function anonymous(context: ContextEntry): UserEntry {
  return { name: '', origin: context.origin, impersonateGroups: [], impersonateUserExtra: {} };
}

export function describeFiles(merged: MergedKubeconfig): string {
  return merged.files.length === 1 ? `${merged.files[0]}` : `the kubeconfig (${merged.files.join(', ')})`;
}

function clusterProblems(cluster: ClusterEntry): string[] {
  const out: string[] = [];
  if (!cluster.server) out.push(`no server found for cluster "${cluster.name}"`);
  if (cluster.proxyUrl) {
    const scheme = URL.canParse(cluster.proxyUrl) ? new URL(cluster.proxyUrl).protocol.slice(0, -1) : '';
    if (!['http', 'https', 'socks5'].includes(scheme))
      out.push(
        `invalid 'proxy-url' "${cluster.proxyUrl}" for cluster "${cluster.name}": unsupported scheme "${scheme}", must be http, https, or socks5`,
      );
  }
  if (cluster.certificateAuthority && cluster.certificateAuthorityData)
    out.push(`certificate-authority-data and certificate-authority are both specified for ${cluster.name}`);
  if (cluster.certificateAuthority)
    out.push(...unreadable(cluster.certificateAuthority, 'certificate-authority'));
  const hasCA = cluster.certificateAuthority || cluster.certificateAuthorityData;
  if (hasCA && cluster.insecureSkipTlsVerify && cluster.server.startsWith('https'))
    out.push('specifying a root certificates file with the insecure flag is not allowed');
  return out;
}

function userProblems(user: UserEntry): string[] {
  const out: string[] = [];
  const name = user.name;
  const methods = [user.token && 'token', (user.username || user.password) && 'basicAuth'].filter(Boolean);
  if (methods.length > 1)
    out.push(
      `more than one authentication method found for ${name}; found [${methods.join(' ')}], only one is allowed`,
    );
  if (user.clientCertificate || user.clientCertificateData) {
    if (user.clientCertificate && user.clientCertificateData)
      out.push(`client-cert-data and client-cert are both specified for ${name}`);
    if (user.clientKey && user.clientKeyData)
      out.push(`client-key-data and client-key are both specified for ${name}`);
    if (!user.clientKey && !user.clientKeyData)
      out.push(
        `client-key-data or client-key must be specified for ${name} to use the clientCert authentication method`,
      );
    if (user.clientCertificate) out.push(...unreadable(user.clientCertificate, 'client-certificate'));
    if (user.clientKey) out.push(...unreadable(user.clientKey, 'client-key'));
  }
  if (user.tokenFile && !user.token) out.push(...unreadable(user.tokenFile, 'tokenFile'));
  const provider = user.authProvider?.name;
  if (provider === 'gcp')
    out.push(
      'the gcp auth-provider was removed from kubectl: use the "gke-gcloud-auth-plugin" exec plugin instead',
    );
  else if (provider === 'azure')
    out.push(
      'the azure auth-provider was removed from kubectl: use the https://github.com/Azure/kubelogin exec plugin instead',
    );
  else if (user.authProvider && provider !== 'oidc')
    out.push(`auth-provider "${provider}" is not supported (kubectl supports only oidc; use an exec plugin)`);
  if (user.exec) {
    const exec = user.exec;
    if (user.authProvider)
      out.push(`authProvider cannot be provided in combination with an exec plugin for ${name}`);
    if (!exec.command) out.push(`command must be specified for ${name} to use exec authentication plugin`);
    if (!exec.apiVersion)
      out.push(`apiVersion must be specified for ${name} to use exec authentication plugin`);
    else if (!EXEC_API_VERSIONS.includes(exec.apiVersion))
      out.push(`exec plugin: invalid apiVersion "${exec.apiVersion}"`);
    if (exec.env.some((e) => !e.name))
      out.push(`env variable name must be specified for ${name} to use exec authentication plugin`);
    // v1 makes interactiveMode mandatory; v1beta1 defaults it to IfAvailable.
    if (exec.apiVersion === 'client.authentication.k8s.io/v1' && !exec.interactiveMode)
      out.push(`interactiveMode must be specified for ${name} to use exec authentication plugin`);
  }
  const extras = Object.keys(user.impersonateUserExtra).length > 0;
  if ((user.impersonateUid || user.impersonateGroups.length > 0 || extras) && !user.impersonate)
    out.push(`requesting uid, groups or user-extra for ${name} without impersonating a user`);
  return out;
}

function unreadable(file: string, what: string): string[] {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return [];
  } catch (error) {
    return [`unable to read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`];
  }
}
