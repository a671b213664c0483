import { createStore } from 'zustand/vanilla';
import { createCaptureSlice } from './capture-slice.js';
import { createClusterSlice } from './cluster-slice.js';
import { createColumnsSlice } from './columns-slice.js';
import { createConnectionSlice } from './connection-slice.js';
import { createContextsSlice } from './contexts-slice.js';
import { createDetailSlice } from './detail-slice.js';
import { createFlowsSlice } from './flows-slice.js';
import { createInventorySlice } from './inventory-slice.js';
import { createNoticesSlice } from './notices-slice.js';
import { createPacketsSlice } from './packets-slice.js';
import { createPolicySlice } from './policy-slice.js';
import { createSelectionSlice } from './selection-slice.js';
import { createTapSlice } from './tap-slice.js';
import type { AppState, AppStore, StoreDeps } from './types.js';
import { createUiSlice } from './ui-slice.js';

export function createAppStore(deps: StoreDeps): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...createConnectionSlice(set, get, deps),
    ...createNoticesSlice(set, get, deps),
    ...createContextsSlice(set, get, deps),
    ...createClusterSlice(set, get, deps),
    ...createInventorySlice(set, get, deps),
    ...createSelectionSlice(set, get, deps),
    ...createTapSlice(set, get, deps),
    ...createPolicySlice(set, get, deps),
    ...createPacketsSlice(set, get, deps),
    ...createColumnsSlice(set, get, deps),
    ...createDetailSlice(set, get, deps),
    ...createFlowsSlice(set, get, deps),
    ...createCaptureSlice(set, get, deps),
    ...createUiSlice(set, get, deps),
  }));
}

export type { AppState, AppStore, StoreDeps } from './types.js';
