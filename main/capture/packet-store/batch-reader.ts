import type { PacketTable } from './packet-table.js';
import type { SpillFile } from './spill-file.js';

/** Bytes one batch reads at most: large enough for sequential disk reads, small enough for memory. */
export const BATCH_BYTES = 4 << 20;
/** Packets further apart than this on disk are read separately rather than reading what lies between. */
const MAX_GAP = 64 << 10;

/** Packet numbers in ascending order, read by position (a range, the display index, a selection). */
export interface NumberList {
  length: number;
  at(index: number): number;
}

export function rangeList(first: number, end: number): NumberList {
  return { length: Math.max(0, end - first), at: (index) => first + index };
}

export function arrayList(numbers: ArrayLike<number>): NumberList {
  return { length: numbers.length, at: (index) => numbers[index] as number };
}

export interface Batch {
  /** How many entries of the list (from the requested index on) this batch covers. */
  count: number;
  /** The bytes from `base` on; undefined when the ring dropped them while they were being read. */
  bytes: Uint8Array | undefined;
  base: number;
}

/**
 * Reads the bytes of list entries from `from` on, as many as fit in one read: packets close
 * together in the spill, in one segment file or one in-memory buffer. The entry at `from` must be
 * held by the table; after the await, the caller checks `table.has(n)` again (the ring moves on).
 */
export async function readBatch(
  table: PacketTable,
  spill: SpillFile,
  list: NumberList,
  from: number,
  maxBytes = BATCH_BYTES,
): Promise<Batch> {
  const first = list.at(from);
  const start = table.offset(first);
  const regionEnd = spill.regionEnd(start);
  let end = start + table.capturedLength(first);
  let index = from + 1;
  for (; index < list.length; index++) {
    const n = list.at(index);
    const offset = table.offset(n);
    const packetEnd = offset + table.capturedLength(n);
    if (offset - end > MAX_GAP || packetEnd > regionEnd || packetEnd - start > maxBytes) break;
    end = Math.max(end, packetEnd);
  }
  return { count: index - from, bytes: await spill.read(start, end - start), base: start };
}

/** The bytes of packet `n` within a batch's bytes (read from `base` on). */
export function bytesIn(bytes: Uint8Array, base: number, table: PacketTable, n: number): Uint8Array {
  const at = table.offset(n) - base;
  return bytes.subarray(at, at + table.capturedLength(n));
}
