import type { KubeConfigLike } from './api-request.js';
import {
  Interner,
  type NamespaceRecord,
  type NodeRecord,
  type PodRecord,
  toNamespaceRecord,
  toNodeRecord,
  toPodRecord,
} from './records.js';
import {
  type WatchChange,
  type WatchList,
  type WatchListOptions,
  type WatchStatus,
  watchList,
} from './watch-list.js';

/**
 * What the cluster holds that a user taps: namespaces, nodes and pods, kept current by watches.
 * Each resource is watched on its own, so a user who may not list nodes still gets pods, and
 * status() says which part is missing and why.
 */

export type InventoryResource = 'namespaces' | 'nodes' | 'pods';

export type InventoryChange =
  | ({ resource: 'namespaces' } & WatchChange<NamespaceRecord>)
  | ({ resource: 'nodes' } & WatchChange<NodeRecord>)
  | ({ resource: 'pods' } & WatchChange<PodRecord>);

export interface InventorySnapshot {
  namespaces: NamespaceRecord[];
  nodes: NodeRecord[];
  pods: PodRecord[];
}

export interface ResourceStatus extends Omit<WatchStatus, 'state'> {
  /** `fixed`: not watched, the namespaces given in namespaced mode. */
  state: WatchStatus['state'] | 'fixed';
}

export type InventoryStatus = Record<InventoryResource, ResourceStatus>;

export interface InventoryOptions {
  kubeConfig: KubeConfigLike;
  /**
   * Namespaced mode: watch pods only in these namespaces (one watch each), for users whose RBAC
   * allows no cluster-wide pod list. Namespaces are then not read from the cluster (a Role cannot
   * grant that) but listed as given. Default: everything, cluster-wide.
   */
  namespaces?: string[];
  podFieldSelector?: string;
  podLabelSelector?: string;
  /** subscribe() listeners get the changes of this window in one call; default 100 ms. */
  batchMs?: number;
  /** Page size, timeouts, backoff of every watch. */
  watch?: Omit<WatchListOptions, 'fieldSelector' | 'labelSelector' | 'what'>;
}

export interface Inventory {
  start(): void;
  stop(): void;
  snapshot(): InventorySnapshot;
  /** Batched changes; returns the unsubscribe function. */
  subscribe(listener: (changes: InventoryChange[]) => void): () => void;
  status(): InventoryStatus;
  /** Status changes (e.g. to show "reconnecting…"), as they happen; returns the unsubscribe function. */
  subscribeStatus(listener: (status: InventoryStatus) => void): () => void;
  /** After start(): resolves once every resource has synced or failed at least once (or stop()). */
  whenSettled(): Promise<InventoryStatus>;
}

export function createInventory(options: InventoryOptions): Inventory {
  const { kubeConfig } = options;
  const strings = new Interner();
  const common = options.watch ?? {};
  const scoped = options.namespaces?.length ? [...new Set(options.namespaces)] : undefined;

  const namespaceWatch = scoped
    ? undefined
    : watchList(kubeConfig, '/api/v1/namespaces', { ...common, what: 'namespaces' }, (raw) =>
        toNamespaceRecord(raw, strings),
      );
  const nodeWatch = watchList(kubeConfig, '/api/v1/nodes', { ...common, what: 'nodes' }, (raw) =>
    toNodeRecord(raw, strings),
  );
  const podSelectors = { fieldSelector: options.podFieldSelector, labelSelector: options.podLabelSelector };
  const podWatches = (scoped ?? [undefined]).map((namespace) =>
    watchList(
      kubeConfig,
      namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods` : '/api/v1/pods',
      { ...common, ...podSelectors, what: namespace ? `pods in ${namespace}` : 'pods' },
      (raw) => toPodRecord(raw, strings),
    ),
  );
  const fixedNamespaces: NamespaceRecord[] = (scoped ?? []).map((name) => ({ name, phase: '', labels: {} }));
  const all: WatchList<unknown>[] = [...(namespaceWatch ? [namespaceWatch] : []), nodeWatch, ...podWatches];

  const batch = batcher(options.batchMs ?? 100);
  const statusListeners = new Set<(status: InventoryStatus) => void>();
  namespaceWatch?.onChange((changes) => batch.add(changes.map((c) => ({ resource: 'namespaces', ...c }))));
  nodeWatch.onChange((changes) => batch.add(changes.map((c) => ({ resource: 'nodes', ...c }))));
  for (const watch of podWatches)
    watch.onChange((changes) => batch.add(changes.map((c) => ({ resource: 'pods', ...c }))));

  const status = (): InventoryStatus => ({
    namespaces: namespaceWatch?.status() ?? fixedStatus(fixedNamespaces.length),
    nodes: nodeWatch.status(),
    pods: combine(podWatches.map((watch) => watch.status())),
  });
  for (const watch of all)
    watch.onStatus(() => {
      const now = status();
      for (const listener of statusListeners) listener(now);
    });

  return {
    start: () => {
      for (const watch of all) watch.start();
    },
    stop: () => {
      for (const watch of all) watch.stop();
      batch.flush();
    },
    snapshot: () => ({
      namespaces: namespaceWatch ? [...namespaceWatch.items().values()] : [...fixedNamespaces],
      nodes: [...nodeWatch.items().values()],
      pods: podWatches.flatMap((watch) => [...watch.items().values()]),
    }),
    subscribe: (listener) => batch.subscribe(listener),
    status,
    subscribeStatus: (listener) => {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    whenSettled: () =>
      new Promise((resolve) => {
        const settled = (s: InventoryStatus) =>
          Object.values(s).every((r) => r.synced || r.lastError !== undefined || r.state === 'stopped');
        if (settled(status())) return resolve(status());
        const listener = (s: InventoryStatus) => {
          if (!settled(s)) return;
          statusListeners.delete(listener);
          resolve(s);
        };
        statusListeners.add(listener);
      }),
  };
}

function fixedStatus(items: number): ResourceStatus {
  return {
    state: 'fixed',
    synced: true,
    lastError: undefined,
    relists: 0,
    reconnects: 0,
    items,
    resourceVersion: '',
  };
}

const stateRank: Record<WatchStatus['state'], number> = {
  watching: 0,
  stopped: 1,
  listing: 2,
  starting: 3,
  reconnecting: 4,
};

/** Pods of several namespaces as one resource: synced when all are, the worst state, the first error. */
function combine(statuses: WatchStatus[]): ResourceStatus {
  const [first, ...rest] = statuses as [WatchStatus, ...WatchStatus[]];
  return rest.reduce<ResourceStatus>(
    (sum, s) => ({
      state: stateRank[s.state] > stateRank[sum.state as WatchStatus['state']] ? s.state : sum.state,
      synced: sum.synced && s.synced,
      lastError: sum.lastError ?? s.lastError,
      relists: sum.relists + s.relists,
      reconnects: sum.reconnects + s.reconnects,
      items: sum.items + s.items,
      resourceVersion: '',
    }),
    first,
  );
}

/** Collects changes for `ms` and hands them to every listener in one array. */
function batcher(ms: number) {
  const listeners = new Set<(changes: InventoryChange[]) => void>();
  let pending: InventoryChange[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const changes = pending;
    pending = [];
    for (const listener of listeners) {
      try {
        listener(changes);
      } catch (error) {
        // One broken subscriber must not starve the others; surface it like an unhandled error.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  };
  return {
    add(changes: InventoryChange[]) {
      if (changes.length === 0 || listeners.size === 0) return;
      for (const change of changes) pending.push(change);
      timer ??= setTimeout(flush, ms);
    },
    flush,
    subscribe(listener: (changes: InventoryChange[]) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
