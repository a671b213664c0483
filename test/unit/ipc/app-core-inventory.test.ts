import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InventoryUpdate } from '../../../main/ipc/contract/inventory.js';
import { eventually, FakeApiServer, namespace, node, pod } from '../inventory-fake-apiserver.js';
import { kubeconfigYaml, startCore, tempDir, writeKubeconfig } from './fixtures.js';

let dir: string;
let api: FakeApiServer;
let cleanup: Array<() => void> = [];
let proxy: http.Server;

/**
 * kubectl (and our kubeconfig layer) sends a token only over TLS; the fake API server is plain
 * HTTP and wants one. This reverse proxy adds it, streaming watches through.
 */
async function tokenProxy(target: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: target,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, authorization: 'Bearer secret' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders(); // a watch answers its headers at once, events later
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeEach(async () => {
  dir = tempDir();
  api = new FakeApiServer();
  await api.listen();
  proxy = await tokenProxy(api.port);
  api.upsert('namespaces', namespace('shop'));
  api.upsert('nodes', node('node-a', { 'projectcalico.org/IPv4Address': '10.0.0.1/24' }));
  api.upsert('pods', pod('shop', 'web-0', { ip: '10.244.0.5' }));
});
afterEach(async () => {
  for (const fn of cleanup) fn();
  cleanup = [];
  await api.close();
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

const watch = { backoff: { initialMs: 20, maxMs: 100 }, deniedRetryMs: 50 };

function core(options: { lingerMs?: number } = {}) {
  const port = (proxy.address() as net.AddressInfo).port;
  const file = writeKubeconfig(dir, kubeconfigYaml({ server: `http://127.0.0.1:${port}` }));
  const started = startCore({
    source: { kubeconfig: file },
    inventory: { watch, lingerMs: options.lingerMs ?? 50 },
  });
  cleanup.push(started.close);
  return started;
}

/** Applies updates the way a UI store would. */
class View {
  pods = new Map<string, InventoryUpdate['pods']['upserted'][number]>();
  updates: InventoryUpdate[] = [];
  apply(update: InventoryUpdate) {
    this.updates.push(update);
    if (update.reset) this.pods.clear();
    for (const p of update.pods.upserted) this.pods.set(p.key, p);
    for (const key of update.pods.deleted) this.pods.delete(key);
  }
  get last() {
    return this.updates.at(-1) as InventoryUpdate;
  }
}

describe('inventory.subscribe', () => {
  it('answers a snapshot, then sends changes; records carry what the pod picker shows', async () => {
    const { api: client, record, events } = core();
    record('inventory.changed');
    const view = new View();
    const first = await client.request('inventory.subscribe', {});
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    view.apply(first.value);
    expect(first.value).toMatchObject({ context: 'dev', seq: 1, reset: true });
    const feed = () => {
      for (const e of events.splice(0)) view.apply(e.payload as InventoryUpdate);
    };
    await eventually(() => {
      feed();
      return (
        view.pods.has('shop/web-0') && Object.values(view.last.status).every((r) => r.state === 'watching')
      );
    }, 'the first pods');
    expect(view.pods.get('shop/web-0')).toEqual({
      key: 'shop/web-0',
      uid: 'uid-shop-web-0',
      namespace: 'shop',
      name: 'web-0',
      node: 'node-a',
      ips: ['10.244.0.5'],
      phase: 'Running',
      ready: true,
      labels: { app: 'web' },
      ownerKind: '',
      ownerName: '',
      hostNetwork: false,
    });
    expect(view.last.status).toEqual({
      namespaces: { state: 'watching', synced: true, items: 1, error: null },
      nodes: { state: 'watching', synced: true, items: 1, error: null },
      pods: { state: 'watching', synced: true, items: 1, error: null },
    });

    api.upsert('pods', pod('shop', 'web-1', { ip: '10.244.0.6' }));
    api.remove('pods', 'web-0', 'shop');
    await eventually(() => {
      feed();
      return view.pods.has('shop/web-1') && !view.pods.has('shop/web-0');
    }, 'the add and the delete');
    const seqs = view.updates.map((u) => u.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // no gaps
  });

  it('sends at most one update per 100 ms, coalescing a burst', async () => {
    const { api: client, record, events } = core();
    record('inventory.changed');
    await client.request('inventory.subscribe', {});
    await eventually(() => events.some((e) => (e.payload as InventoryUpdate).status.pods.synced), 'synced');
    const before = events.length;
    for (let i = 0; i < 200; i++) api.upsert('pods', pod('shop', `burst-${i}`, { ip: `10.244.1.${i}` }));
    await eventually(() => {
      const pods = events.slice(before).flatMap((e) => (e.payload as InventoryUpdate).pods.upserted);
      return pods.filter((p) => p.name.startsWith('burst-')).length === 200;
    }, 'the burst');
    const burst = events.slice(before);
    expect(burst.length).toBeLessThanOrEqual(3);
    const at = events.map((e) => e.at);
    for (let i = 1; i < at.length; i++) expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(95);
  });

  it('names a forbidden resource in its status instead of failing', async () => {
    api.forbid('/api/v1/nodes');
    const { api: client, record, events } = core();
    record('inventory.changed');
    await client.request('inventory.subscribe', {});
    await eventually(
      () => events.some((e) => (e.payload as InventoryUpdate).status.nodes.error !== null),
      'the nodes error',
    );
    const status = (events.at(-1)?.payload as InventoryUpdate | undefined)?.status;
    expect(status?.nodes.error).toMatchObject({
      kind: 'forbidden',
      message: expect.stringContaining('nodes is forbidden'),
    });
    expect(status?.pods.error).toBeNull();
  });

  it('resets every window to the new context after contexts.use, and stops after the last window leaves', async () => {
    const { api: client, record, events, core: app, connection } = core({ lingerMs: 20 });
    record('inventory.changed');
    await client.request('inventory.subscribe', {});
    await eventually(() => events.length > 0, 'a first update');
    const used = await client.request('contexts.use', { context: 'prod' });
    expect(used.ok).toBe(true);
    await eventually(
      () => events.some((e) => (e.payload as InventoryUpdate).context === 'prod'),
      'a reset for prod',
    );
    const reset = events.find((e) => (e.payload as InventoryUpdate).context === 'prod')
      ?.payload as InventoryUpdate;
    expect(reset).toMatchObject({ reset: true, pods: { upserted: [], deleted: [] } });
    expect(app.inventory.subscriberCount).toBe(1);
    connection.close(); // the window went away
    expect(app.inventory.subscriberCount).toBe(0);
    await eventually(() => app.inventory.running() === undefined, 'the watches to stop');
  });

  it('inventory.unsubscribe stops the updates for that window', async () => {
    const { api: client, record, events } = core();
    record('inventory.changed');
    await client.request('inventory.subscribe', {});
    await eventually(() => events.length > 0, 'a first update');
    expect(await client.request('inventory.unsubscribe', {})).toEqual({ ok: true, value: {} });
    const count = events.length;
    api.upsert('pods', pod('shop', 'late', { ip: '10.244.0.9' }));
    await new Promise((r) => setTimeout(r, 250));
    expect(events.length).toBe(count);
  });
});

describe('cni.detect', () => {
  it('names the CNI per node of the current context', async () => {
    const { api: client } = core();
    const result = await client.request('cni.detect', {});
    expect(result).toMatchObject({
      ok: true,
      value: {
        context: 'dev',
        summary: 'Calico on 1 node',
        nodes: [{ node: 'node-a', cni: 'calico', product: 'Calico', supported: true }],
      },
    });
  });
});
