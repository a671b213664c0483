import type { Policy } from '../../policy/policy-schema.js';
import { parseLabelSelector } from '../label-selector.js';

type Selection = Policy['selection'];

/**
 * Where a selection's pods can live: the selected namespaces and those of single pods, or every
 * namespace for a label selector over all of them. The deployer lists there, grants the agent pod
 * reading there, and the agent watches there: one answer for all three.
 */
export function selectionScope(selection: Selection): string[] | 'all' {
  if (selection.namespaces.length === 0 && selection.labelSelector) return 'all';
  const fromPods = selection.pods.map((p) => p.split('/')[0] ?? '');
  return [...new Set([...selection.namespaces, ...fromPods])].filter(Boolean).sort();
}

/**
 * Whether a pod is selected: named pods always; otherwise pods of the selected namespaces (or, with
 * none named, of every namespace) that match the label selector. No namespaces and no selector:
 * named pods only.
 */
export function selectionMatcher(
  selection: Selection,
): (pod: { namespace: string; name: string; labels: Readonly<Record<string, string>> }) => boolean {
  const labels = parseLabelSelector(selection.labelSelector);
  const named = new Set(selection.pods);
  const namespaces = new Set(selection.namespaces);
  const byNamespaceOrLabel = namespaces.size > 0 || !!selection.labelSelector;
  return (pod) =>
    named.has(`${pod.namespace}/${pod.name}`) ||
    (byNamespaceOrLabel && (namespaces.size === 0 || namespaces.has(pod.namespace)) && labels(pod.labels));
}
