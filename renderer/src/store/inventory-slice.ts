import type { InventoryUpdate, NamespaceDto, NodeDto, PodDto } from '../api/dto.js';
import { patch, type SliceCreator } from './types.js';

export interface InventorySlice {
  inventory: {
    context: string | null;
    namespaces: ReadonlyMap<string, NamespaceDto>;
    nodes: ReadonlyMap<string, NodeDto>;
    /** By `namespace/name`. */
    pods: ReadonlyMap<string, PodDto>;
    status: InventoryUpdate['status'] | null;
    /** Why there is no inventory at all (the subscription failed). */
    error: string | null;
    subscribe(): Promise<void>;
    /** inventory.changed: a reset replaces everything, a delta is applied. */
    receive(update: InventoryUpdate): void;
  };
}

function applyDelta<T>(
  current: ReadonlyMap<string, T>,
  delta: { upserted: T[]; deleted: string[] },
  key: (item: T) => string,
  reset: boolean,
): ReadonlyMap<string, T> {
  if (!reset && delta.upserted.length === 0 && delta.deleted.length === 0) return current;
  const next = new Map(reset ? [] : current);
  for (const name of delta.deleted) next.delete(name);
  for (const item of delta.upserted) next.set(key(item), item);
  return next;
}

export const createInventorySlice: SliceCreator<InventorySlice> = (set, get, { api }) => {
  let lastSeq = -1;
  let resubscribing = false;
  return {
    inventory: {
      context: null,
      namespaces: new Map(),
      nodes: new Map(),
      pods: new Map(),
      status: null,
      error: null,
      subscribe: async () => {
        const result = await api.request('inventory.subscribe', {});
        if (!result.ok) {
          patch(set, 'inventory', { error: result.error.message });
          return;
        }
        patch(set, 'inventory', { error: null });
        get().inventory.receive(result.value);
      },
      receive: (update) => {
        // A gap in seq means an update was lost: ask for a fresh snapshot rather than drift.
        if (!update.reset && lastSeq >= 0 && update.seq !== lastSeq + 1 && !resubscribing) {
          resubscribing = true;
          void get()
            .inventory.subscribe()
            .finally(() => {
              resubscribing = false;
            });
          return;
        }
        lastSeq = update.seq;
        const { inventory } = get();
        patch(set, 'inventory', {
          context: update.context,
          namespaces: applyDelta(inventory.namespaces, update.namespaces, (n) => n.name, update.reset),
          nodes: applyDelta(inventory.nodes, update.nodes, (n) => n.name, update.reset),
          pods: applyDelta(inventory.pods, update.pods, (p) => p.key, update.reset),
          status: update.status,
        });
      },
    },
  };
};
