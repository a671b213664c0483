import { type ClusterCni, detectClusterCni } from '../kube/cni/index.js';
import { createInventory } from '../kube/inventory/index.js';
import type { KubeconfigClient } from '../kube/kubeconfig/connection.js';

/** One look at the cluster's CNI for a one-shot command (the app keeps its inventory running). */
export async function detectCniOnce(kubeConfig: KubeconfigClient): Promise<ClusterCni> {
  const inventory = createInventory({ kubeConfig });
  inventory.start();
  try {
    return await detectClusterCni({ kubeConfig, inventory });
  } finally {
    inventory.stop();
  }
}
