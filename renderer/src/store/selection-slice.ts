import { LabelSelectorError, parseLabelSelector } from '../../../main/kube/label-selector.js';
import type { Selection } from '../api/dto.js';
import { patch, type SliceCreator } from './types.js';

/**
 * What the user chose to tap in the current context: namespaces, a label selector (within those
 * namespaces, or everywhere when none), and single pods. It is the session's selection: every
 * change is remembered per context with settings.update, and the next run starts from it.
 */
export interface SelectionSlice {
  selection: {
    current: Selection;
    /** The label selector as typed (kept even while it does not parse). */
    labelText: string;
    labelError: string | null;
    /** The tree's search box. */
    search: string;
    /** Remembered selections per context, from settings.get. */
    saved: Record<string, Selection>;
    receiveSaved(selections: Record<string, Selection>): void;
    loadFor(context: string | null): void;
    toggleNamespace(namespace: string): void;
    /** Adds the pods when any of them is not selected by name yet, else removes them all. */
    togglePods(keys: string[]): void;
    setLabelSelector(text: string): void;
    setSearch(text: string): void;
    clear(): void;
  };
}

export const emptySelection = (): Selection => ({ namespaces: [], pods: [] });

export function isEmptySelection(selection: Selection): boolean {
  return selection.namespaces.length === 0 && selection.pods.length === 0 && !selection.labelSelector;
}

/** Why a label selector cannot be used, or null. */
export function labelSelectorProblem(text: string): string | null {
  try {
    parseLabelSelector(text);
    return null;
  } catch (error) {
    if (error instanceof LabelSelectorError) return error.message;
    throw error;
  }
}

const PERSIST_DELAY_MS = 300;

export const createSelectionSlice: SliceCreator<SelectionSlice> = (set, get, { api }) => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const persist = () => {
    clearTimeout(timer);
    const context = get().contexts.state?.current;
    if (!context) return;
    timer = setTimeout(async () => {
      const selection = get().selection.current;
      const result = await api.request('settings.update', {
        selections: { [context]: selection },
      });
      if (!result.ok) get().notices.error(result.error, 'Remembering the selection');
    }, PERSIST_DELAY_MS);
  };
  const change = (current: Selection) => {
    const context = get().contexts.state?.current;
    const saved = context ? { ...get().selection.saved, [context]: current } : get().selection.saved;
    patch(set, 'selection', { current, saved });
    persist();
  };
  return {
    selection: {
      current: emptySelection(),
      labelText: '',
      labelError: null,
      search: '',
      saved: {},
      receiveSaved: (saved) => {
        patch(set, 'selection', { saved });
        get().selection.loadFor(get().contexts.state?.current ?? null);
      },
      loadFor: (context) => {
        const current = (context && get().selection.saved[context]) || emptySelection();
        patch(set, 'selection', { current, labelText: current.labelSelector ?? '', labelError: null });
      },
      toggleNamespace: (namespace) => {
        const { current } = get().selection;
        const has = current.namespaces.includes(namespace);
        change({
          ...current,
          namespaces: has
            ? current.namespaces.filter((n) => n !== namespace)
            : [...current.namespaces, namespace].sort(),
        });
      },
      togglePods: (keys) => {
        const { current } = get().selection;
        const named = new Set(current.pods);
        const allNamed = keys.every((key) => named.has(key));
        for (const key of keys) {
          if (allNamed) named.delete(key);
          else named.add(key);
        }
        change({ ...current, pods: [...named].sort() });
      },
      setLabelSelector: (text) => {
        const problem = labelSelectorProblem(text);
        patch(set, 'selection', { labelText: text, labelError: problem });
        if (problem) return;
        const { current } = get().selection;
        const { labelSelector: _old, ...rest } = current;
        const trimmed = text.trim();
        change(trimmed ? { ...rest, labelSelector: trimmed } : rest);
      },
      setSearch: (search) => patch(set, 'selection', { search }),
      clear: () => {
        patch(set, 'selection', { labelText: '', labelError: null });
        change(emptySelection());
      },
    },
  };
};
