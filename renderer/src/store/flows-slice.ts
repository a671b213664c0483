import type { Counters, Flow } from '../api/dto.js';
import { patch, type SliceCreator } from './types.js';

/** Points of packets/s kept for the rate chart (one per counters.changed, about a second each). */
export const RATE_HISTORY = 120;

export interface FlowsSlice {
  flows: {
    list: Flow[];
    total: number;
    error: string | null;
    counters: Counters | null;
    /** Packets per second, oldest first. */
    rates: number[];
    refresh(): Promise<void>;
    receiveCounters(counters: Counters): void;
  };
}

export const createFlowsSlice: SliceCreator<FlowsSlice> = (set, get, { api }) => {
  let inflight = false;
  return {
    flows: {
      list: [],
      total: 0,
      error: null,
      counters: null,
      rates: [],
      refresh: async () => {
        // A slow core is not asked again before it answered (the view polls every second).
        if (inflight) return;
        inflight = true;
        const result = await api.request('flows.list', { limit: 5000 });
        inflight = false;
        if (!result.ok) {
          patch(set, 'flows', { error: result.error.message });
          return;
        }
        patch(set, 'flows', { list: result.value.flows, total: result.value.total, error: null });
      },
      receiveCounters: (counters) => {
        const rates = [...get().flows.rates, counters.rate].slice(-RATE_HISTORY);
        patch(set, 'flows', { counters, rates });
      },
    },
  };
};
