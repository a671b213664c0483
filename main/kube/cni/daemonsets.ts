import type { KubeConfigLike } from '../inventory/api-request.js';
import { getJson, withQuery } from '../inventory/api-request.js';
import { type KubeError, toKubeError } from '../kube-error.js';
import { cniNamespaces } from './cni-signatures.js';

/** The part of a DaemonSet that says which CNI it is and which nodes it runs on. */
export interface DaemonSetRecord {
  namespace: string;
  name: string;
  images: string[];
  nodeSelector: Record<string, string>;
  /** requiredDuringSchedulingIgnoredDuringExecution node selector terms (ORed). */
  affinityTerms: NodeSelectorTerm[];
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
}

interface RawDaemonSet {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    template?: {
      spec?: {
        nodeSelector?: Record<string, string>;
        containers?: { image?: string }[];
        initContainers?: { image?: string }[];
        affinity?: {
          nodeAffinity?: {
            requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
          };
        };
      };
    };
  };
}

export function toDaemonSetRecord(raw: RawDaemonSet): DaemonSetRecord {
  const pod = raw.spec?.template?.spec ?? {};
  return {
    namespace: raw.metadata?.namespace ?? '',
    name: raw.metadata?.name ?? '',
    images: [...(pod.containers ?? []), ...(pod.initContainers ?? [])]
      .map((c) => c.image ?? '')
      .filter(Boolean),
    nodeSelector: pod.nodeSelector ?? {},
    affinityTerms:
      pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [],
  };
}

function requirementHolds(labels: Readonly<Record<string, string>>, req: NodeSelectorRequirement): boolean {
  const value = labels[req.key];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

/** Would the scheduler consider this node for the DaemonSet (labels only; taints are tolerated by CNIs)? */
export function daemonSetTargets(ds: DaemonSetRecord, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(ds.nodeSelector)) if (labels[key] !== value) return false;
  if (ds.affinityTerms.length === 0) return true;
  return ds.affinityTerms.some((term) =>
    (term.matchExpressions ?? []).every((req) => requirementHolds(labels, req)),
  );
}

export interface DaemonSetListing {
  daemonSets: DaemonSetRecord[];
  /** Why part of the picture is missing, as KubeError sentences. */
  problems: KubeError[];
}

interface RawList {
  metadata?: { continue?: string };
  items?: RawDaemonSet[];
}

async function listAll(kubeConfig: KubeConfigLike, path: string, doing: string, signal: AbortSignal) {
  const records: DaemonSetRecord[] = [];
  let token: string | undefined;
  do {
    const page = await getJson<RawList>(
      kubeConfig,
      withQuery(path, { limit: 500, continue: token }),
      doing,
      signal,
    );
    for (const item of page.items ?? []) records.push(toDaemonSetRecord(item));
    token = page.metadata?.continue || undefined;
  } while (token);
  return records;
}

/**
 * All DaemonSets, or — when the user may not list them cluster-wide — those in the namespaces
 * CNIs install into. A one-off read: CNIs do not change during a session.
 */
export async function listDaemonSets(
  kubeConfig: KubeConfigLike,
  signal: AbortSignal = new AbortController().signal,
): Promise<DaemonSetListing> {
  try {
    return {
      daemonSets: await listAll(kubeConfig, '/apis/apps/v1/daemonsets', 'list DaemonSets', signal),
      problems: [],
    };
  } catch (error) {
    const clusterWide = toKubeError(error, 'list DaemonSets');
    if (clusterWide.kind !== 'forbidden') return { daemonSets: [], problems: [clusterWide] };
    const results = await Promise.allSettled(
      cniNamespaces.map((ns) =>
        listAll(kubeConfig, `/apis/apps/v1/namespaces/${ns}/daemonsets`, `list DaemonSets in ${ns}`, signal),
      ),
    );
    const daemonSets = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    const problems = results.some((r) => r.status === 'fulfilled') ? [] : [clusterWide];
    return { daemonSets, problems };
  }
}
