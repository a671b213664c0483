import type { ApiError } from '../api/contract.js';
import { patch, type SliceCreator } from './types.js';

export type NoticeLevel = 'error' | 'warning' | 'info';

export interface Notice {
  id: number;
  level: NoticeLevel;
  /** The sentence the core (or the UI) wrote for the user, shown as it is. */
  message: string;
  /** What the user was doing, e.g. "Saving the capture". */
  context?: string | undefined;
}

export interface NoticesSlice {
  notices: {
    items: Notice[];
    push(level: NoticeLevel, message: string, context?: string): number;
    /** A failed Result's error; the sentence is the core's. */
    error(error: ApiError, context?: string): number;
    dismiss(id: number): void;
  };
}

/** Errors stay until dismissed; information fades. At most this many are kept. */
const MAX_NOTICES = 6;
const INFO_MS = 6000;

export const createNoticesSlice: SliceCreator<NoticesSlice> = (set, get, deps) => {
  let nextId = 1;
  const setTimer =
    deps.setTimer ??
    ((fn: () => void, ms: number) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    });
  const push = (level: NoticeLevel, message: string, context?: string): number => {
    const items = get().notices.items;
    // The same sentence twice in a row (a retrying request) is one notice.
    const last = items[items.length - 1];
    if (last && last.message === message && last.level === level) return last.id;
    const id = nextId++;
    patch(set, 'notices', { items: [...items, { id, level, message, context }].slice(-MAX_NOTICES) });
    if (level === 'info') setTimer(() => get().notices.dismiss(id), INFO_MS);
    return id;
  };
  return {
    notices: {
      items: [],
      push,
      error: (error, context) => push('error', error.message, context),
      dismiss: (id) =>
        patch(set, 'notices', { items: get().notices.items.filter((notice) => notice.id !== id) }),
    },
  };
};
