import fs from 'node:fs';
import os from 'node:os';
import type { Writable } from 'node:stream';
import { MAX_RECORD_LENGTH } from '../capture-record.js';
import { arrayList, type NumberList, rangeList } from './batch-reader.js';
import { DisplayFilter, type FilterOutcome } from './display-filter.js';
import { type LoadProgress, type LoadResult, loadCapture } from './load-capture.js';
import { PacketTable } from './packet-table.js';
import { epochNanos, plainSummary, storeInterface } from './row-fields.js';
import { RowReader } from './row-reader.js';
import { SpillFile } from './spill-file.js';
import { createStoreDirectory } from './store-dir.js';
import { type ExportOptions, type ExportResult, type ExportSelection, writePcapng } from './store-export.js';
import type {
  Clock,
  DisplayPredicate,
  PacketMeta,
  PacketRow,
  StoreInterface,
  StoreInterfaceInfo,
  StoreListener,
  StoreStats,
  Summarize,
  View,
} from './types.js';

export interface PacketStoreDeps {
  /** Where the store makes its own `clustertap-store-*` directory (default: the OS temp directory). */
  tempDirectory?: string;
  clock?: Clock;
  /** The dissector's summary line; without it rows show the link type and length. */
  summarize?: Summarize;
  /** Ring limits: beyond them the oldest packets are dropped (numbers are kept). */
  maxPackets?: number;
  maxSpillBytes?: number;
  /** Subscribers hear at most this often (default 50 ms). */
  notifyIntervalMs?: number;
  /** Longest a display-filter slice runs before yielding to the event loop (default 20 ms). */
  filterSliceMs?: number;
  /** Rows whose summary is kept (default 4096: a few screens up and down). */
  summaryCacheSize?: number;
  /** Spill tuning: segment file size, write buffer size, bytes allowed in memory before refusing. */
  segmentBytes?: number;
  bufferBytes?: number;
  maxBacklogBytes?: number;
}

export const DEFAULT_MAX_PACKETS = 5_000_000;
export const DEFAULT_MAX_SPILL_BYTES = 4 * 2 ** 30;
/** Most rows one rows() call returns: a screen is ~50, a generous prefetch a few hundred. */
export const MAX_ROWS = 1000;

const systemClock: Clock = { now: () => Date.now() };

/**
 * The packets the live view shows: metadata in typed arrays (30 B a packet), bytes in spill files,
 * summaries computed for the rows on screen, a display filter kept up to date incrementally.
 * It is a PacketSink (writePacket/interfaceInfo) and an InterfaceSink (addInterface), so the broker
 * writes into it the way it writes into the PcapngWriter.
 */
export class PacketStore {
  readonly directory: string;
  private readonly table = new PacketTable();
  private readonly spill: SpillFile;
  private readonly interfaces: StoreInterface[] = [];
  private readonly clock: Clock;
  private readonly maxPackets: number;
  private readonly maxSpillBytes: number;
  private readonly rowReader: RowReader;
  private readonly listeners = new Set<StoreListener>();
  private notifyTimer: NodeJS.Timeout | undefined;
  private lastNotify = Number.NEGATIVE_INFINITY;
  private filter: DisplayFilter | undefined;
  /** Timestamp of the first packet ever received, in nanoseconds: rows' relative time. */
  private reference: bigint | undefined;
  private droppedByLimit = 0;
  private droppedBacklog = 0;
  private closed = false;

  constructor(private readonly deps: PacketStoreDeps = {}) {
    this.clock = deps.clock ?? systemClock;
    this.maxPackets = Math.max(1, deps.maxPackets ?? DEFAULT_MAX_PACKETS);
    this.maxSpillBytes = deps.maxSpillBytes ?? DEFAULT_MAX_SPILL_BYTES;
    // At least a few segments within the spill limit, so the ring frees a small part of it at a time.
    const segmentBytes =
      deps.segmentBytes ??
      Math.min(64 << 20, Math.max(MAX_RECORD_LENGTH, Math.floor(this.maxSpillBytes / 8)));
    this.directory = createStoreDirectory(deps.tempDirectory ?? os.tmpdir());
    this.spill = new SpillFile({
      directory: this.directory,
      segmentBytes,
      bufferBytes: Math.min(deps.bufferBytes ?? 1 << 20, segmentBytes),
      maxBacklogBytes: deps.maxBacklogBytes ?? 64 << 20,
      onError: () => this.changed(),
    });
    this.rowReader = new RowReader({
      table: this.table,
      spill: this.spill,
      interfaces: this.interfaces,
      summarize: deps.summarize ?? plainSummary,
      cacheSize: Math.max(MAX_ROWS, deps.summaryCacheSize ?? 4096),
    });
  }

  /** A new store holding the packets of a pcap or pcapng file; progress while it streams in. */
  static async open(
    file: string,
    deps: PacketStoreDeps = {},
    onProgress?: (progress: LoadProgress) => void,
    /** What the user calls the file (an upload's original name); default its base name. */
    name?: string,
  ): Promise<{ store: PacketStore } & LoadResult> {
    const store = new PacketStore(deps);
    try {
      return { store, ...(await loadCapture(store, file, onProgress, name)) };
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  addInterface(info: StoreInterfaceInfo): number {
    if (this.interfaces.length > 0xffff) throw new RangeError('a store holds at most 65536 interfaces');
    const id = this.interfaces.length;
    this.interfaces.push(storeInterface(id, info));
    this.changed();
    return id;
  }

  interfaceInfo(id: number): StoreInterface | undefined {
    return this.interfaces[id];
  }

  get allInterfaces(): readonly StoreInterface[] {
    return this.interfaces;
  }

  /**
   * Stores one packet; returns its number (1-based, never reused), or 0 when refused: the store
   * is closed, or the disk is behind (counted in droppedBacklog). Bytes beyond 256 KiB are cut.
   */
  append(
    interfaceId: number,
    tsHigh: number,
    tsLow: number,
    data: Uint8Array,
    originalLength: number,
    flags: number,
  ): number {
    const iface = this.interfaces[interfaceId];
    if (iface === undefined) throw new RangeError(`interface ${interfaceId} was never added`);
    if (this.closed) return 0;
    const bytes = data.length > MAX_RECORD_LENGTH ? data.subarray(0, MAX_RECORD_LENGTH) : data;
    this.makeRoom(bytes.length);
    const offset = this.spill.append(bytes);
    if (offset < 0) {
      this.droppedBacklog++;
      this.changed();
      return 0;
    }
    this.reference ??= epochNanos(tsHigh, tsLow, iface.tsResolution);
    const n = this.table.push(
      interfaceId,
      tsHigh,
      tsLow,
      bytes.length,
      Math.max(originalLength, bytes.length),
      flags,
      offset,
    );
    this.filter?.kick();
    this.changed();
    return n;
  }

  /** PacketSink: the broker's call. `extraOptions` (the sampling note) is not kept per packet. */
  writePacket(
    interfaceId: number,
    tsHigh: number,
    tsLow: number,
    data: Uint8Array,
    originalLength: number,
    flags: number,
  ): boolean {
    return this.append(interfaceId, tsHigh, tsLow, data, originalLength, flags) !== 0;
  }

  /** Whether a packet of `length` bytes would be taken now: bulk loaders wait (whenWritable) when not. */
  hasRoom(length: number): boolean {
    return this.spill.hasRoom(Math.min(length, MAX_RECORD_LENGTH));
  }

  /** Resolves when the spill can take packets again (file loading waits here instead of dropping). */
  async whenWritable(): Promise<void> {
    await this.spill.whenWritable();
    if (this.closed || this.spill.error) throw this.spill.error ?? new Error('the packet store was closed');
  }

  /** Resolves once every packet appended so far is on disk (before measuring, or handing the spill on). */
  flush(): Promise<void> {
    return this.spill.drain();
  }

  /** The ring: drop the oldest packets until one more of `length` bytes fits in both limits. */
  private makeRoom(length: number): void {
    const { table, spill } = this;
    let first = table.first;
    if (table.count >= this.maxPackets) {
      // Drop a 256th of the limit at once, so the ring's bookkeeping is not paid on every packet.
      first = Math.max(first, table.next - this.maxPackets + Math.max(1, Math.floor(this.maxPackets / 256)));
    }
    while (spill.bytes + length > this.maxSpillBytes) {
      const end = spill.oldestSegmentEnd();
      if (end === undefined) break;
      first = Math.max(first, table.firstAtOrAfter(end));
      spill.dropBefore(end);
    }
    if (first === table.first) return;
    this.droppedByLimit += table.dropBefore(first);
    spill.dropBefore(table.count > 0 ? table.offset(table.first) : Number.POSITIVE_INFINITY);
    this.filter?.index.dropBefore(table.first);
  }

  /** Per-packet details for the detail pane; undefined when not held. */
  meta(n: number): PacketMeta | undefined {
    const { table } = this;
    if (!table.has(n)) return undefined;
    const iface = this.interfaces[table.interfaceId(n)] as StoreInterface;
    return {
      number: n,
      interfaceId: iface.id,
      linkType: iface.linkType,
      tsHigh: table.tsHigh(n),
      tsLow: table.tsLow(n),
      tsResolution: iface.tsResolution,
      capturedLength: table.capturedLength(n),
      originalLength: table.originalLength(n),
      flags: table.flags(n),
    };
  }

  /** The bytes of packet n (from the write buffer if not yet on disk); undefined when not held. */
  async readPacket(n: number): Promise<Uint8Array | undefined> {
    const { table } = this;
    if (!table.has(n)) return undefined;
    const bytes = await this.spill.read(table.offset(n), table.capturedLength(n));
    return table.has(n) ? bytes : undefined;
  }

  /** Rows [start, start + count) of a view, for a virtualized list; only these packets are read. */
  async rows(start: number, count: number, view: View = 'displayed'): Promise<PacketRow[]> {
    const numbers: number[] = [];
    for (let row = Math.max(0, start); row < start + Math.min(count, MAX_ROWS); row++) {
      const n = this.numberAt(row, view);
      if (n === undefined) break;
      numbers.push(n);
    }
    return this.rowReader.rows(numbers, this.reference);
  }

  /** The packet number on `row` of a view, or undefined past its end. */
  numberAt(row: number, view: View): number | undefined {
    if (view === 'displayed' && this.filter) return this.filter.index.at(row);
    const n = this.table.first + row;
    return row >= 0 && this.table.has(n) ? n : undefined;
  }

  /** The row of packet n in a view, -1 when the view does not show it ("go to packet"). */
  rowOf(n: number, view: View): number {
    if (!this.table.has(n)) return -1;
    if (view === 'displayed' && this.filter) return this.filter.index.rowOf(n);
    return n - this.table.first;
  }

  /**
   * Shows only the packets `predicate` accepts (undefined: all). Runs in slices in the background;
   * resolves after the first pass, `cancelled` when a newer filter replaced it before that.
   */
  setDisplayFilter(predicate: DisplayPredicate | undefined): Promise<FilterOutcome> {
    this.filter?.stop();
    this.filter = undefined;
    if (predicate === undefined || this.closed) {
      this.changed();
      return Promise.resolve({ displayedCount: this.table.count, cancelled: false });
    }
    this.filter = new DisplayFilter(
      {
        table: this.table,
        spill: this.spill,
        interfaces: this.interfaces,
        clock: this.clock,
        sliceMs: this.deps.filterSliceMs ?? 20,
        onProgress: () => this.changed(),
      },
      predicate,
    );
    this.changed();
    return this.filter.done;
  }

  /** Saves packets as pcapng (file path, or a stream the export ends). */
  export(
    which: ExportSelection,
    destination: string | Writable,
    options: ExportOptions = {},
  ): Promise<ExportResult> {
    return writePcapng(
      { table: this.table, spill: this.spill, interfaces: this.interfaces },
      this.exportList(which),
      destination,
      options,
    );
  }

  private exportList(which: ExportSelection): NumberList {
    if (which === 'all' || (which === 'displayed' && !this.filter))
      return rangeList(this.table.first, this.table.next);
    // A copy: the index moves while the export awaits the disk.
    if (which === 'displayed') return arrayList((this.filter as DisplayFilter).index.view().slice());
    const selected = [...new Set(which.selected)].sort((a, b) => a - b);
    return arrayList(selected);
  }

  /** Tells `listener` the counts, batched (at most every notifyIntervalMs); returns the unsubscribe. */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    this.changed();
    return () => {
      this.listeners.delete(listener);
    };
  }

  stats(): StoreStats {
    const { table } = this;
    return {
      count: table.count,
      displayedCount: this.filter ? this.filter.index.length : table.count,
      firstNumber: table.first,
      lastNumber: table.last,
      droppedByLimit: this.droppedByLimit,
      droppedBacklog: this.droppedBacklog,
      interfaces: this.interfaces.length,
      spillBytes: this.spill.bytes,
      metadataBytes: table.memoryBytes + (this.filter?.index.memoryBytes ?? 0),
      filter: this.filter?.progress(),
      ...(this.spill.error && { spillError: this.spill.error.message }),
    };
  }

  /** Something changed: notify subscribers once the interval since the last notification is over. */
  private changed(): void {
    if (this.notifyTimer !== undefined || this.listeners.size === 0 || this.closed) return;
    const interval = this.deps.notifyIntervalMs ?? 50;
    const wait = Math.max(0, this.lastNotify + interval - this.clock.now());
    this.notifyTimer = setTimeout(() => this.notify(), wait);
    this.notifyTimer.unref?.();
  }

  private notify(): void {
    this.notifyTimer = undefined;
    this.lastNotify = this.clock.now();
    const stats = this.stats();
    for (const listener of this.listeners) listener(stats);
  }

  /** Stops the filter, waits for writes in flight and removes the store's directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.notifyTimer);
    this.notifyTimer = undefined;
    this.filter?.stop();
    this.listeners.clear();
    await this.spill.close();
    await fs.promises.rm(this.directory, { recursive: true, force: true });
  }
}
