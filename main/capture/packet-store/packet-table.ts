/**
 * Per-packet metadata in columns of typed arrays, 30 bytes a packet, in chunks of 32768 packets:
 * a chunk is allocated when the first packet lands in it and freed when the ring has dropped its
 * last packet. No object per packet, so a million packets are 30 MB the GC never has to walk.
 */
const CHUNK_BITS = 15;
export const CHUNK_PACKETS = 1 << CHUNK_BITS;
const SLOT_MASK = CHUNK_PACKETS - 1;

/** Bytes of metadata one packet costs in a full chunk. */
export const BYTES_PER_PACKET = 8 + 4 * 5 + 2;

class Chunk {
  /** Where the bytes start in the spill (a global offset across segment files, up to 2^53). */
  readonly offset = new Float64Array(CHUNK_PACKETS);
  readonly tsHigh = new Uint32Array(CHUNK_PACKETS);
  readonly tsLow = new Uint32Array(CHUNK_PACKETS);
  readonly capturedLength = new Uint32Array(CHUNK_PACKETS);
  readonly originalLength = new Uint32Array(CHUNK_PACKETS);
  /** epb_flags: direction bits, reception type, link-layer errors. */
  readonly flags = new Uint32Array(CHUNK_PACKETS);
  /** Interfaces are the tapped pod interfaces of a session: 65536 is far beyond any session. */
  readonly interfaceId = new Uint16Array(CHUNK_PACKETS);
}

/** Packets are numbered from 1 like Wireshark's frame.number; numbers are never reused. */
export class PacketTable {
  private chunks: Chunk[] = [];
  /** Index (packet number - 1 >> CHUNK_BITS) of chunks[0]. */
  private firstChunk = 0;
  /** Number of the oldest packet held; equals `next` when empty. */
  first = 1;
  /** Number the next packet will get. */
  next = 1;

  get count(): number {
    return this.next - this.first;
  }

  get last(): number {
    return this.next - 1;
  }

  has(n: number): boolean {
    return n >= this.first && n < this.next;
  }

  push(
    interfaceId: number,
    tsHigh: number,
    tsLow: number,
    capturedLength: number,
    originalLength: number,
    flags: number,
    offset: number,
  ): number {
    const n = this.next;
    const index = n - 1;
    const slot = index & SLOT_MASK;
    if (slot === 0) this.chunks.push(new Chunk());
    const chunk = this.chunks[this.chunks.length - 1] as Chunk;
    chunk.offset[slot] = offset;
    chunk.tsHigh[slot] = tsHigh;
    chunk.tsLow[slot] = tsLow;
    chunk.capturedLength[slot] = capturedLength;
    chunk.originalLength[slot] = originalLength;
    chunk.flags[slot] = flags;
    chunk.interfaceId[slot] = interfaceId;
    this.next = n + 1;
    return n;
  }

  /** The chunk holding packet n; callers check has(n) first. */
  private chunk(n: number): Chunk {
    return this.chunks[((n - 1) >>> CHUNK_BITS) - this.firstChunk] as Chunk;
  }

  offset(n: number): number {
    return this.chunk(n).offset[(n - 1) & SLOT_MASK] as number;
  }
  tsHigh(n: number): number {
    return this.chunk(n).tsHigh[(n - 1) & SLOT_MASK] as number;
  }
  tsLow(n: number): number {
    return this.chunk(n).tsLow[(n - 1) & SLOT_MASK] as number;
  }
  capturedLength(n: number): number {
    return this.chunk(n).capturedLength[(n - 1) & SLOT_MASK] as number;
  }
  originalLength(n: number): number {
    return this.chunk(n).originalLength[(n - 1) & SLOT_MASK] as number;
  }
  flags(n: number): number {
    return this.chunk(n).flags[(n - 1) & SLOT_MASK] as number;
  }
  interfaceId(n: number): number {
    return this.chunk(n).interfaceId[(n - 1) & SLOT_MASK] as number;
  }

  /** Forgets every packet before `n` (the ring); frees chunks with nothing left in them. */
  dropBefore(n: number): number {
    const target = Math.min(Math.max(n, this.first), this.next);
    const dropped = target - this.first;
    this.first = target;
    // The chunk of `target` stays (when everything was dropped, that is where the next packet goes).
    const free = ((target - 1) >>> CHUNK_BITS) - this.firstChunk;
    if (free > 0) {
      this.chunks.splice(0, free);
      this.firstChunk += free;
    }
    return dropped;
  }

  /** First packet whose bytes start at or after `offset` (offsets grow with packet numbers). */
  firstAtOrAfter(offset: number): number {
    let lo = this.first;
    let hi = this.next;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offset(mid) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get memoryBytes(): number {
    return this.chunks.length * CHUNK_PACKETS * BYTES_PER_PACKET;
  }
}
