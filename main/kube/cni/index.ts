/** Which CNI each node runs (Calico, Flannel, Cilium, other), with evidence and a warning for the user. */
export { type ClusterCniDeps, detectClusterCni } from './cluster-cni.js';
export { type CniKind, cniSignatures } from './cni-signatures.js';
export { type DaemonSetRecord, listDaemonSets } from './daemonsets.js';
export { type ClusterCni, type CniInput, describeCni, detectCni, type NodeCni } from './detect-cni.js';
