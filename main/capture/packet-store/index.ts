/** The packet store the live packet list reads; see README.md beside this file. */

export type { FilterOutcome } from './display-filter.js';
export type { LoadProgress, LoadResult } from './load-capture.js';
export {
  DEFAULT_MAX_PACKETS,
  DEFAULT_MAX_SPILL_BYTES,
  MAX_ROWS,
  PacketStore,
  type PacketStoreDeps,
} from './packet-store.js';
export { BYTES_PER_PACKET } from './packet-table.js';
export {
  createStoreDirectory,
  removeStaleStoreDirectories,
  STORE_DIR_PREFIX,
  type StaleCleanupOptions,
} from './store-dir.js';
export type { ExportOptions, ExportProgress, ExportResult, ExportSelection } from './store-export.js';
export type * from './types.js';
