import type { KubeConfigLike } from '../inventory/api-request.js';
import type { Inventory } from '../inventory/inventory.js';
import { listDaemonSets } from './daemonsets.js';
import { type ClusterCni, detectCni } from './detect-cni.js';

export interface ClusterCniDeps {
  kubeConfig: KubeConfigLike;
  /** A started inventory: its nodes (annotations, labels) and pods (DaemonSet pods per node). */
  inventory: Pick<Inventory, 'snapshot' | 'status' | 'whenSettled'>;
  /** Interface names per node, once agents report them. */
  devices?: Record<string, string[]>;
  signal?: AbortSignal;
}

/**
 * The CNI picture for the user: DaemonSets read once, nodes and pods from the inventory. What we
 * could not read (nodes or DaemonSets forbidden) is named in the warning rather than silently
 * turning into "unknown".
 */
export async function detectClusterCni(deps: ClusterCniDeps): Promise<ClusterCni> {
  const [listing] = await Promise.all([
    listDaemonSets(deps.kubeConfig, deps.signal),
    deps.inventory.whenSettled(),
  ]);
  const snapshot = deps.inventory.snapshot();
  const status = deps.inventory.status();
  const problems = listing.problems.map((error) => error.message);
  if (status.nodes.lastError && !status.nodes.synced) problems.push(status.nodes.lastError.message);
  return detectCni({
    nodes: snapshot.nodes,
    pods: snapshot.pods,
    daemonSets: listing.daemonSets,
    devices: deps.devices,
    problems,
  });
}
