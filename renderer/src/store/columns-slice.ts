import {
  type ColumnId,
  type ColumnSetting,
  defaultLayout,
  normalizeLayout,
  PACKETS_TABLE,
  sameLayout,
  widthOf,
  withVisibility,
  withWidth,
} from '../packets/columns.js';
import { patch, type SliceCreator } from './types.js';

/**
 * The packet list's column layout: widths and hidden columns, in the settings contract's shape
 * (`columns.packets`). Read from settings.get at start; every change is saved with
 * settings.update 500 ms after the last one (a drag or a held Alt+→ is one write), and at once
 * when the page goes away. The list applies it as CSS variables on its container.
 */
export interface ColumnsSlice {
  columns: {
    packets: readonly ColumnSetting[];
    receiveSaved(columns: Record<string, ColumnSetting[]>): void;
    resize(id: ColumnId, width: number): void;
    /** Alt+←/Alt+→: narrower or wider by `delta` px. */
    resizeBy(id: ColumnId, delta: number): void;
    setVisible(id: ColumnId, visible: boolean): void;
    reset(): void;
    /** Saves a pending change now (the page is being unloaded). */
    flush(): void;
  };
}

export const PERSIST_DELAY_MS = 500;

export const createColumnsSlice: SliceCreator<ColumnsSlice> = (set, get, deps) => {
  const { api } = deps;
  const setTimer =
    deps.setTimer ??
    ((fn: () => void, ms: number) => {
      const id = setTimeout(fn, ms);
      return () => clearTimeout(id);
    });
  let cancel: (() => void) | null = null;
  /** A change not yet confirmed by the core: a settings.get answer must not undo it. */
  let unsaved = 0;

  const save = async () => {
    cancel?.();
    cancel = null;
    const layout = get().columns.packets;
    const sent = unsaved;
    const result = await api.request('settings.update', {
      // The defaults are not worth remembering: null forgets the table's layout.
      columns: { [PACKETS_TABLE]: sameLayout(layout, defaultLayout()) ? null : [...layout] },
    });
    if (!result.ok) {
      get().notices.error(result.error, 'Remembering the column layout');
      return;
    }
    if (unsaved === sent) unsaved = 0;
  };

  const change = (packets: ColumnSetting[]) => {
    if (sameLayout(packets, get().columns.packets)) return;
    patch(set, 'columns', { packets });
    unsaved++;
    cancel?.();
    cancel = setTimer(() => void save(), PERSIST_DELAY_MS);
  };

  return {
    columns: {
      packets: defaultLayout(),
      receiveSaved: (columns) => {
        if (unsaved > 0) return;
        patch(set, 'columns', { packets: normalizeLayout(columns[PACKETS_TABLE]) });
      },
      resize: (id, width) => change(withWidth(get().columns.packets, id, width)),
      resizeBy: (id, delta) => {
        const { packets } = get().columns;
        change(withWidth(packets, id, widthOf(packets, id) + delta));
      },
      setVisible: (id, visible) => change(withVisibility(get().columns.packets, id, visible)),
      reset: () => change(defaultLayout()),
      flush: () => {
        if (cancel) void save();
      },
    },
  };
};
