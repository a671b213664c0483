import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Interner, type PodRecord, toPodRecord } from '../../main/kube/inventory/records.js';
import {
  type WatchChange,
  type WatchList,
  type WatchListOptions,
  watchList,
} from '../../main/kube/inventory/watch-list.js';
import { eventually, FakeApiServer, pod } from './inventory-fake-apiserver.js';

let api: FakeApiServer;
let watcher: WatchList<PodRecord> | undefined;
let changes: WatchChange<PodRecord>[];

beforeEach(async () => {
  api = new FakeApiServer();
  await api.listen();
  changes = [];
});

afterEach(async () => {
  watcher?.stop();
  await api.close();
});

const fast: WatchListOptions = { backoff: { initialMs: 20, maxMs: 100 }, deniedRetryMs: 50 };

function watchPods(options: WatchListOptions = {}, path = '/api/v1/pods'): WatchList<PodRecord> {
  const strings = new Interner();
  watcher = watchList(api.kubeConfig(), path, { ...fast, ...options }, (raw) => toPodRecord(raw, strings));
  watcher.onChange((batch) => changes.push(...batch));
  watcher.start();
  return watcher;
}

const names = (w: WatchList<PodRecord>) => [...w.items().keys()].sort();
const lists = () => api.requests.filter((r) => !r.includes('watch=')).length;
const watches = () => api.requests.filter((r) => r.includes('watch=')).length;

describe('watchList: LIST then WATCH', () => {
  it('lists page by page, then follows adds, changes and deletes from the list version', async () => {
    for (let i = 0; i < 5; i++) api.upsert('pods', pod('shop', `web-${i}`, { ip: `10.0.0.${i}` }));
    const w = watchPods({ pageSize: 2 });
    await eventually(() => w.status().state === 'watching', 'watching');
    expect(w.status()).toMatchObject({ synced: true, items: 5, relists: 0, reconnects: 0 });
    expect(lists()).toBe(3); // 2 + 2 + 1
    expect(api.requests.at(-1)).toMatch(
      /watch=1&resourceVersion=105&allowWatchBookmarks=true&timeoutSeconds=/,
    );
    expect(changes.map((c) => c.type)).toEqual(['added', 'added', 'added', 'added', 'added']);

    changes = [];
    api.upsert('pods', pod('shop', 'web-5', { ip: '10.0.0.5' }));
    api.upsert('pods', pod('shop', 'web-0', { ip: '10.0.0.9' }));
    api.remove('pods', 'web-1', 'shop');
    await eventually(() => changes.length === 3, 'three changes');
    expect(changes.map((c) => [c.type, c.key, c.record.podIPs[0]])).toEqual([
      ['added', 'shop/web-5', '10.0.0.5'],
      ['modified', 'shop/web-0', '10.0.0.9'],
      ['deleted', 'shop/web-1', '10.0.0.1'],
    ]);
    expect(names(w)).toEqual(['shop/web-0', 'shop/web-2', 'shop/web-3', 'shop/web-4', 'shop/web-5']);
  });

  it('stays quiet when an update touches only fields we do not keep', async () => {
    api.upsert('pods', pod('shop', 'web-0'));
    const w = watchPods();
    await eventually(() => w.status().state === 'watching', 'watching');
    changes = [];
    const noisy = pod('shop', 'web-0');
    noisy.metadata.managedFields = [{ manager: 'kubelet' }];
    api.upsert('pods', noisy);
    api.upsert('pods', pod('shop', 'web-1'));
    await eventually(() => changes.length === 1, 'the next real change');
    expect(changes[0]).toMatchObject({ type: 'added', key: 'shop/web-1' });
  });

  it('passes field and label selectors (the agent watches its own node)', async () => {
    api.upsert('pods', pod('shop', 'a', { node: 'node-a' }));
    api.upsert('pods', pod('shop', 'b', { node: 'node-b' }));
    const w = watchPods({ fieldSelector: 'spec.nodeName=node-b', labelSelector: 'app=b' });
    await eventually(() => w.status().state === 'watching', 'watching');
    expect(names(w)).toEqual(['shop/b']);
    expect(api.requests[0]).toContain('fieldSelector=spec.nodeName%3Dnode-b&labelSelector=app%3Db');
    api.upsert('pods', pod('shop', 'c', { node: 'node-a' }));
    api.upsert('pods', pod('shop', 'd', { node: 'node-b' }));
    await eventually(() => w.items().has('shop/d'), 'pod d');
    expect(w.items().has('shop/c')).toBe(false);
  });

  it('follows bookmarks, so a reconnect resumes from the newest version', async () => {
    const w = watchPods();
    await eventually(() => w.status().state === 'watching', 'watching');
    api.upsert('namespaces', { metadata: { name: 'other' } }); // moves the version, not ours
    api.bookmark();
    await eventually(() => w.status().resourceVersion === '101', 'bookmark version');
  });
});

describe('watchList: surviving the cluster', () => {
  it('network blip: reconnects from the last version and replays what happened meanwhile, no relist', async () => {
    api.upsert('pods', pod('shop', 'web-0'));
    const w = watchPods();
    await eventually(() => w.status().state === 'watching', 'watching');
    const statesSeen: string[] = [];
    w.onStatus((s) => statesSeen.push(s.state));
    api.dropConnections();
    api.upsert('pods', pod('shop', 'web-1'));
    await eventually(() => w.items().has('shop/web-1'), 'the pod added during the blip');
    expect(w.status()).toMatchObject({ state: 'watching', relists: 0, lastError: undefined });
    expect(w.status().reconnects).toBeGreaterThanOrEqual(1);
    expect(statesSeen).toContain('reconnecting');
    expect(lists()).toBe(1);
  });

  it('API-server restart: retries with backoff while refused, then catches up on changes made during the outage', async () => {
    api.upsert('pods', pod('shop', 'web-0'));
    api.upsert('pods', pod('shop', 'web-1'));
    const w = watchPods();
    await eventually(() => w.status().state === 'watching', 'watching');
    let sawRefused = '';
    w.onStatus((s) => {
      if (s.lastError) sawRefused ||= s.lastError.message;
    });
    await api.restart(300, () => {
      api.upsert('pods', pod('shop', 'web-2'));
      api.remove('pods', 'web-0', 'shop');
    });
    await eventually(() => w.items().has('shop/web-2') && !w.items().has('shop/web-0'), 'outage changes');
    expect(sawRefused).toMatch(/unreachable|ECONNREFUSED|connection lost/);
    expect(w.status()).toMatchObject({ state: 'watching', synced: true, relists: 0 });
    expect(w.status().reconnects).toBeGreaterThanOrEqual(2); // the lost watch, then refused attempt(s)
  });

  it('410 Gone in the stream (version compacted away): relists and emits the difference', async () => {
    for (const name of ['web-0', 'web-1', 'web-2']) api.upsert('pods', pod('shop', name, { ip: '10.0.0.1' }));
    const w = watchPods();
    await eventually(() => w.status().state === 'watching', 'watching');
    api.dropConnections();
    // While we are away: changes, then compaction forgets them.
    api.remove('pods', 'web-0', 'shop');
    api.upsert('pods', pod('shop', 'web-1', { ip: '10.0.0.99' }));
    api.upsert('pods', pod('shop', 'web-3'));
    api.compact();
    changes = [];
    await eventually(() => w.status().relists === 1 && w.status().state === 'watching', 'relist');
    expect(changes.map((c) => `${c.type} ${c.key}`).sort()).toEqual([
      'added shop/web-3',
      'deleted shop/web-0',
      'modified shop/web-1',
    ]);
    expect(names(w)).toEqual(['shop/web-1', 'shop/web-2', 'shop/web-3']);
  });

  it('410 Gone as the HTTP status of the watch: relists too', async () => {
    api.goneAsHttpStatus = true;
    api.upsert('pods', pod('shop', 'web-0'));
    const w = watchPods();
    await eventually(() => w.status().state === 'watching', 'watching');
    api.dropConnections();
    api.upsert('pods', pod('shop', 'web-1'));
    api.compact();
    await eventually(() => w.status().relists === 1 && w.items().has('shop/web-1'), 'relist');
  });

  it('an expired continue token (compaction between LIST pages): the list starts over', async () => {
    for (let i = 0; i < 4; i++) api.upsert('pods', pod('shop', `web-${i}`));
    let compacted = false;
    api.beforeRequest = (url) => {
      if (url.includes('continue=') && !compacted) {
        compacted = true;
        api.upsert('namespaces', { metadata: { name: 'elsewhere' } });
        api.compact();
      }
    };
    const w = watchPods({ pageSize: 2 });
    await eventually(() => w.status().state === 'watching', 'watching');
    expect(names(w)).toEqual(['shop/web-0', 'shop/web-1', 'shop/web-2', 'shop/web-3']);
    expect(lists()).toBe(4); // page 1, expired page 2, then pages 1 and 2 again
    expect(w.status()).toMatchObject({ relists: 0, reconnects: 0 });
  });

  it('403: the KubeError sentence in status, retried, and recovering once allowed', async () => {
    api.forbid('/api/v1/pods');
    api.upsert('pods', pod('shop', 'web-0'));
    const w = watchPods();
    await eventually(() => w.status().lastError !== undefined, 'an error');
    expect(w.status()).toMatchObject({ state: 'reconnecting', synced: false });
    expect(w.status().lastError).toMatchObject({ kind: 'forbidden', status: 403 });
    expect(w.status().lastError?.message).toBe(
      'cannot list pods: forbidden: pods is forbidden: User "tester" cannot list resource "pods" in API group "" at the cluster scope',
    );
    api.allow('/api/v1/pods');
    await eventually(() => w.status().synced, 'synced after permission granted');
    expect(w.status().lastError).toBeUndefined();
  });

  it('a silent watch (dead path, no bytes) is abandoned after the idle timeout and re-established', async () => {
    const w = watchPods({ idleTimeoutMs: 150 });
    await eventually(() => w.status().state === 'watching', 'watching');
    await eventually(() => watches() >= 2, 'a second watch after silence', 3000);
    expect(w.status().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('a watch the server ends at timeoutSeconds is reopened at once, without counting as a failure', async () => {
    const w = watchPods({ watchTimeoutSeconds: 1 });
    await eventually(() => watches() >= 2, 'the watch reopened', 3000);
    expect(w.status()).toMatchObject({ reconnects: 0, relists: 0, state: 'watching' });
  });

  it('stop() closes the watch and makes no further requests', async () => {
    const w = watchPods();
    await eventually(() => w.status().state === 'watching', 'watching');
    w.stop();
    const count = api.requests.length;
    api.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(api.requests.length).toBe(count);
    expect(w.status().state).toBe('stopped');
  });
});
