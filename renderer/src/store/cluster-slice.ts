import type { ClusterCni } from '../api/dto.js';
import { patch, type SliceCreator } from './types.js';

export interface ClusterSlice {
  cluster: {
    cni: ClusterCni | null;
    /** Why the CNI could not be told (the core's sentence). */
    cniError: string | null;
    cniLoading: boolean;
    /** Everything that follows the current context: probe, CNI, the remembered selection. */
    contextChanged(context: string | null): void;
    detectCni(): Promise<void>;
  };
}

export const createClusterSlice: SliceCreator<ClusterSlice> = (set, get, { api }) => {
  // Only the newest detection's answer counts when contexts change quickly.
  let generation = 0;
  return {
    cluster: {
      cni: null,
      cniError: null,
      cniLoading: false,
      contextChanged: (context) => {
        patch(set, 'cluster', { cni: null, cniError: null });
        get().selection.loadFor(context);
        if (!context) return;
        void get().contexts.probe(context, true);
        void get().cluster.detectCni();
      },
      detectCni: async () => {
        const mine = ++generation;
        patch(set, 'cluster', { cniLoading: true, cniError: null });
        const result = await api.request('cni.detect', {});
        if (mine !== generation) return;
        patch(
          set,
          'cluster',
          result.ok
            ? { cni: result.value, cniLoading: false }
            : { cniError: result.error.message, cniLoading: false, cni: null },
        );
      },
    },
  };
};
