import type { ApiError } from '../api/contract.js';
import type { TapState } from '../api/dto.js';
import { normalizePolicy } from '../policy/policy-form.js';
import { isEmptySelection } from './selection-slice.js';
import { patch, type SliceCreator } from './types.js';

export type TransportChoice = 'auto' | 'vxlan' | 'gre' | 'api';

/** A failed start, with the permissions it lacks when that is the problem. */
export type TapError = ApiError & { missing?: string[] | undefined };

export interface TapSlice {
  tap: {
    state: TapState | null;
    transport: TransportChoice;
    /** A tap.start, tap.listen or tap.stop in flight. */
    pending: 'start' | 'stop' | null;
    /** UDP port for "listen without deploying" (tap.listen). */
    listenPort: number;
    /** The last start's failure (from its Result or from tap.changed). */
    error: TapError | null;
    /** The core has no tap channels (yet): the sentence to show instead of the button's work. */
    unavailable: string | null;
    load(): Promise<void>;
    receive(state: TapState): void;
    setTransport(choice: TransportChoice): void;
    setListenPort(port: number): void;
    start(): Promise<void>;
    /** Receives VXLAN (and GRE) on this machine without deploying anything: a kept session, a TAP. */
    listen(gre: boolean): Promise<void>;
    stop(): Promise<void>;
    /** Ctrl+E: start when idle or failed, stop when deploying or running. */
    toggle(): Promise<void>;
  };
}

export function isTapActive(state: TapState | null): boolean {
  return state?.phase === 'deploying' || state?.phase === 'running' || state?.phase === 'stopping';
}

function missingOf(error: ApiError): string[] | undefined {
  const missing = error.details?.missing;
  return Array.isArray(missing) ? missing.map(String) : undefined;
}

export const createTapSlice: SliceCreator<TapSlice> = (set, get, { api }) => ({
  tap: {
    state: null,
    transport: 'auto',
    pending: null,
    listenPort: 4789,
    error: null,
    unavailable: null,
    load: async () => {
      const result = await api.request('tap.state', {});
      if (result.ok) get().tap.receive(result.value);
      else if (result.error.kind === 'unknown-channel')
        patch(set, 'tap', { unavailable: `This ClusterTap core cannot tap yet: ${result.error.message}` });
      else get().notices.error(result.error, 'Reading the tap session');
    },
    receive: (state) => {
      // A failed phase carries its error; a new deploy clears the old one.
      const error = state.error ?? (state.phase === 'deploying' ? null : get().tap.error);
      patch(set, 'tap', { state, error, unavailable: null });
      if (!isTapActive(state)) get().policy.markApplied(null);
    },
    setTransport: (transport) => patch(set, 'tap', { transport }),
    setListenPort: (listenPort) => patch(set, 'tap', { listenPort }),
    listen: async (gre) => {
      const { policy, tap, notices } = get();
      if (policy.filterCheck.state === 'invalid') {
        notices.push('error', `The capture filter is not valid: ${policy.filterCheck.message}`);
        return;
      }
      patch(set, 'tap', { pending: 'start', error: null });
      const draft = normalizePolicy(policy.draft);
      const result = await api.request('tap.listen', { port: tap.listenPort, gre, policy: draft });
      patch(set, 'tap', { pending: null });
      if (!result.ok) {
        notices.error(result.error, 'Listening for tunnels');
        return;
      }
      policy.markApplied(draft);
      notices.push('info', `Listening: ${result.value.listening}.`);
    },
    start: async () => {
      const { contexts, selection, policy, tap, notices } = get();
      const context = contexts.state?.current;
      if (!context) {
        notices.push('error', 'There is no Kubernetes context to tap: pick one with Ctrl+K.');
        return;
      }
      if (isEmptySelection(selection.current)) {
        notices.push('error', 'Nothing is selected: choose namespaces, a label selector or pods to tap.');
        return;
      }
      if (policy.filterCheck.state === 'invalid') {
        notices.push('error', `The capture filter is not valid: ${policy.filterCheck.message}`);
        return;
      }
      patch(set, 'tap', { pending: 'start', error: null });
      const result = await api.request('tap.start', {
        context,
        selection: selection.current,
        transport: tap.transport,
        policy: normalizePolicy(policy.draft),
      });
      patch(set, 'tap', { pending: null });
      if (result.ok) {
        policy.markApplied(normalizePolicy(policy.draft));
        return;
      }
      const error: TapError = { ...result.error, missing: missingOf(result.error) };
      patch(set, 'tap', { error });
      // Permission problems get their own panel; everything else is a notice too.
      if (result.error.kind !== 'forbidden') notices.error(result.error, 'Starting the tap');
    },
    stop: async () => {
      patch(set, 'tap', { pending: 'stop' });
      const result = await api.request('tap.stop', {});
      patch(set, 'tap', { pending: null });
      if (!result.ok) get().notices.error(result.error, 'Stopping the tap');
    },
    toggle: async () => {
      const { tap } = get();
      if (tap.pending) return;
      if (isTapActive(tap.state)) await tap.stop();
      else await tap.start();
    },
  },
});
