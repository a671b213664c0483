import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createInventory,
  type Inventory,
  type InventoryChange,
} from '../../main/kube/inventory/inventory.js';
import { eventually, FakeApiServer, namespace, node, pod } from './inventory-fake-apiserver.js';

let api: FakeApiServer;
let inventory: Inventory | undefined;

beforeEach(async () => {
  api = new FakeApiServer();
  await api.listen();
  api.upsert('namespaces', namespace('shop'));
  api.upsert('namespaces', namespace('kube-system'));
  api.upsert('nodes', node('node-a', { 'projectcalico.org/IPv4Address': '10.0.0.1/24' }));
  api.upsert('pods', pod('shop', 'web-0', { ip: '10.244.0.5' }));
  api.upsert('pods', pod('kube-system', 'dns-0', { ip: '10.244.0.2' }));
});

afterEach(async () => {
  inventory?.stop();
  await api.close();
});

const watch = { backoff: { initialMs: 20, maxMs: 100 }, deniedRetryMs: 50 };

describe('inventory', () => {
  it('snapshot: namespaces, nodes and pods with what the UI shows', async () => {
    inventory = createInventory({ kubeConfig: api.kubeConfig(), watch });
    inventory.start();
    const status = await inventory.whenSettled();
    expect(Object.values(status).map((s) => s.synced)).toEqual([true, true, true]);
    const snap = inventory.snapshot();
    expect(snap.namespaces.map((n) => n.name).sort()).toEqual(['kube-system', 'shop']);
    expect(snap.nodes).toEqual([
      {
        name: 'node-a',
        internalIP: '10.0.0.1',
        podCIDRs: ['10.244.0.0/24'],
        labels: { 'kubernetes.io/hostname': 'node-a' },
        annotations: { 'projectcalico.org/IPv4Address': '10.0.0.1/24' },
        ready: true,
      },
    ]);
    expect(
      snap.pods.map((p) => `${p.namespace}/${p.name} ${p.podIPs.join()} ${p.nodeName} ${p.phase}`).sort(),
    ).toEqual(['kube-system/dns-0 10.244.0.2 node-a Running', 'shop/web-0 10.244.0.5 node-a Running']);
  });

  it('subscribe: changes arrive batched, across resources, until unsubscribed', async () => {
    inventory = createInventory({ kubeConfig: api.kubeConfig(), watch, batchMs: 50 });
    const batches: InventoryChange[][] = [];
    const unsubscribe = inventory.subscribe((changes) => batches.push(changes));
    inventory.start();
    await eventually(() => batches.flat().length === 5, 'the initial adds');
    batches.length = 0;
    for (let i = 1; i <= 20; i++) api.upsert('pods', pod('shop', `web-${i}`));
    api.upsert('nodes', node('node-b'));
    api.remove('namespaces', 'kube-system');
    await eventually(() => batches.flat().length === 22, '22 changes');
    expect(batches.length).toBeLessThanOrEqual(2);
    expect(batches.flat().find((c) => c.resource === 'nodes')).toMatchObject({
      type: 'added',
      key: 'node-b',
    });
    expect(batches.flat().find((c) => c.resource === 'namespaces')).toMatchObject({
      type: 'deleted',
      record: { name: 'kube-system', phase: 'Active' },
    });

    unsubscribe();
    batches.length = 0;
    api.upsert('pods', pod('shop', 'late'));
    await eventually(() => inventory?.snapshot().pods.some((p) => p.name === 'late') ?? false, 'late pod');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(batches).toEqual([]);
  });

  it('namespaced mode for a user without cluster-wide rights: pods per namespace, nodes forbidden in status', async () => {
    api.forbid('/api/v1/nodes');
    api.forbid('/api/v1/pods');
    api.forbid('/api/v1/namespaces');
    api.upsert('namespaces', namespace('cart'));
    api.upsert('pods', pod('cart', 'cart-0', { ip: '10.244.0.9' }));
    inventory = createInventory({ kubeConfig: api.kubeConfig(), watch, namespaces: ['shop', 'cart'] });
    const statuses: string[] = [];
    inventory.subscribeStatus((s) => statuses.push(s.nodes.state));
    inventory.start();
    const status = await inventory.whenSettled();
    expect(status.pods).toMatchObject({ synced: true, items: 2, lastError: undefined });
    expect(status.namespaces).toMatchObject({ state: 'fixed', synced: true, items: 2 });
    expect(status.nodes).toMatchObject({ synced: false, state: 'reconnecting' });
    expect(status.nodes.lastError?.kind).toBe('forbidden');
    expect(status.nodes.lastError?.message).toMatch(
      /^cannot list nodes: forbidden: nodes is forbidden: User "tester"/,
    );
    expect(statuses).toContain('reconnecting');

    const snap = inventory.snapshot();
    expect(snap.pods.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(['cart/cart-0', 'shop/web-0']);
    expect(snap.namespaces.map((n) => n.name)).toEqual(['shop', 'cart']);
    expect(snap.nodes).toEqual([]);
    expect(api.requests.some((r) => r.startsWith('GET /api/v1/pods'))).toBe(false);

    api.upsert('pods', pod('cart', 'cart-1'));
    await eventually(() => inventory?.snapshot().pods.length === 3, 'pod in cart');
  });

  it('a pod field selector (the agent: pods of its own node)', async () => {
    api.upsert('pods', pod('shop', 'elsewhere', { node: 'node-b' }));
    inventory = createInventory({
      kubeConfig: api.kubeConfig(),
      watch,
      podFieldSelector: 'spec.nodeName=node-b',
    });
    inventory.start();
    await inventory.whenSettled();
    expect(inventory.snapshot().pods.map((p) => p.name)).toEqual(['elsewhere']);
  });

  it('bad credentials: every resource says unauthorized, nothing crashes', async () => {
    inventory = createInventory({ kubeConfig: api.kubeConfig('wrong'), watch });
    inventory.start();
    const status = await inventory.whenSettled();
    for (const s of Object.values(status)) expect(s.lastError?.kind).toBe('unauthorized');
  });
});
