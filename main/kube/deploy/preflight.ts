import { apiRequest } from '../api-client.js';
import { KubeError } from '../kube-error.js';
import type { KubeconfigClient } from '../kubeconfig/connection.js';
import type { KubeObject } from './manifests.js';

/** One permission: "verb resource(.group) in namespace". */
export interface Permission {
  verb: string;
  group: string;
  resource: string;
  /** e.g. `proxy` for pods/proxy (the api transport's stream). */
  subresource?: string;
  namespace?: string;
}

const RESOURCES: Record<string, { group: string; resource: string }> = {
  Namespace: { group: '', resource: 'namespaces' },
  ServiceAccount: { group: '', resource: 'serviceaccounts' },
  ConfigMap: { group: '', resource: 'configmaps' },
  Secret: { group: '', resource: 'secrets' },
  ClusterRole: { group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  ClusterRoleBinding: { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
  Role: { group: 'rbac.authorization.k8s.io', resource: 'roles' },
  RoleBinding: { group: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
  Lease: { group: 'coordination.k8s.io', resource: 'leases' },
  DaemonSet: { group: 'apps', resource: 'daemonsets' },
};

export function resourceOf(kind: string): { group: string; resource: string } {
  const r = RESOURCES[kind];
  if (!r) throw new Error(`no resource mapping for kind ${kind}`);
  return r;
}

/**
 * What deploy, status and teardown need: create + patch (server-side apply) and get/delete
 * for every object, list/watch to follow the rollout, and — because RBAC lets nobody grant what
 * they do not hold — read access to pods wherever the agent will read them.
 */
export function requiredPermissions(objects: KubeObject[], podNamespaces: string[] | 'all'): Permission[] {
  const perms = new Map<string, Permission>();
  const add = (p: Permission) =>
    perms.set(`${p.verb} ${p.group}/${p.resource}/${p.subresource ?? ''} ${p.namespace ?? ''}`, p);
  for (const object of objects) {
    const { group, resource } = resourceOf(object.kind);
    const namespace = object.metadata.namespace;
    for (const verb of ['create', 'patch', 'get', 'delete']) add({ verb, group, resource, namespace });
  }
  const agentNamespace = objects.find((o) => o.kind === 'Namespace')?.metadata.name;
  for (const verb of ['list', 'watch']) {
    add({ verb, group: 'apps', resource: 'daemonsets', namespace: agentNamespace });
    add({ verb, group: '', resource: 'pods', namespace: agentNamespace });
  }
  add({ verb: 'list', group: '', resource: 'events', namespace: agentNamespace });
  const podScopes = podNamespaces === 'all' ? [undefined] : podNamespaces;
  for (const namespace of podScopes)
    for (const verb of ['get', 'list', 'watch']) add({ verb, group: '', resource: 'pods', namespace });
  return [...perms.values()];
}

/** The api transport reads the agents' stream through pods/proxy in the session namespace. */
export function streamPermission(sessionNamespace: string): Permission {
  return { verb: 'get', group: '', resource: 'pods', subresource: 'proxy', namespace: sessionNamespace };
}

export function describePermission(p: Permission): string {
  const name = p.subresource ? `${p.resource}/${p.subresource}` : p.resource;
  const resource = p.group ? `${name}.${p.group}` : name;
  return `${p.verb} ${resource} ${p.namespace ? `in namespace ${p.namespace}` : '(cluster-wide)'}`;
}

interface AccessReview {
  status?: { allowed?: boolean; denied?: boolean; reason?: string };
}

async function allowed(kubeConfig: KubeconfigClient, p: Permission): Promise<boolean> {
  const review = await apiRequest<AccessReview>(kubeConfig, {
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    doing: 'check your permissions (SelfSubjectAccessReview)',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          verb: p.verb,
          group: p.group,
          resource: p.resource,
          subresource: p.subresource,
          namespace: p.namespace,
        },
      },
    },
  });
  return review.status?.allowed === true;
}

/** Who the API server thinks we are, for the message ("you (lab-viewer) may not …"). */
export async function whoAmI(kubeConfig: KubeconfigClient): Promise<string | undefined> {
  try {
    const review = await apiRequest<{ status?: { userInfo?: { username?: string } } }>(kubeConfig, {
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      doing: 'ask who you are (SelfSubjectReview)',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    return review.status?.userInfo?.username;
  } catch {
    return undefined;
  }
}

/** Checks every permission before anything changes; throws KubeError('forbidden') naming each missing one. */
export async function preflight(kubeConfig: KubeconfigClient, permissions: Permission[]): Promise<void> {
  const results = await Promise.all(permissions.map(async (p) => ({ p, ok: await allowed(kubeConfig, p) })));
  const missing = results.filter((r) => !r.ok).map((r) => r.p);
  if (missing.length === 0) return;
  const who = await whoAmI(kubeConfig);
  const lines = missing.map((p) => `  - ${describePermission(p)}`);
  throw new KubeError(
    'forbidden',
    `you${who ? ` (${who})` : ''} lack ${missing.length} permission${missing.length === 1 ? '' : 's'} ClusterTap needs; nothing was changed:\n${lines.join('\n')}\nAsk a cluster admin to grant them, or use a context that has them.`,
    403,
  );
}
