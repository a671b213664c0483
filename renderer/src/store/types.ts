import type { StoreApi } from 'zustand/vanilla';
import type { Api, ApiError, Result } from '../api/contract.js';
import type { FileRef } from '../api/dto.js';
import type { RowCache } from '../packets/row-cache.js';
import type { CaptureSlice } from './capture-slice.js';
import type { ClusterSlice } from './cluster-slice.js';
import type { ColumnsSlice } from './columns-slice.js';
import type { ConnectionSlice } from './connection-slice.js';
import type { ContextsSlice } from './contexts-slice.js';
import type { DetailSlice } from './detail-slice.js';
import type { FlowsSlice } from './flows-slice.js';
import type { InventorySlice } from './inventory-slice.js';
import type { NoticesSlice } from './notices-slice.js';
import type { PacketsSlice } from './packets-slice.js';
import type { PolicySlice } from './policy-slice.js';
import type { SelectionSlice } from './selection-slice.js';
import type { TapSlice } from './tap-slice.js';
import type { UiSlice } from './ui-slice.js';

/**
 * One store, one key per feature: `state.contexts`, `state.tap`, `state.packets`… Each slice
 * holds its data and the actions that change it; actions talk to the core through `deps.api` and
 * show every failed Result's sentence through `state.notices`. Packet rows are not in the store:
 * the packet list reads them through `deps.rows` (a page cache) so no packet ever becomes React
 * state.
 */
export type AppState = ConnectionSlice &
  NoticesSlice &
  ContextsSlice &
  ClusterSlice &
  InventorySlice &
  SelectionSlice &
  TapSlice &
  PolicySlice &
  PacketsSlice &
  ColumnsSlice &
  DetailSlice &
  FlowsSlice &
  CaptureSlice &
  UiSlice;

export type AppStore = StoreApi<AppState>;

/** What the store needs from the page, passed in so tests and Electron can supply their own. */
export interface StoreDeps {
  api: Api;
  rows: RowCache;
  /** Follows a one-time download URL of `clustertap serve`. */
  download: (url: string) => void;
  /** Lets the user pick a capture file in a browser; null when cancelled. */
  pickFile: () => Promise<File | null>;
  /** POST /upload: the file becomes a file id for capture.open. */
  upload: (file: File) => Promise<Result<FileRef>>;
  /** Default setTimeout-based; injected by tests wanting fake time. */
  setTimer?: (fn: () => void, ms: number) => () => void;
}

export type SetState = StoreApi<AppState>['setState'];
export type GetState = StoreApi<AppState>['getState'];

/** Builds one slice; `set`/`get` are the whole store's. */
export type SliceCreator<S> = (set: SetState, get: GetState, deps: StoreDeps) => S;

/** Replaces part of one slice, keeping the rest (slices are nested objects). */
export function patch<K extends keyof AppState>(set: SetState, key: K, part: Partial<AppState[K]>): void {
  set((state) => ({ [key]: { ...state[key], ...part } }) as Partial<AppState>);
}

/** The value of an ok Result, or undefined after showing the error's sentence to the user. */
export function valueOr<T>(get: GetState, result: Result<T>, context?: string): T | undefined {
  if (result.ok) return result.value;
  get().notices.error(result.error, context);
  return undefined;
}

export type { ApiError };
