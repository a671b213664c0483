import { describe, expect, it } from 'vitest';
import { type DaemonSetRecord, daemonSetTargets } from '../../main/kube/cni/daemonsets.js';
import { type CniInput, describeCni, detectCni } from '../../main/kube/cni/detect-cni.js';

/** Fixtures as the clusters publish them (upstream manifests, k3s, EKS, AKS, the lab). */
function ds(
  namespace: string,
  name: string,
  image: string,
  nodeSelector: Record<string, string> = {},
): DaemonSetRecord {
  return { namespace, name, images: [image], nodeSelector, affinityTerms: [] };
}
function node(name: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}) {
  return { name, annotations, labels: { 'kubernetes.io/os': 'linux', ...labels } };
}
function dsPod(namespace: string, owner: string, nodeName: string) {
  return { namespace, name: `${owner}-${nodeName}`, nodeName, ownerKind: 'DaemonSet', ownerName: owner };
}

const calicoAnnotations = {
  'projectcalico.org/IPv4Address': '198.19.200.11/24',
  'projectcalico.org/IPv4VXLANTunnelAddr': '10.244.1.0',
};
const flannelAnnotations = {
  'flannel.alpha.coreos.com/backend-type': 'vxlan',
  'flannel.alpha.coreos.com/backend-data': '{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:ff"}',
  'flannel.alpha.coreos.com/public-ip': '198.19.200.12',
};

describe('CNI detection', () => {
  it('the lab: Calico and Flannel nodes by DaemonSet node selector, pods and annotations; mixed is said', () => {
    const input: CniInput = {
      nodes: [
        node('ctlab-node-1', calicoAnnotations, { 'clustertap.lab/cni': 'calico' }),
        node('ctlab-node-2', flannelAnnotations, { 'clustertap.lab/cni': 'flannel' }),
        node('ctlab-node-3', calicoAnnotations, { 'clustertap.lab/cni': 'calico' }),
      ],
      daemonSets: [
        ds('kube-system', 'calico-node', 'docker.io/calico/node:v3.29.1', { 'clustertap.lab/cni': 'calico' }),
        ds('kube-flannel', 'kube-flannel-ds', 'docker.io/flannel/flannel:v0.26.4', {
          'clustertap.lab/cni': 'flannel',
        }),
        ds('kube-system', 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.37.2'),
      ],
      pods: [dsPod('kube-system', 'calico-node', 'ctlab-node-1')],
    };
    const result = detectCni(input);
    expect(result.nodes.map((n) => [n.node, n.cni, n.supported])).toEqual([
      ['ctlab-node-1', 'calico', true],
      ['ctlab-node-2', 'flannel', true],
      ['ctlab-node-3', 'calico', true],
    ]);
    expect(result.nodes[0]?.evidence).toEqual([
      'DaemonSet kube-system/calico-node runs pod calico-node-ctlab-node-1 here',
      'node annotations projectcalico.org/IPv4Address, projectcalico.org/IPv4VXLANTunnelAddr',
    ]);
    expect(result.nodes[1]?.evidence).toEqual([
      'DaemonSet kube-flannel/kube-flannel-ds targets this node',
      'node annotations flannel.alpha.coreos.com/backend-type, flannel.alpha.coreos.com/backend-data, flannel.alpha.coreos.com/public-ip',
    ]);
    expect(result.summary).toBe('Calico on 2 nodes, Flannel on 1 node');
    expect(result.supported).toBe(true);
    expect(result.warnings).toEqual([
      'Nodes run different CNIs (Calico on 2 nodes, Flannel on 1 node); unusual outside a migration: each node is tapped according to its own CNI.',
    ]);
  });

  it('Calico from the operator (calico-system), without a warning', () => {
    const result = detectCni({
      nodes: [node('a'), node('b')],
      daemonSets: [
        ds('calico-system', 'calico-node', 'quay.io/calico/node:v3.28.0', { 'kubernetes.io/os': 'linux' }),
      ],
    });
    expect(result.nodes.every((n) => n.cni === 'calico')).toBe(true);
    expect(result.warning).toBeUndefined();
    expect(result.summary).toBe('Calico on 2 nodes');
  });

  it('k3s: Flannel built into k3s has no DaemonSet; its node annotations are enough', () => {
    const result = detectCni({ nodes: [node('k3s-1', flannelAnnotations)], daemonSets: [] });
    expect(result.nodes[0]).toMatchObject({ cni: 'flannel', product: 'Flannel', supported: true });
  });

  it('a renamed DaemonSet is still recognised by its image', () => {
    const result = detectCni({
      nodes: [node('a')],
      daemonSets: [ds('networking', 'rke2-canal-like', 'rancher/mirrored-flannelcni-flannel:v0.24.2')],
    });
    expect(result.nodes[0]).toMatchObject({
      cni: 'flannel',
      evidence: ['DaemonSet networking/rke2-canal-like targets this node'],
    });
  });

  it('Cilium: unsupported, with the eBPF warning, even when chained on another CNI', () => {
    const result = detectCni({
      nodes: [
        node('aks-1', {
          'io.cilium.network.ipv4-cilium-host': '10.0.1.23',
          'network.cilium.io/ipv4-pod-cidr': '10.0.1.0/24',
        }),
      ],
      daemonSets: [
        ds('kube-system', 'cilium', 'mcr.microsoft.com/oss/cilium/cilium:1.14.10'),
        ds('kube-system', 'azure-cns', 'mcr.microsoft.com/containernetworking/azure-cns:v1.5.23'),
      ],
    });
    expect(result.nodes[0]).toMatchObject({ cni: 'cilium', product: 'Cilium', supported: false });
    expect(result.nodes[0]?.evidence.at(-1)).toBe(
      'also seen: Azure CNI (DaemonSet kube-system/azure-cns targets this node)',
    );
    expect(result.supported).toBe(false);
    expect(result.warning).toBe(
      'Cilium is not supported yet: mirroring may miss traffic handled by eBPF (socket-level load balancing and eBPF host routing bypass the pod veths we mirror on); nodes: aks-1.',
    );
  });

  it('other CNIs are named and warned about: EKS aws-node, Weave Net', () => {
    const eks = detectCni({
      nodes: [node('ip-10-0-1-5')],
      daemonSets: [
        ds('kube-system', 'aws-node', '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.1'),
      ],
    });
    expect(eks.nodes[0]).toMatchObject({ cni: 'other', product: 'Amazon VPC CNI', supported: false });
    expect(eks.warning).toBe(
      'Amazon VPC CNI is not supported yet: ClusterTap finds pod interfaces only for Calico and Flannel, so captures on ip-10-0-1-5 may be empty or incomplete.',
    );
    const weave = detectCni({
      nodes: [node('w')],
      daemonSets: [ds('kube-system', 'weave-net', 'weaveworks/weave-kube:2.8.1')],
    });
    expect(weave.nodes[0]?.product).toBe('Weave Net');
  });

  it('Canal (Calico policy on Flannel networking) counts as Calico: the pods get cali* veths', () => {
    const result = detectCni({
      nodes: [node('c', flannelAnnotations)],
      daemonSets: [ds('kube-system', 'canal', 'docker.io/calico/node:v3.28.0')],
      pods: [dsPod('kube-system', 'canal', 'c')],
    });
    expect(result.nodes[0]).toMatchObject({
      cni: 'calico',
      product: 'Canal (Calico policy, Flannel network)',
      supported: true,
    });
  });

  it('devices reported by agents decide, and a lone cni0 is weak evidence', () => {
    const result = detectCni({
      nodes: [node('a'), node('b'), node('c'), node('d')],
      daemonSets: [],
      devices: {
        a: ['lo', 'eth0', 'vxlan.calico', 'cali1a2b3c4d5e6', 'cali0f9e8d7c6b5'],
        b: ['lo', 'eth0', 'flannel.1', 'cni0', 'veth1234abcd'],
        c: ['lo', 'eth0', 'cni0'],
        d: ['lo', 'eth0', 'cilium_host', 'cilium_net', 'lxc12ab34cd56ef'],
      },
    });
    expect(result.nodes.map((n) => n.cni)).toEqual(['calico', 'flannel', 'flannel', 'cilium']);
    expect(result.nodes[0]?.evidence).toEqual(['devices vxlan.calico, cali1a2b3c4d5e6, cali0f9e8d7c6b5']);
    expect(result.nodes[1]?.evidence).toEqual(['devices flannel.1, cni0']);
  });

  it('nothing to go on: unknown, not silence', () => {
    const result = detectCni({
      nodes: [node('mystery-1'), node('mystery-2')],
      daemonSets: [ds('kube-system', 'kube-proxy', 'kube-proxy')],
    });
    expect(result.nodes.map((n) => n.cni)).toEqual(['unknown', 'unknown']);
    expect(result.summary).toBe('unknown on 2 nodes');
    expect(result.warning).toBe(
      'Could not tell the CNI on mystery-1, mystery-2 (no known DaemonSet, node annotation or device); tapping there may capture nothing.',
    );
  });

  it('a user who may not read nodes or DaemonSets is told why the picture is incomplete', () => {
    const result = detectCni({
      nodes: [],
      daemonSets: [],
      problems: [
        'cannot list nodes: forbidden: nodes is forbidden: User "viewer" cannot list resource "nodes"',
      ],
    });
    expect(result.summary).toBe('no nodes visible');
    expect(result.warnings).toEqual([
      'Could not tell the CNI: no nodes are visible.',
      'CNI detection is incomplete: cannot list nodes: forbidden: nodes is forbidden: User "viewer" cannot list resource "nodes".',
    ]);
    expect(result.supported).toBe(false);
  });

  it('describeCni: lines for a terminal', () => {
    const lines = describeCni(
      detectCni({ nodes: [node('a', calicoAnnotations), node('b')], daemonSets: [] }),
    );
    expect(lines).toEqual([
      'CNI: Calico on 1 node, unknown on 1 node',
      '  a: Calico — node annotations projectcalico.org/IPv4Address, projectcalico.org/IPv4VXLANTunnelAddr',
      '  b: unknown (not supported)',
      'warning: Could not tell the CNI on b (no known DaemonSet, node annotation or device); tapping there may capture nothing.',
    ]);
  });

  it('500 nodes and 10k pods in a few milliseconds', () => {
    const nodes = Array.from({ length: 500 }, (_, i) => node(`n${i}`, calicoAnnotations));
    const pods = Array.from({ length: 10_000 }, (_, i) =>
      dsPod('ns', i % 20 ? 'app' : 'calico-node', `n${i % 500}`),
    );
    const started = performance.now();
    const result = detectCni({
      nodes,
      pods,
      daemonSets: [ds('kube-system', 'calico-node', 'calico/node:v3')],
    });
    expect(performance.now() - started).toBeLessThan(500);
    expect(result.summary).toBe('Calico on 500 nodes');
  });
});

describe('DaemonSet node targeting', () => {
  const labels = { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', pool: 'gpu', gen: '5' };
  it('nodeSelector and required node affinity (In, NotIn, Exists, DoesNotExist, Gt, Lt; terms ORed)', () => {
    const base = ds('kube-system', 'x', 'x', { 'kubernetes.io/os': 'linux' });
    expect(daemonSetTargets(base, labels)).toBe(true);
    expect(daemonSetTargets({ ...base, nodeSelector: { 'kubernetes.io/os': 'windows' } }, labels)).toBe(
      false,
    );
    const affinity = (expressions: DaemonSetRecord['affinityTerms'][number]['matchExpressions'][]) => ({
      ...base,
      affinityTerms: expressions.map((matchExpressions) => ({ matchExpressions })),
    });
    expect(
      daemonSetTargets(affinity([[{ key: 'pool', operator: 'In', values: ['gpu', 'cpu'] }]]), labels),
    ).toBe(true);
    expect(daemonSetTargets(affinity([[{ key: 'pool', operator: 'NotIn', values: ['gpu'] }]]), labels)).toBe(
      false,
    );
    expect(
      daemonSetTargets(
        affinity([[{ key: 'eks.amazonaws.com/compute-type', operator: 'DoesNotExist' }]]),
        labels,
      ),
    ).toBe(true);
    expect(
      daemonSetTargets(
        affinity([
          [{ key: 'gen', operator: 'Gt', values: ['6'] }],
          [
            { key: 'gen', operator: 'Lt', values: ['6'] },
            { key: 'pool', operator: 'Exists' },
          ],
        ]),
        labels,
      ),
    ).toBe(true);
  });
});
