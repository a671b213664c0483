import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { RowCache } from '../packets/row-cache.js';
import type { AppState, AppStore } from './types.js';

/** The store and the row cache, given to the component tree once (main.tsx). */
export interface StoreContextValue {
  store: AppStore;
  rows: RowCache;
}

export const StoreContext = createContext<StoreContextValue | null>(null);

function useStoreContext(): StoreContextValue {
  const value = useContext(StoreContext);
  if (!value) throw new Error('a component using the store is rendered outside <StoreContext>');
  return value;
}

/** Reads part of the store and re-renders when (and only when) that part changes. */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(useStoreContext().store, selector);
}

/** The store itself, for actions and for subscriptions that bypass React (the packet list). */
export function useAppStore(): AppStore {
  return useStoreContext().store;
}

export function useRows(): RowCache {
  return useStoreContext().rows;
}
