import { bytesIn, rangeList, readBatch } from './batch-reader.js';
import { DisplayIndex } from './display-index.js';
import type { PacketTable } from './packet-table.js';
import type { SpillFile } from './spill-file.js';
import type { Clock, DisplayPredicate, FilterProgress, PacketMeta, StoreInterface } from './types.js';

export interface FilterDeps {
  table: PacketTable;
  spill: SpillFile;
  interfaces: readonly StoreInterface[];
  clock: Clock;
  /** Longest stretch the filter runs before letting the event loop do other work. */
  sliceMs: number;
  /** Called after every slice, so the owner can tell subscribers (throttled there). */
  onProgress: () => void;
}

export interface FilterOutcome {
  displayedCount: number;
  /** True when another filter replaced this one before its first pass finished. */
  cancelled: boolean;
}

/** Packets examined between two looks at the clock. */
const CLOCK_EVERY = 256;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Keeps the display index of one predicate up to date: a first pass over every packet held, in
 * slices of `sliceMs` so the main process stays responsive, then the same loop picks up packets
 * as they arrive (kicked by the store, batched: never run per packet on the ingest path).
 */
export class DisplayFilter {
  readonly index = new DisplayIndex();
  /** First packet number not yet examined. */
  private nextNumber: number;
  private running = false;
  private scheduled = false;
  private stopped = false;
  private readonly meta: PacketMeta = {
    number: 0,
    interfaceId: 0,
    linkType: 0,
    tsHigh: 0,
    tsLow: 0,
    tsResolution: 0,
    capturedLength: 0,
    originalLength: 0,
    flags: 0,
  };
  private readonly firstPass: Promise<FilterOutcome>;
  private finishFirstPass!: (outcome: FilterOutcome) => void;
  /** Predicates that threw: counted as "not shown" instead of ending the pass. */
  errors = 0;

  constructor(
    private readonly deps: FilterDeps,
    private readonly predicate: DisplayPredicate,
  ) {
    this.nextNumber = deps.table.first;
    this.firstPass = new Promise((resolve) => {
      this.finishFirstPass = resolve;
    });
    this.kick();
  }

  /** Resolves when every packet held when the filter was set (and since) has been examined. */
  get done(): Promise<FilterOutcome> {
    return this.firstPass;
  }

  progress(): FilterProgress {
    const { table } = this.deps;
    const processed = Math.max(0, this.nextNumber - table.first);
    return { processed, total: table.count, done: this.nextNumber >= table.next };
  }

  /** New packets arrived: examine them soon (once per event-loop turn, however many arrived). */
  kick(): void {
    if (this.running || this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.running && !this.stopped) void this.run();
    });
  }

  /** A newer filter replaced this one. */
  stop(): void {
    this.stopped = true;
    this.finishFirstPass({ displayedCount: this.index.length, cancelled: true });
  }

  private async run(): Promise<void> {
    const { table, spill, clock, sliceMs } = this.deps;
    this.running = true;
    let sliceStart = clock.now();
    try {
      while (!this.stopped) {
        if (this.nextNumber < table.first) this.nextNumber = table.first;
        const end = table.next;
        if (this.nextNumber >= end) break;
        const list = rangeList(this.nextNumber, end);
        const { count, bytes, base } = await readBatch(table, spill, list, 0);
        for (let k = 0; k < count && !this.stopped; k++) {
          const n = list.at(k);
          if (bytes !== undefined && table.has(n)) this.examine(n, bytesIn(bytes, base, table, n));
          this.nextNumber = n + 1;
          if (k % CLOCK_EVERY === CLOCK_EVERY - 1 && clock.now() - sliceStart >= sliceMs) {
            this.deps.onProgress();
            await yieldToEventLoop();
            sliceStart = clock.now();
          }
        }
        this.deps.onProgress();
        if (clock.now() - sliceStart >= sliceMs) {
          await yieldToEventLoop();
          sliceStart = clock.now();
        }
      }
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    this.finishFirstPass({ displayedCount: this.index.length, cancelled: false });
    this.deps.onProgress();
    // Packets that arrived during the last await are picked up by the next kick.
    if (this.nextNumber < table.next) this.kick();
  }

  private examine(n: number, bytes: Uint8Array): void {
    const { table, interfaces } = this.deps;
    const meta = this.meta;
    const interfaceId = table.interfaceId(n);
    const iface = interfaces[interfaceId];
    meta.number = n;
    meta.interfaceId = interfaceId;
    meta.linkType = iface?.linkType ?? 0;
    meta.tsResolution = iface?.tsResolution ?? 6;
    meta.tsHigh = table.tsHigh(n);
    meta.tsLow = table.tsLow(n);
    meta.capturedLength = bytes.length;
    meta.originalLength = table.originalLength(n);
    meta.flags = table.flags(n);
    let shown: boolean;
    try {
      shown = this.predicate(n, bytes, meta);
    } catch {
      this.errors++;
      shown = false;
    }
    if (shown) this.index.push(n);
  }
}
