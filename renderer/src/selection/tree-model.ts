import { selectionMatcher } from '../../../main/kube/deploy/selection-scope.js';
import type { NamespaceDto, PodDto, Selection } from '../api/dto.js';

/**
 * The selection tree's model: namespaces → workloads (by owner) → pods, filtered by the search
 * box, with what the current selection covers. Pure functions over the inventory, so the tree,
 * its counts and the summary line agree. A selection is read exactly as the deployer and the agent
 * read it (main/kube/deploy/selection-scope.ts).
 */

export interface WorkloadNode {
  key: string;
  namespace: string;
  /** Deployment, StatefulSet, DaemonSet, Job…; '' for pods without an owner. */
  kind: string;
  name: string;
  pods: PodDto[];
}

export interface NamespaceNode {
  name: string;
  phase: string;
  workloads: WorkloadNode[];
  /** Pods in the namespace, and how many the search shows. */
  total: number;
  shown: number;
}

/** Labels the controllers add per revision or pod: not what a user means by "this workload". */
const VOLATILE_LABELS = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name',
  'controller-uid',
  'job-name',
  'pod-template-generation',
]);

function podMatches(pod: PodDto, q: string): boolean {
  return (
    pod.name.toLowerCase().includes(q) ||
    pod.node.toLowerCase().includes(q) ||
    pod.ips.some((ip) => ip.includes(q)) ||
    Object.entries(pod.labels).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(q))
  );
}

export function buildTree(
  namespaces: ReadonlyMap<string, NamespaceDto>,
  pods: ReadonlyMap<string, PodDto>,
  search: string,
): NamespaceNode[] {
  const q = search.trim().toLowerCase();
  const byNamespace = new Map<string, Map<string, WorkloadNode>>();
  const names = new Set(namespaces.keys());
  for (const pod of pods.values()) names.add(pod.namespace);
  for (const name of names) byNamespace.set(name, new Map());
  for (const pod of pods.values()) {
    const workloads = byNamespace.get(pod.namespace) as Map<string, WorkloadNode>;
    const key = `${pod.namespace}/${pod.ownerKind}/${pod.ownerName}`;
    let workload = workloads.get(key);
    if (!workload) {
      workload = { key, namespace: pod.namespace, kind: pod.ownerKind, name: pod.ownerName, pods: [] };
      workloads.set(key, workload);
    }
    workload.pods.push(pod);
  }
  const out: NamespaceNode[] = [];
  for (const name of [...names].sort()) {
    const all = [...(byNamespace.get(name)?.values() ?? [])].sort(
      (a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
    );
    for (const w of all) w.pods.sort((a, b) => a.name.localeCompare(b.name));
    const total = all.reduce((n, w) => n + w.pods.length, 0);
    let workloads = all;
    if (q && !name.toLowerCase().includes(q)) {
      workloads = all
        .map((w) =>
          w.name.toLowerCase().includes(q) || w.kind.toLowerCase() === q
            ? w
            : { ...w, pods: w.pods.filter((p) => podMatches(p, q)) },
        )
        .filter((w) => w.pods.length > 0);
      if (workloads.length === 0) continue;
    }
    const shown = workloads.reduce((n, w) => n + w.pods.length, 0);
    out.push({ name, phase: namespaces.get(name)?.phase ?? '', workloads, total, shown });
  }
  return out;
}

export type Check = 'checked' | 'mixed' | 'unchecked';

/** How the selection covers pods: matched at all, and matched only by naming them. */
export interface Coverage {
  matches: (pod: PodDto) => boolean;
  named: ReadonlySet<string>;
  namespaces: ReadonlySet<string>;
}

export function coverage(selection: Selection): Coverage {
  return {
    matches: selectionMatcher(selection),
    named: new Set(selection.pods),
    namespaces: new Set(selection.namespaces),
  };
}

export function checkOf(pods: readonly PodDto[], cover: Coverage): Check {
  if (pods.length === 0) return 'unchecked';
  const n = pods.filter((p) => cover.matches(p)).length;
  return n === 0 ? 'unchecked' : n === pods.length ? 'checked' : 'mixed';
}

/** The labels every pod of a workload shares (minus per-revision ones), as a label selector. */
export function workloadSelector(workload: WorkloadNode): string {
  const [first, ...rest] = workload.pods;
  if (!first) return '';
  const common = Object.entries(first.labels).filter(
    ([k, v]) => !VOLATILE_LABELS.has(k) && rest.every((p) => p.labels[k] === v),
  );
  return common
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** What the selection taps now: pods (tappable ones), on which nodes, and the host-network ones it cannot. */
export function selectionSummary(
  selection: Selection,
  pods: ReadonlyMap<string, PodDto>,
): { pods: number; nodes: number; hostNetwork: number } {
  const matches = selectionMatcher(selection);
  let count = 0;
  let hostNetwork = 0;
  const nodes = new Set<string>();
  for (const pod of pods.values()) {
    if (!matches(pod)) continue;
    if (pod.hostNetwork) {
      hostNetwork++;
      continue;
    }
    count++;
    if (pod.node) nodes.add(pod.node);
  }
  return { pods: count, nodes: nodes.size, hostNetwork };
}
