import type {
  InventoryUpdate,
  NamespaceDto,
  NodeDto,
  PodDto,
  ResourceStatusDto,
} from '../ipc/contract/inventory.js';
import type { ApiError } from '../ipc/result.js';
import type { Caller } from '../ipc/router.js';
import type { KubeConfigLike } from '../kube/inventory/api-request.js';
import type {
  Inventory,
  InventoryChange,
  InventoryOptions,
  InventoryStatus,
  ResourceStatus,
} from '../kube/inventory/inventory.js';
import type { NamespaceRecord, NodeRecord, PodRecord } from '../kube/inventory/records.js';

/**
 * One inventory (namespaces, nodes, pods with watches) for the app's current context, shared by
 * every window that subscribed. Each window gets a full snapshot when it subscribes and after a
 * context switch, then coalesced changes at most once per `throttleMs`. The watches stop
 * `lingerMs` after the last window leaves (a page reload does not relist a big cluster).
 */

export interface InventoryFeedDeps {
  createInventory: (options: InventoryOptions) => Inventory;
  /** Minimum time between two updates to a window; default 100 ms. */
  throttleMs?: number;
  /** How long the watches outlive their last subscriber; default 30 s. */
  lingerMs?: number;
  watch?: InventoryOptions['watch'];
}

/** The context to watch, or why there is none. */
export type FeedTarget =
  | { context: string; kubeConfig: KubeConfigLike }
  | { context: string; error: ApiError };

type Resource = 'namespaces' | 'nodes' | 'pods';
type Dto = NamespaceDto | NodeDto | PodDto;

interface Subscriber {
  caller: Caller;
  seq: number;
  stopOnClose: () => void;
}

export class InventoryFeed {
  private inventory: Inventory | undefined;
  private stopListening: (() => void) | undefined;
  private target: FeedTarget | undefined;
  /** undefined: cluster-wide. */
  private namespaces: string[] | undefined;
  private readonly subscribers = new Map<string, Subscriber>();
  private pending = {
    namespaces: new Map<string, Dto | null>(),
    nodes: new Map<string, Dto | null>(),
    pods: new Map<string, Dto | null>(),
  };
  private pendingStatus = false;
  private timer: NodeJS.Timeout | undefined;
  private linger: NodeJS.Timeout | undefined;
  private readonly throttleMs: number;
  private readonly lingerMs: number;

  constructor(
    private readonly deps: InventoryFeedDeps,
    /** The current context's connection, asked for when the watches (re)start. */
    private readonly resolveTarget: () => FeedTarget,
  ) {
    this.throttleMs = Math.max(deps.throttleMs ?? 100, 100);
    this.lingerMs = deps.lingerMs ?? 30_000;
  }

  /** Adds a window; the answer is its full snapshot (reset: true). */
  subscribe(caller: Caller, namespaces: string[] | undefined): InventoryUpdate {
    clearTimeout(this.linger);
    this.linger = undefined;
    const scope =
      namespaces === undefined
        ? this.namespaces
        : namespaces.length
          ? [...new Set(namespaces)].sort()
          : undefined;
    const scopeChanged = JSON.stringify(scope) !== JSON.stringify(this.namespaces);
    this.namespaces = scope;
    const existing = this.subscribers.get(caller.id);
    if (!existing)
      this.subscribers.set(caller.id, {
        caller,
        seq: 0,
        stopOnClose: caller.onClose(() => this.unsubscribe(caller.id)),
      });
    if (!this.inventory && !this.target) this.restart(false);
    else if (scopeChanged) this.restart(true, caller.id);
    const subscriber = this.subscribers.get(caller.id) as Subscriber;
    return this.snapshotUpdate(subscriber);
  }

  unsubscribe(callerId: string): void {
    const subscriber = this.subscribers.get(callerId);
    if (!subscriber) return;
    subscriber.stopOnClose();
    this.subscribers.delete(callerId);
    if (this.subscribers.size > 0) return;
    clearTimeout(this.linger);
    this.linger = setTimeout(() => this.halt(), this.lingerMs);
    this.linger.unref?.();
  }

  /** The current context or its connection changed: new watches, and a reset to every window. */
  contextChanged(): void {
    if (this.subscribers.size === 0) {
      this.halt();
      return;
    }
    this.restart(true);
  }

  /** The running inventory of the current context, if any (cni.detect reuses it). */
  running(): { context: string; inventory: Inventory } | undefined {
    return this.inventory && this.target && !('error' in this.target)
      ? { context: this.target.context, inventory: this.inventory }
      : undefined;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  stop(): void {
    for (const id of [...this.subscribers.keys()]) this.subscribers.get(id)?.stopOnClose();
    this.subscribers.clear();
    this.halt();
  }

  private halt(): void {
    clearTimeout(this.linger);
    clearTimeout(this.timer);
    this.linger = undefined;
    this.timer = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
    this.inventory?.stop();
    this.inventory = undefined;
    this.target = undefined;
    this.clearPending();
  }

  /** New watches for the current target; `reset` sends every window (but `except`) a snapshot. */
  private restart(reset: boolean, except?: string): void {
    this.stopListening?.();
    this.inventory?.stop();
    this.inventory = undefined;
    this.clearPending();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.target = this.resolveTarget();
    if (!('error' in this.target)) {
      const inventory = this.deps.createInventory({
        kubeConfig: this.target.kubeConfig,
        namespaces: this.namespaces,
        batchMs: 20,
        watch: this.deps.watch,
      });
      const stopChanges = inventory.subscribe((changes) => this.onChanges(changes));
      const stopStatus = inventory.subscribeStatus(() => {
        this.pendingStatus = true;
        this.schedule();
      });
      this.stopListening = () => {
        stopChanges();
        stopStatus();
      };
      this.inventory = inventory;
      inventory.start();
    }
    if (!reset) return;
    for (const subscriber of this.subscribers.values())
      if (subscriber.caller.id !== except)
        subscriber.caller.emit('inventory.changed', this.snapshotUpdate(subscriber));
  }

  private onChanges(changes: InventoryChange[]): void {
    for (const change of changes) {
      const map = this.pending[change.resource];
      map.set(change.key, change.type === 'deleted' ? null : toDto(change));
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.subscribers.size === 0) return;
    this.timer = setTimeout(() => this.flush(), this.throttleMs);
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.target) return;
    const parts = {} as Record<Resource, { upserted: Dto[]; deleted: string[] }>;
    let any = this.pendingStatus;
    for (const resource of ['namespaces', 'nodes', 'pods'] as const) {
      const upserted: Dto[] = [];
      const deleted: string[] = [];
      for (const [key, value] of this.pending[resource]) {
        if (value) upserted.push(value);
        else deleted.push(key);
      }
      if (upserted.length || deleted.length) any = true;
      parts[resource] = { upserted, deleted };
    }
    this.clearPending();
    if (!any) return;
    const status = this.status();
    for (const subscriber of this.subscribers.values())
      subscriber.caller.emit('inventory.changed', {
        context: this.target.context,
        seq: ++subscriber.seq,
        reset: false,
        namespaces: parts.namespaces as InventoryUpdate['namespaces'],
        nodes: parts.nodes as InventoryUpdate['nodes'],
        pods: parts.pods as InventoryUpdate['pods'],
        status,
      });
  }

  private clearPending(): void {
    this.pending = { namespaces: new Map(), nodes: new Map(), pods: new Map() };
    this.pendingStatus = false;
  }

  private snapshotUpdate(subscriber: Subscriber): InventoryUpdate {
    const target = this.target ?? this.resolveTarget();
    const snapshot = this.inventory?.snapshot() ?? { namespaces: [], nodes: [], pods: [] };
    return {
      context: target.context,
      seq: ++subscriber.seq,
      reset: true,
      namespaces: { upserted: snapshot.namespaces.map(namespaceDto), deleted: [] },
      nodes: { upserted: snapshot.nodes.map(nodeDto), deleted: [] },
      pods: { upserted: snapshot.pods.map(podDto), deleted: [] },
      status: this.status(),
    };
  }

  private status(): InventoryUpdate['status'] {
    const target = this.target;
    if (!this.inventory || !target || 'error' in target) {
      const error = target && 'error' in target ? target.error : null;
      const idle: ResourceStatusDto = { state: 'stopped', synced: false, items: 0, error };
      return { namespaces: idle, nodes: idle, pods: idle };
    }
    const s: InventoryStatus = this.inventory.status();
    return { namespaces: statusDto(s.namespaces), nodes: statusDto(s.nodes), pods: statusDto(s.pods) };
  }
}

function statusDto(status: ResourceStatus): ResourceStatusDto {
  return {
    state: status.state,
    synced: status.synced,
    items: status.items,
    error: status.lastError ? { kind: status.lastError.kind, message: status.lastError.message } : null,
  };
}

export function namespaceDto(record: NamespaceRecord): NamespaceDto {
  return { name: record.name, phase: record.phase, labels: { ...record.labels } };
}

export function nodeDto(record: NodeRecord): NodeDto {
  return {
    name: record.name,
    internalIP: record.internalIP,
    podCIDRs: [...record.podCIDRs],
    ready: record.ready,
    labels: { ...record.labels },
  };
}

export function podDto(record: PodRecord): PodDto {
  return {
    key: `${record.namespace}/${record.name}`,
    uid: record.uid,
    namespace: record.namespace,
    name: record.name,
    node: record.nodeName,
    ips: [...record.podIPs],
    phase: record.phase,
    ready: record.ready,
    labels: { ...record.labels },
    ownerKind: record.ownerKind,
    ownerName: record.ownerName,
    hostNetwork: record.hostNetwork,
  };
}

function toDto(change: InventoryChange): Dto {
  if (change.resource === 'pods') return podDto(change.record);
  if (change.resource === 'nodes') return nodeDto(change.record);
  return namespaceDto(change.record);
}
