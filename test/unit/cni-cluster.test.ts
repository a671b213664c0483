import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectClusterCni } from '../../main/kube/cni/cluster-cni.js';
import { listDaemonSets } from '../../main/kube/cni/daemonsets.js';
import { createInventory, type Inventory } from '../../main/kube/inventory/inventory.js';
import { FakeApiServer, node, pod } from './inventory-fake-apiserver.js';

let api: FakeApiServer;
let inventory: Inventory | undefined;

function daemonSet(namespace: string, name: string, image: string) {
  return {
    metadata: { name, namespace },
    spec: {
      template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name, image }] } },
    },
  };
}

beforeEach(async () => {
  api = new FakeApiServer();
  await api.listen();
  api.upsert('daemonsets', daemonSet('kube-system', 'calico-node', 'docker.io/calico/node:v3.29.1'));
  api.upsert('daemonsets', daemonSet('kube-system', 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.37.2'));
  api.upsert('daemonsets', daemonSet('monitoring', 'node-exporter', 'prom/node-exporter'));
});

afterEach(async () => {
  inventory?.stop();
  await api.close();
});

describe('CNI detection against an API server', () => {
  it('lists DaemonSets cluster-wide when allowed', async () => {
    const listing = await listDaemonSets(api.kubeConfig());
    expect(listing.daemonSets.map((d) => `${d.namespace}/${d.name}`).sort()).toEqual([
      'kube-system/calico-node',
      'kube-system/kube-proxy',
      'monitoring/node-exporter',
    ]);
    expect(listing.daemonSets.find((d) => d.name === 'calico-node')).toEqual({
      namespace: 'kube-system',
      name: 'calico-node',
      images: ['docker.io/calico/node:v3.29.1'],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      affinityTerms: [],
    });
    expect(listing.problems).toEqual([]);
  });

  it('falls back to the namespaces CNIs live in when the cluster-wide list is forbidden', async () => {
    api.forbid('/apis/apps/v1/daemonsets');
    const listing = await listDaemonSets(api.kubeConfig());
    expect(listing.daemonSets.map((d) => d.name).sort()).toEqual(['calico-node', 'kube-proxy']);
    expect(
      api.requests.some((r) => r.startsWith('GET /apis/apps/v1/namespaces/calico-system/daemonsets')),
    ).toBe(true);
  });

  it('inventory + DaemonSets → per-node CNI, DaemonSet pods as evidence', async () => {
    api.upsert('nodes', node('node-a'));
    const calicoPod = pod('kube-system', 'calico-node-x1', { node: 'node-a' });
    calicoPod.metadata.ownerReferences = [{ kind: 'DaemonSet', name: 'calico-node', controller: true }];
    api.upsert('pods', calicoPod);
    inventory = createInventory({ kubeConfig: api.kubeConfig() });
    inventory.start();
    const result = await detectClusterCni({ kubeConfig: api.kubeConfig(), inventory });
    expect(result.nodes).toEqual([
      {
        node: 'node-a',
        cni: 'calico',
        product: 'Calico',
        evidence: ['DaemonSet kube-system/calico-node runs pod calico-node-x1 here'],
        supported: true,
      },
    ]);
    expect(result.warning).toBeUndefined();
  });

  it('a viewer without node or DaemonSet rights gets a warning that says so', async () => {
    for (const path of ['/api/v1/nodes', '/api/v1/pods', '/api/v1/namespaces', '/apis/apps/v1/daemonsets'])
      api.forbid(path);
    for (const ns of [
      'kube-system',
      'calico-system',
      'kube-flannel',
      'cilium',
      'ovn-kubernetes',
      'openshift-ovn-kubernetes',
    ])
      api.forbid(`/apis/apps/v1/namespaces/${ns}/daemonsets`);
    inventory = createInventory({
      kubeConfig: api.kubeConfig(),
      namespaces: ['shop'],
      watch: { deniedRetryMs: 60_000 },
    });
    inventory.start();
    const result = await detectClusterCni({ kubeConfig: api.kubeConfig(), inventory });
    expect(result.supported).toBe(false);
    expect(result.warnings).toEqual([
      'Could not tell the CNI: no nodes are visible.',
      'CNI detection is incomplete: cannot list DaemonSets: forbidden: daemonsets is forbidden: User "tester" cannot list resource "daemonsets" in API group "" at the cluster scope.',
      'CNI detection is incomplete: cannot list nodes: forbidden: nodes is forbidden: User "tester" cannot list resource "nodes" in API group "" at the cluster scope.',
    ]);
  });
});
