import type { Policy } from '../../../main/policy/policy-schema.js';
import type { LivePolicy } from '../api/dto.js';
import { fromSavedPolicy, normalizePolicy, samePolicy, toSavedPolicy } from '../policy/policy-form.js';
import { isTapActive } from './tap-slice.js';
import { patch, type SliceCreator } from './types.js';

export type FilterCheck =
  | { state: 'empty' }
  | { state: 'checking'; expression: string }
  | { state: 'valid'; expression: string; instructions: number }
  /** libpcap's own message. */
  | { state: 'invalid'; expression: string; message: string };

export interface PolicySlice {
  policy: {
    /** The policy being edited; empty stages are left out (normalizePolicy). */
    draft: LivePolicy;
    filterCheck: FilterCheck;
    /** What the running capture applies; null when no tap runs. */
    applied: LivePolicy | null;
    applying: boolean;
    receiveSaved(saved: Policy | null): void;
    setFilter(expression: string): void;
    /** De-dup, sampling, slicing, masking; applied to a running tap after a short pause. */
    change(part: Partial<Omit<LivePolicy, 'filter'>>): void;
    /** Applies the draft to the running tap (Enter in the filter, the Apply button). */
    apply(): Promise<void>;
    markApplied(policy: LivePolicy | null): void;
  };
}

const VALIDATE_DELAY_MS = 150;
const AUTO_APPLY_DELAY_MS = 500;
const PERSIST_DELAY_MS = 500;

export const createPolicySlice: SliceCreator<PolicySlice> = (set, get, { api }) => {
  let validateTimer: ReturnType<typeof setTimeout> | undefined;
  let applyTimer: ReturnType<typeof setTimeout> | undefined;
  let persistTimer: ReturnType<typeof setTimeout> | undefined;

  const persist = () => {
    clearTimeout(persistTimer);
    persistTimer = setTimeout(async () => {
      const result = await api.request('settings.update', { policy: toSavedPolicy(get().policy.draft) });
      if (!result.ok) get().notices.error(result.error, 'Remembering the capture policy');
    }, PERSIST_DELAY_MS);
  };

  const validate = (expression: string) => {
    clearTimeout(validateTimer);
    if (expression.trim() === '') {
      patch(set, 'policy', { filterCheck: { state: 'empty' } });
      return;
    }
    patch(set, 'policy', { filterCheck: { state: 'checking', expression } });
    validateTimer = setTimeout(async () => {
      const result = await api.request('filter.validate', { expression });
      // Only the answer for what the field holds now counts.
      if ((get().policy.draft.filter ?? '') !== expression) return;
      if (!result.ok) {
        patch(set, 'policy', {
          filterCheck: { state: 'invalid', expression, message: result.error.message },
        });
        return;
      }
      const answer = result.value;
      patch(set, 'policy', {
        filterCheck: answer.valid
          ? { state: 'valid', expression, instructions: answer.instructions }
          : { state: 'invalid', expression, message: answer.message },
      });
    }, VALIDATE_DELAY_MS);
  };

  let edited = false;
  const setDraft = (draft: LivePolicy) => {
    edited = true;
    patch(set, 'policy', { draft });
    persist();
  };

  return {
    policy: {
      draft: {},
      filterCheck: { state: 'empty' },
      applied: null,
      applying: false,
      receiveSaved: (saved) => {
        // The remembered policy arrives once, at start-up; what the user typed meanwhile wins.
        if (edited) return;
        const draft = fromSavedPolicy(saved);
        patch(set, 'policy', { draft });
        validate(draft.filter ?? '');
      },
      setFilter: (filter) => {
        const { filter: _old, ...rest } = get().policy.draft;
        // The field keeps what is typed (spaces too); normalizePolicy drops an empty filter on send.
        setDraft(filter === '' ? rest : { ...rest, filter });
        validate(filter);
      },
      change: (part) => {
        setDraft(normalizePolicy({ ...get().policy.draft, ...part }));
        clearTimeout(applyTimer);
        if (!isTapActive(get().tap.state)) return;
        // The filter waits for Enter; the other stages follow the controls after a pause.
        applyTimer = setTimeout(() => {
          const { draft, applied } = get().policy;
          if ((draft.filter ?? '') !== (applied?.filter ?? '')) return;
          void get().policy.apply();
        }, AUTO_APPLY_DELAY_MS);
      },
      apply: async () => {
        const { draft, filterCheck, applied } = get().policy;
        if (filterCheck.state === 'invalid') {
          get().notices.push('error', `The capture filter is not valid: ${filterCheck.message}`);
          return;
        }
        if (!isTapActive(get().tap.state) || samePolicy(draft, applied)) return;
        patch(set, 'policy', { applying: true });
        const policy = normalizePolicy(draft);
        const result = await api.request('policy.apply', { policy });
        patch(set, 'policy', { applying: false });
        if (!result.ok) {
          get().notices.error(result.error, 'Applying the capture policy');
          return;
        }
        patch(set, 'policy', { applied: policy });
      },
      markApplied: (applied) => patch(set, 'policy', { applied }),
    },
  };
};
