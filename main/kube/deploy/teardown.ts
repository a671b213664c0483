import { apiRequest, withQuery } from '../api-client.js';
import { KubeError } from '../kube-error.js';
import type { KubeconfigClient } from '../kubeconfig/connection.js';
import { collectionPath, objectPath } from './object-paths.js';
import { withRetry } from './retry.js';
import { allSessionsSelector, SESSION_LABEL, sessionNames, sessionSelector } from './session.js';
import { SESSION_CONFIG_KEY, SessionConfigSchema } from './session-config.js';

interface Listed {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: string };
}

/** Kinds a session may own, with whether they live in a namespace. */
const OWNED_KINDS = [
  ['DaemonSet', true],
  ['ConfigMap', true],
  ['Secret', true],
  ['Lease', true],
  ['RoleBinding', true],
  ['Role', true],
  ['ServiceAccount', true],
  ['ClusterRoleBinding', false],
  ['ClusterRole', false],
  ['Namespace', false],
] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function deleteIfPresent(
  kubeConfig: KubeconfigClient,
  kind: string,
  name: string,
  namespace?: string,
): Promise<boolean> {
  try {
    await apiRequest(kubeConfig, {
      method: 'DELETE',
      path: withQuery(objectPath(kind, name, namespace), { propagationPolicy: 'Background' }),
      doing: `delete ${kind} ${namespace ? `${namespace}/` : ''}${name}`,
    });
    return true;
  } catch (error) {
    if (error instanceof KubeError && error.kind === 'not-found') return false;
    throw error;
  }
}

/** Every object (of the kinds a session owns) carrying `selector`, cluster-wide. */
export async function listOwned(
  kubeConfig: KubeconfigClient,
  selector: string,
): Promise<Array<Listed & { kind: string }>> {
  const lists = await Promise.all(
    OWNED_KINDS.map(async ([kind]) => {
      const list = await apiRequest<{ items: Listed[] }>(kubeConfig, {
        method: 'GET',
        path: withQuery(collectionPath(kind), { labelSelector: selector }),
        doing: `list ${kind} objects labelled ${selector}`,
      });
      return list.items.map((item) => ({ ...item, kind }));
    }),
  );
  return lists.flat();
}

/** Sessions present on the cluster, from the labels of their namespaces. */
export async function listSessions(kubeConfig: KubeconfigClient): Promise<string[]> {
  const list = await apiRequest<{ items: Listed[] }>(kubeConfig, {
    method: 'GET',
    path: withQuery(collectionPath('Namespace'), { labelSelector: allSessionsSelector }),
    doing: 'list ClusterTap sessions',
  });
  return [
    ...new Set(
      list.items.map((ns) => ns.metadata.labels?.[SESSION_LABEL]).filter((id): id is string => !!id),
    ),
  ].sort();
}

/** Namespaces the session bound pod access in, from its ConfigMap (absent if deploy never got there). */
async function sessionNamespaces(kubeConfig: KubeconfigClient, sessionId: string): Promise<string[]> {
  const n = sessionNames(sessionId);
  try {
    const cm = await apiRequest<{ data?: Record<string, string> }>(kubeConfig, {
      method: 'GET',
      path: objectPath('ConfigMap', n.configMap, n.namespace),
      doing: 'read the session ConfigMap',
    });
    const parsed = SessionConfigSchema.safeParse(JSON.parse(cm.data?.[SESSION_CONFIG_KEY] ?? '{}'));
    if (!parsed.success) return [];
    const s = parsed.data.selection;
    return [...new Set([...s.namespaces, ...s.pods.map((p) => p.split('/')[0] ?? '')])].filter(Boolean);
  } catch (error) {
    if (error instanceof KubeError && error.kind === 'not-found') return [];
    throw error;
  }
}

/**
 * Removes every object of a session and waits until the API server no longer has any of them
 * (the namespace's finalizers included). Objects are found by name first, then by label, so a
 * deploy that crashed half-way is cleaned up too.
 */
export async function teardownSession(
  kubeConfig: KubeconfigClient,
  sessionId: string,
  progress: (line: string) => void,
  timeoutMs = 120_000,
): Promise<void> {
  const n = sessionNames(sessionId);
  // Every call survives an API-server restart: teardown is what must never stop half-way.
  const retried = <T>(attempt: () => Promise<T>) =>
    withRetry(attempt, timeoutMs, (e) => progress(`${e.message}; retrying`));
  const remove = (kind: string, name: string, namespace?: string) =>
    retried(() => deleteIfPresent(kubeConfig, kind, name, namespace));
  for (const ns of await retried(() => sessionNamespaces(kubeConfig, sessionId)))
    await remove('RoleBinding', n.podReaderBinding, ns);
  await remove('ClusterRoleBinding', n.podReaderBinding);
  await remove('ClusterRole', n.podReader);
  if (await remove('Namespace', n.namespace)) progress(`deleting namespace ${n.namespace}`);
  const deadline = Date.now() + timeoutMs;
  let lastCount = -1;
  for (;;) {
    const left = await retried(() => listOwned(kubeConfig, sessionSelector(sessionId)));
    if (left.length === 0) return;
    for (const item of left)
      if (!item.metadata.deletionTimestamp)
        await remove(item.kind, item.metadata.name, item.metadata.namespace);
    if (left.length !== lastCount) {
      const names = left.map(
        (i) => `${i.kind} ${i.metadata.namespace ? `${i.metadata.namespace}/` : ''}${i.metadata.name}`,
      );
      progress(`waiting for ${left.length} object${left.length === 1 ? '' : 's'} to go: ${names.join(', ')}`);
      lastCount = left.length;
    }
    if (Date.now() > deadline)
      throw new KubeError(
        'timeout',
        `session ${sessionId}: ${left.length} objects still present after ${timeoutMs / 1000} s; run \`clustertap undeploy --session ${sessionId}\` again`,
      );
    await sleep(500);
  }
}
