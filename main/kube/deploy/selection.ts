import { apiRequest, withQuery } from '../api-client.js';
import { KubeError } from '../kube-error.js';
import type { KubeconfigClient } from '../kubeconfig/connection.js';
import type { TapSession } from './session.js';

interface PodItem {
  metadata: { name: string; namespace: string };
  spec: { nodeName?: string; hostNetwork?: boolean };
  status?: { phase?: string };
}

export interface ResolvedSelection {
  pods: Array<{ namespace: string; name: string; node: string }>;
  nodes: string[];
}

async function checkNamespace(kubeConfig: KubeconfigClient, namespace: string): Promise<void> {
  const ns = await apiRequest<{ status?: { phase?: string } }>(kubeConfig, {
    method: 'GET',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
    doing: `read namespace ${namespace}`,
  }).catch((error: unknown) => {
    if (error instanceof KubeError && error.kind === 'not-found')
      throw new KubeError(
        'not-found',
        `namespace ${namespace} does not exist; check --select-namespace (kubectl get namespaces)`,
        404,
      );
    throw error;
  });
  if (ns.status?.phase === 'Terminating')
    throw new KubeError(
      'terminating',
      `namespace ${namespace} is being deleted (Terminating); select another namespace or wait until it is gone`,
    );
}

/**
 * The pods a selection names right now and the nodes they run on: the nodes that need an agent.
 * Host-network pods share the node's interfaces and cannot be tapped per pod; they are left out.
 */
export async function resolveSelection(
  kubeConfig: KubeconfigClient,
  session: TapSession,
): Promise<ResolvedSelection> {
  const { namespaces, labelSelector, pods: named } = session.selection;
  for (const ns of namespaces) await checkNamespace(kubeConfig, ns);
  // As selectionMatcher reads a selection (the agent's view): the selected namespaces, or, with
  // none, every namespace when there is a label selector; named pods on top.
  const scopes = namespaces.length > 0 ? namespaces : labelSelector ? [undefined] : [];
  const found: PodItem[] = [];
  for (const ns of scopes) {
    const list = await apiRequest<{ items: PodItem[] }>(kubeConfig, {
      method: 'GET',
      path: withQuery(ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}/pods` : '/api/v1/pods', {
        labelSelector,
      }),
      doing: `list pods${ns ? ` in ${ns}` : ''}`,
    });
    found.push(...list.items);
  }
  for (const ref of named) {
    const [ns = '', name = ''] = ref.split('/');
    const pod = await apiRequest<PodItem>(kubeConfig, {
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`,
      doing: `read pod ${ref}`,
    }).catch((error: unknown) => {
      if (error instanceof KubeError && error.kind === 'not-found')
        throw new KubeError('not-found', `pod ${ref} does not exist; check the selection`, 404);
      throw error;
    });
    found.push(pod);
  }
  const pods = found
    .filter(
      (p) =>
        p.spec.nodeName &&
        !p.spec.hostNetwork &&
        p.status?.phase !== 'Succeeded' &&
        p.status?.phase !== 'Failed',
    )
    .map((p) => ({
      namespace: p.metadata.namespace,
      name: p.metadata.name,
      node: p.spec.nodeName as string,
    }));
  const unique = new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  return { pods: [...unique.values()], nodes: [...new Set(pods.map((p) => p.node))].sort() };
}
