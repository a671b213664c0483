/**
 * How each CNI shows itself in a cluster: the DaemonSet that runs its node agent, the image of
 * that agent, the annotations it writes on Node objects, and the devices it creates on a node.
 * Only Calico and Flannel are supported today: the agent finds a pod's host interface by Calico's
 * routed `cali*` veths or Flannel's `cni0` bridge (see DESIGN.md); for the rest we say so.
 */

export type CniKind = 'calico' | 'flannel' | 'cilium' | 'other';

export interface CniSignature {
  kind: CniKind;
  /** What the user knows it as. */
  product: string;
  /** DaemonSet names (any namespace in `namespaces`, or any namespace if omitted). */
  daemonSets: RegExp;
  namespaces?: readonly string[];
  /** Container images of the node agent, for DaemonSets renamed by an installer or a distribution. */
  images?: RegExp;
  annotationPrefixes?: readonly string[];
  /** Interface names only this CNI creates. */
  devices?: RegExp;
  /** Interface names this CNI creates but others may too (weak evidence). */
  weakDevices?: RegExp;
}

export const supportedKinds: ReadonlySet<CniKind> = new Set(['calico', 'flannel']);

export const cniSignatures: readonly CniSignature[] = [
  {
    kind: 'cilium',
    product: 'Cilium',
    // anetd: GKE Dataplane V2, which is Cilium.
    daemonSets: /^(cilium|anetd)$/,
    images: /(^|\/)cilium\/cilium(-[a-z]+)?[:@]|\/anetd[:@]/,
    annotationPrefixes: ['io.cilium', 'network.cilium.io/', 'cilium.io/'],
    devices: /^(cilium_(host|net|vxlan|geneve|wg0)|lxc[0-9a-f]{6,}|lxc_health)$/,
  },
  {
    kind: 'calico',
    product: 'Canal (Calico policy, Flannel network)',
    daemonSets: /^canal$/,
  },
  {
    kind: 'calico',
    product: 'Calico',
    daemonSets: /^calico-node$/,
    namespaces: ['kube-system', 'calico-system'],
    images: /(^|\/)calico\/node[:@]|\/calico-node[:@]/,
    annotationPrefixes: ['projectcalico.org/'],
    devices: /^(cali[0-9a-f]{11}|vxlan\.calico|vxlan-v6\.calico|wireguard\.cali|wg-v6\.cali)$/,
  },
  {
    kind: 'flannel',
    product: 'Flannel',
    daemonSets: /^(kube-flannel-ds(-[a-z0-9]+)?|flannel)$/,
    namespaces: ['kube-flannel', 'kube-system'],
    images: /(^|\/)(flannel|mirrored-flannelcni-flannel)[:@]/,
    annotationPrefixes: ['flannel.alpha.coreos.com/'],
    devices: /^(flannel\.\d+|flannel-v6\.\d+|flannel-wg(-v6)?)$/,
    // The bridge plugin's default bridge name; Flannel uses it, but so do plain bridge setups.
    weakDevices: /^cni0$/,
  },
  {
    kind: 'other',
    product: 'Weave Net',
    daemonSets: /^weave-net$/,
    images: /weaveworks\/weave-kube/,
    devices: /^(weave|vethwe-.+|vxlan-6784)$/,
  },
  {
    kind: 'other',
    product: 'Antrea',
    daemonSets: /^antrea-agent$/,
    images: /antrea\/antrea-(agent|ubuntu)/,
    annotationPrefixes: ['node.antrea.io/'],
    devices: /^(antrea-gw0|antrea-tun0)$/,
  },
  {
    kind: 'other',
    product: 'kube-router',
    daemonSets: /^kube-router$/,
    images: /cloudnativelabs\/kube-router/,
    annotationPrefixes: ['kube-router.io/', 'kuberouter.io/'],
    devices: /^(kube-bridge|kube-dummy-if)$/,
  },
  {
    kind: 'other',
    product: 'Amazon VPC CNI',
    daemonSets: /^aws-node$/,
    images: /amazon-k8s-cni/,
  },
  {
    kind: 'other',
    product: 'Azure CNI',
    daemonSets: /^(azure-cni|azure-cns|azure-cni-networkmonitor)$/,
    images: /azure-(cni|cns)/,
    devices: /^(azure0|azv[0-9a-f]+)$/,
  },
  {
    kind: 'other',
    product: 'OVN-Kubernetes',
    daemonSets: /^ovnkube-node$/,
    annotationPrefixes: ['k8s.ovn.org/'],
    devices: /^(ovn-k8s-mp\d+|genev_sys_6081)$/,
  },
  {
    kind: 'other',
    product: 'Kube-OVN',
    daemonSets: /^kube-ovn-cni$/,
  },
  {
    kind: 'other',
    product: 'kindnet',
    daemonSets: /^kindnet$/,
    images: /kindnetd/,
  },
];

/** Where CNI DaemonSets live, for users who may not list DaemonSets cluster-wide. */
export const cniNamespaces = [
  'kube-system',
  'calico-system',
  'kube-flannel',
  'cilium',
  'ovn-kubernetes',
  'openshift-ovn-kubernetes',
] as const;
