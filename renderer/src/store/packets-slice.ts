import type { DisplayFilterCheck, PacketRow, PacketStats } from '../api/dto.js';
import { findDisplayIndex } from '../packets/find-packet.js';
import { patch, type SliceCreator } from './types.js';

export type DisplayFilterState =
  | { state: 'empty' }
  | { state: 'checking' }
  | { state: 'valid' }
  | { state: 'invalid'; message: string; position: number };

/**
 * The packet store as the UI sees it: its stats (batched by the core, at most every 100 ms), the
 * display filter, which packet is selected and which are marked. The rows themselves are in
 * deps.rows (packets/row-cache.ts), never here.
 */
export interface PacketsSlice {
  packets: {
    stats: PacketStats | null;
    unavailable: string | null;
    filterText: string;
    filterCheck: DisplayFilterState;
    /** The selected packet: its display index (for keyboard moves) and number (stable). */
    selected: { index: number; number: number } | null;
    /** Packet numbers marked for "save selected" (Ctrl+M, Ctrl+click, Shift+click, Shift+↑/↓). */
    marked: ReadonlySet<number>;
    /**
     * The Shift range being extended: the display index it started from and the packets marked
     * before it (the range adds to those; shrinking it gives back only what it added). Ends with
     * a plain move or click, a Ctrl+M, or a new display filter.
     */
    range: { anchor: number; base: ReadonlySet<number> } | null;
    /** The list follows new packets until the user scrolls or moves up. */
    following: boolean;
    /** A request to the list to select and show a display index (Go to packet); seq makes each new. */
    jump: { index: number; seq: number } | null;
    load(): Promise<void>;
    receive(stats: PacketStats): void;
    setFilterText(text: string): void;
    applyFilter(): Promise<void>;
    /** Selects a row; `extend` keeps the Shift range going, otherwise it ends. */
    select(index: number, number: number, extend?: boolean): void;
    toggleMark(number: number): void;
    /**
     * Shift+click, Shift+↑/↓: marks every displayed packet from the range's anchor (the selected
     * row when a range starts) to display index `to`. Call before moving the selection there.
     */
    extendRange(to: number): Promise<void>;
    setFollowing(following: boolean): void;
    /** Go to packet `number`; answers why it could not, or null. */
    goTo(number: number): Promise<string | null>;
    clear(): Promise<void>;
  };
}

const CHECK_DELAY_MS = 120;
/** The most packets one range marks (what capture.save accepts as a list). */
export const MAX_RANGE = 1_000_000;
/** packets.rows answers at most this many rows. */
const ROWS_PER_REQUEST = 2000;

function needsReset(before: PacketStats | null, after: PacketStats): boolean {
  if (!before) return true;
  return (
    before.displayFilter !== after.displayFilter ||
    before.droppedByLimit !== after.droppedByLimit ||
    before.source !== after.source ||
    before.fileName !== after.fileName ||
    after.count < before.count ||
    after.displayed < before.displayed
  );
}

export const createPacketsSlice: SliceCreator<PacketsSlice> = (set, get, { api, rows }) => {
  let checkTimer: ReturnType<typeof setTimeout> | undefined;
  let rangeSeq = 0;
  /** The packet numbers of display indexes first..last: from the row cache, the rest asked for. */
  const rangeNumbers = async (first: number, last: number) => {
    const numbers: number[] = [];
    let i = first;
    while (i <= last) {
      const cached: PacketRow | undefined = rows.row(i);
      if (cached) {
        numbers.push(cached.number);
        i++;
        continue;
      }
      const result = await api.request('packets.rows', {
        start: i,
        count: Math.min(ROWS_PER_REQUEST, last - i + 1),
      });
      if (!result.ok) return { error: result.error };
      if (result.value.rows.length === 0) break;
      for (const row of result.value.rows) numbers.push(row.number);
      i += result.value.rows.length;
    }
    return numbers;
  };
  return {
    packets: {
      stats: null,
      unavailable: null,
      filterText: '',
      filterCheck: { state: 'empty' },
      selected: null,
      marked: new Set(),
      range: null,
      following: true,
      jump: null,
      load: async () => {
        const result = await api.request('packets.stats', {});
        if (result.ok) get().packets.receive(result.value);
        else if (result.error.kind === 'unknown-channel')
          patch(set, 'packets', {
            unavailable: `This ClusterTap core has no packet store yet: ${result.error.message}`,
          });
        else get().notices.error(result.error, 'Reading the packet store');
      },
      receive: (stats) => {
        const before = get().packets.stats;
        const reset = needsReset(before, stats);
        if (reset) rows.reset(stats.displayed);
        else rows.grow(stats.displayed);
        // Display indexes now point at other packets: a Shift range cannot go on from its anchor.
        if (reset && get().packets.range) patch(set, 'packets', { range: null });
        const emptied = stats.count === 0 && (before?.count ?? 0) > 0;
        // The store's filter changed elsewhere (another window, or it was set before this page
        // loaded): the bar shows it, unless the user is editing something else in it.
        const { filterText } = get().packets;
        if (
          before?.displayFilter !== stats.displayFilter &&
          filterText.trim() === (before?.displayFilter ?? '')
        )
          patch(set, 'packets', {
            filterText: stats.displayFilter,
            filterCheck: stats.displayFilter ? { state: 'valid' } : { state: 'empty' },
          });
        patch(set, 'packets', {
          stats,
          unavailable: null,
          ...(emptied && { selected: null, marked: new Set<number>(), range: null }),
        });
        if (emptied) get().detail.close();
      },
      setFilterText: (filterText) => {
        patch(set, 'packets', { filterText });
        clearTimeout(checkTimer);
        if (filterText.trim() === '') {
          patch(set, 'packets', { filterCheck: { state: 'empty' } });
          return;
        }
        patch(set, 'packets', { filterCheck: { state: 'checking' } });
        checkTimer = setTimeout(async () => {
          const result = await api.request('packets.checkDisplayFilter', { filter: filterText });
          if (get().packets.filterText !== filterText) return;
          if (!result.ok) {
            patch(set, 'packets', {
              filterCheck: { state: 'invalid', message: result.error.message, position: 0 },
            });
            return;
          }
          patch(set, 'packets', { filterCheck: fromCheck(result.value) });
        }, CHECK_DELAY_MS);
      },
      applyFilter: async () => {
        const { filterText, filterCheck } = get().packets;
        if (filterCheck.state === 'invalid') return;
        const result = await api.request('packets.setDisplayFilter', { filter: filterText.trim() });
        if (!result.ok) {
          patch(set, 'packets', {
            filterCheck: { state: 'invalid', message: result.error.message, position: 0 },
          });
          get().notices.error(result.error, 'Applying the display filter');
          return;
        }
        // The list jumps to the end like Wireshark after a new filter; stats follow by event.
        patch(set, 'packets', { following: true });
      },
      select: (index, number, extend = false) =>
        patch(set, 'packets', { selected: { index, number }, ...(!extend && { range: null }) }),
      toggleMark: (number) => {
        const marked = new Set(get().packets.marked);
        if (!marked.delete(number)) marked.add(number);
        patch(set, 'packets', { marked, range: null });
      },
      extendRange: async (to) => {
        const { selected, marked } = get().packets;
        let { range } = get().packets;
        if (!range) {
          range = { anchor: selected?.index ?? to, base: marked };
          patch(set, 'packets', { range });
        }
        const seq = ++rangeSeq;
        const first = Math.min(range.anchor, to);
        const last = Math.max(range.anchor, to);
        if (last - first + 1 > MAX_RANGE) {
          get().notices.push(
            'error',
            `A range marks at most ${MAX_RANGE.toLocaleString('en')} packets; this one has ${(last - first + 1).toLocaleString('en')}.`,
          );
          return;
        }
        const numbers = await rangeNumbers(first, last);
        // A newer Shift move, a plain move or a new display filter came first: this one is stale.
        if (seq !== rangeSeq || get().packets.range !== range) return;
        if ('error' in numbers) {
          get().notices.error(numbers.error, 'Marking the range');
          return;
        }
        const next = new Set(range.base);
        for (const n of numbers) next.add(n);
        patch(set, 'packets', { marked: next });
      },
      setFollowing: (following) => {
        if (get().packets.following !== following) patch(set, 'packets', { following });
      },
      goTo: async (number) => {
        const found = await findDisplayIndex(api, get().packets.stats?.displayed ?? 0, number);
        if ('error' in found) return found.error;
        if (!found.exact)
          get().notices.push('info', `Packet ${number} is not displayed; went to the next one that is.`);
        patch(set, 'packets', { jump: { index: found.index, seq: (get().packets.jump?.seq ?? 0) + 1 } });
        return null;
      },
      clear: async () => {
        const result = await api.request('packets.clear', {});
        if (!result.ok) get().notices.error(result.error, 'Clearing the packets');
      },
    },
  };
};

function fromCheck(check: DisplayFilterCheck): DisplayFilterState {
  return check.valid
    ? { state: 'valid' }
    : { state: 'invalid', message: check.message, position: check.position };
}
