import type { ContextsState, ProbeResult } from '../api/dto.js';
import { patch, type SliceCreator, valueOr } from './types.js';

export type Probe =
  | { status: 'probing'; at: number }
  | { status: 'done'; at: number; result: ProbeResult }
  /** The probe request itself failed (an unusable context): the core's sentence. */
  | { status: 'failed'; at: number; message: string };

export interface ContextsSlice {
  contexts: {
    state: ContextsState | null;
    /** Reachability per context name, filled in as probes answer. */
    probes: Record<string, Probe>;
    /** A contexts.use in flight. */
    switching: string | null;
    load(): Promise<void>;
    /** contexts.changed, or the answer of contexts.list/use. */
    receive(state: ContextsState): void;
    use(name: string): Promise<boolean>;
    /** Probes a context unless a recent answer exists (force: always). */
    probe(name: string, force?: boolean): Promise<void>;
    probeAll(): void;
  };
}

/** A probe answer is fresh for this long; the switcher re-probes older ones when it opens. */
const PROBE_FRESH_MS = 30_000;

export const createContextsSlice: SliceCreator<ContextsSlice> = (set, get, { api }) => ({
  contexts: {
    state: null,
    probes: {},
    switching: null,
    load: async () => {
      const state = valueOr(get, await api.request('contexts.list', {}), 'Reading the kubeconfig');
      if (state) get().contexts.receive(state);
    },
    receive: (state) => {
      const before = get().contexts.state?.current ?? null;
      patch(set, 'contexts', { state });
      if (state.current !== before) get().cluster.contextChanged(state.current);
    },
    use: async (name) => {
      if (get().contexts.state?.current === name) return true;
      patch(set, 'contexts', { switching: name });
      const result = await api.request('contexts.use', { context: name });
      patch(set, 'contexts', { switching: null });
      const state = valueOr(get, result, `Switching to ${name}`);
      if (!state) return false;
      get().contexts.receive(state);
      return true;
    },
    probe: async (name, force = false) => {
      const previous = get().contexts.probes[name];
      if (!force && previous && Date.now() - previous.at < PROBE_FRESH_MS) return;
      const setProbe = (probe: Probe) =>
        patch(set, 'contexts', { probes: { ...get().contexts.probes, [name]: probe } });
      setProbe({ status: 'probing', at: Date.now() });
      const result = await api.request('cluster.probe', { context: name, timeoutMs: 3000 });
      // An unusable context is the context's state, shown in the list, not an error popup.
      setProbe(
        result.ok
          ? { status: 'done', at: Date.now(), result: result.value }
          : { status: 'failed', at: Date.now(), message: result.error.message },
      );
    },
    probeAll: () => {
      for (const context of get().contexts.state?.contexts ?? []) void get().contexts.probe(context.name);
    },
  },
});
