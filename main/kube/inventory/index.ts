/**
 * The cluster inventory: namespaces, nodes and pods as compact records, kept current by
 * LIST+WATCH that survive restarts, expired versions and network blips. `watchList` is the
 * generic part (the agent watches its own node's pods with it).
 */
export type { KubeConfigLike } from './api-request.js';
export {
  createInventory,
  type Inventory,
  type InventoryChange,
  type InventoryOptions,
  type InventoryResource,
  type InventorySnapshot,
  type InventoryStatus,
  type ResourceStatus,
} from './inventory.js';
export {
  Interner,
  type NamespaceRecord,
  type NodeRecord,
  type PodRecord,
  toNamespaceRecord,
  toNodeRecord,
  toPodRecord,
} from './records.js';
export {
  type WatchChange,
  type WatchList,
  type WatchListOptions,
  type WatchState,
  type WatchStatus,
  watchList,
} from './watch-list.js';
