import type { DisplayFilterCheck, PacketStats } from '../api/dto.js';
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
    /** Packet numbers marked for "save selected" (Ctrl+M, Ctrl+click). */
    marked: ReadonlySet<number>;
    /** The list follows new packets until the user scrolls or moves up. */
    following: boolean;
    /** A request to the list to select and show a display index (Go to packet); seq makes each new. */
    jump: { index: number; seq: number } | null;
    load(): Promise<void>;
    receive(stats: PacketStats): void;
    setFilterText(text: string): void;
    applyFilter(): Promise<void>;
    select(index: number, number: number): void;
    toggleMark(number: number): void;
    setFollowing(following: boolean): void;
    /** Go to packet `number`; answers why it could not, or null. */
    goTo(number: number): Promise<string | null>;
    clear(): Promise<void>;
  };
}

const CHECK_DELAY_MS = 120;

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
  return {
    packets: {
      stats: null,
      unavailable: null,
      filterText: '',
      filterCheck: { state: 'empty' },
      selected: null,
      marked: new Set(),
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
        if (needsReset(before, stats)) rows.reset(stats.displayed);
        else rows.grow(stats.displayed);
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
          ...(emptied && { selected: null, marked: new Set<number>() }),
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
      select: (index, number) => patch(set, 'packets', { selected: { index, number } }),
      toggleMark: (number) => {
        const marked = new Set(get().packets.marked);
        if (!marked.delete(number)) marked.add(number);
        patch(set, 'packets', { marked });
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
