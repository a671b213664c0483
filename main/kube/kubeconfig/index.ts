/**
 * The engineer's kubeconfig, exactly as kubectl reads it (KUBECONFIG merging, --kubeconfig,
 * --context, client certificates, tokens, exec plugins, proxies), as connections that stand in
 * for client-node's KubeConfig. Everything here holds credentials: main process only.
 */
export { type KubeconfigFlags, kubeconfigSource, withKubeconfigOptions } from './command-options.js';
export { type KubeconfigClient, KubeconfigConnection } from './connection.js';
export { forgetExecCredentials } from './exec-credential.js';
export {
  type ContextSummary,
  kubeConfigForContext,
  type LoadedKubeconfig,
  listContexts,
  loadKubeconfig,
} from './load.js';
export { type KubeconfigSource, kubeconfigCandidates, readMergedKubeconfig } from './loading-rules.js';
export { type ProbeResult, probeCluster } from './probe.js';
export type { ClusterEntry, ContextEntry, MergedKubeconfig, UserEntry } from './types.js';
export { type WatchOptions, watchKubeconfig } from './watch.js';
