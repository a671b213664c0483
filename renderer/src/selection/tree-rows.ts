import type { PodDto } from '../api/dto.js';
import { type Check, type Coverage, checkOf, type NamespaceNode, type WorkloadNode } from './tree-model.js';

/** One line of the selection tree as shown (namespaces, open workloads, open pods), for rendering and arrow keys. */
export type TreeRow =
  | { type: 'namespace'; key: string; level: 1; node: NamespaceNode; check: Check; expanded: boolean }
  | { type: 'workload'; key: string; level: 2; node: WorkloadNode; check: Check; expanded: boolean }
  | { type: 'pod'; key: string; level: 3; pod: PodDto; check: Check; viaGroup: boolean };

export function treeRows(
  tree: readonly NamespaceNode[],
  expanded: ReadonlySet<string>,
  cover: Coverage,
  searching: boolean,
): TreeRow[] {
  const rows: TreeRow[] = [];
  for (const ns of tree) {
    const nsKey = `ns:${ns.name}`;
    const nsPods = ns.workloads.flatMap((w) => w.pods);
    // While searching, every match is shown without opening anything by hand.
    const nsOpen = searching || expanded.has(nsKey);
    const nsCheck: Check = cover.namespaces.has(ns.name)
      ? 'checked'
      : checkOf(nsPods, cover) === 'unchecked'
        ? 'unchecked'
        : 'mixed';
    rows.push({ type: 'namespace', key: nsKey, level: 1, node: ns, check: nsCheck, expanded: nsOpen });
    if (!nsOpen) continue;
    for (const w of ns.workloads) {
      const wKey = `wl:${w.key}`;
      const wOpen = searching || expanded.has(wKey);
      rows.push({
        type: 'workload',
        key: wKey,
        level: 2,
        node: w,
        check: checkOf(w.pods, cover),
        expanded: wOpen,
      });
      if (!wOpen) continue;
      for (const pod of w.pods) {
        const matched = cover.matches(pod);
        rows.push({
          type: 'pod',
          key: `pod:${pod.key}`,
          level: 3,
          pod,
          check: matched ? 'checked' : 'unchecked',
          viaGroup: matched && !cover.named.has(pod.key),
        });
      }
    }
  }
  return rows;
}
