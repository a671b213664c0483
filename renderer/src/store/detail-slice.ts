import type { PacketDetail } from '../api/dto.js';
import {
  decodeBase64,
  deepestFieldAt,
  expansionKey,
  type FieldPath,
  findByKey,
  nodeAt,
} from '../detail/tree-ops.js';
import { patch, type SliceCreator } from './types.js';

export interface LoadedDetail extends PacketDetail {
  data: Uint8Array;
}

/** The selected packet's protocol tree and bytes, and the field selected in them. */
export interface DetailSlice {
  detail: {
    number: number | null;
    loading: boolean;
    packet: LoadedDetail | null;
    error: string | null;
    field: FieldPath | null;
    /** Expanded subtrees by expansion key; kept across packets like Wireshark does. */
    expanded: ReadonlySet<string>;
    load(number: number): Promise<void>;
    close(): void;
    selectField(path: FieldPath | null): void;
    selectByte(offset: number): void;
    setExpanded(path: FieldPath, open: boolean): void;
  };
}

export const createDetailSlice: SliceCreator<DetailSlice> = (set, get, { api }) => ({
  detail: {
    number: null,
    loading: false,
    packet: null,
    error: null,
    field: null,
    expanded: new Set(),
    load: async (number) => {
      patch(set, 'detail', { number, loading: true, error: null });
      const result = await api.request('packets.detail', { number });
      // Arrow keys move faster than answers come: only the packet still selected counts.
      if (get().detail.number !== number) return;
      if (!result.ok) {
        patch(set, 'detail', { loading: false, packet: null, field: null, error: result.error.message });
        return;
      }
      const { detail } = get();
      const previous = detail.packet && detail.field ? expansionKey(detail.packet.tree, detail.field) : null;
      const packet: LoadedDetail = { ...result.value, data: decodeBase64(result.value.bytes) };
      // Keep the same field selected in the next packet when it has one (tcp.seq stays tcp.seq).
      const field = previous ? findByKey(packet.tree, previous) : null;
      patch(set, 'detail', { loading: false, packet, field });
    },
    close: () =>
      patch(set, 'detail', { number: null, packet: null, field: null, error: null, loading: false }),
    selectField: (field) => patch(set, 'detail', { field }),
    selectByte: (offset) => {
      const packet = get().detail.packet;
      if (!packet) return;
      const field = deepestFieldAt(packet.tree, offset);
      if (!field) return;
      // Open the field's ancestors so the tree shows what the hex pane selected.
      const expanded = new Set(get().detail.expanded);
      for (let depth = 1; depth < field.length; depth++)
        expanded.add(expansionKey(packet.tree, field.slice(0, depth)));
      patch(set, 'detail', { field, expanded });
    },
    setExpanded: (path, open) => {
      const packet = get().detail.packet;
      if (!packet || !nodeAt(packet.tree, path)) return;
      const expanded = new Set(get().detail.expanded);
      const key = expansionKey(packet.tree, path);
      if (open) expanded.add(key);
      else expanded.delete(key);
      patch(set, 'detail', { expanded });
    },
  },
});
