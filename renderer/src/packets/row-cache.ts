import type { Result } from '../api/contract.js';
import type { PacketRow } from '../api/dto.js';

export type FetchRows = (
  start: number,
  count: number,
) => Promise<Result<{ rows: PacketRow[]; displayed: number }>>;

export interface RowCacheOptions {
  /** Rows per packets.rows request (the contract allows up to 2000). */
  pageSize?: number;
  /** Pages kept; the least recently used go first. */
  maxPages?: number;
  /** Requests in flight at once; what scrolled away meanwhile is not fetched at all. */
  concurrency?: number;
}

interface Page {
  rows: PacketRow[];
}

/**
 * The packet list's window onto the packet store, outside React: pages of displayed rows fetched
 * with packets.rows for the range the list shows, kept in a small LRU, dropped when the store
 * says they changed (display filter, ring limit, clear). Listeners hear when pages arrive; the
 * list then repaints from here. Indexes are display indexes (0-based), as packets.rows uses.
 */
export class RowCache {
  readonly pageSize: number;
  private readonly maxPages: number;
  private readonly concurrency: number;
  private readonly pages = new Map<number, Page>();
  private readonly inflight = new Set<number>();
  private readonly listeners = new Set<() => void>();
  /** Bumped by every invalidation; answers to older requests are thrown away. */
  private generation = 0;
  private wanted: { first: number; last: number } | null = null;
  private displayedCount = 0;
  /** The last failure's sentence (shown in the list), null when fetching works. */
  error: string | null = null;
  /** After a failure, no request before this time (a broken core is not asked 60 times a second). */
  private retryAt = 0;

  constructor(
    private readonly fetch: FetchRows,
    options: RowCacheOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 100;
    this.maxPages = options.maxPages ?? 200;
    this.concurrency = options.concurrency ?? 3;
  }

  get displayed(): number {
    return this.displayedCount;
  }

  row(index: number): PacketRow | undefined {
    const page = this.pages.get(Math.floor(index / this.pageSize));
    return page?.rows[index % this.pageSize];
  }

  /** The list shows rows [start, end): fetch what is missing there (and only there). */
  want(start: number, end: number): void {
    const last = Math.min(end, this.displayedCount) - 1;
    if (last < start) {
      this.wanted = null;
      return;
    }
    this.wanted = { first: Math.floor(start / this.pageSize), last: Math.floor(last / this.pageSize) };
    // Touch what is visible so the LRU keeps it.
    for (let p = this.wanted.first; p <= this.wanted.last; p++) {
      const page = this.pages.get(p);
      if (page) {
        this.pages.delete(p);
        this.pages.set(p, page);
      }
    }
    this.pump();
  }

  /** Everything changed (display filter, ring limit dropped packets, cleared, opened a file). */
  reset(displayed: number): void {
    this.generation++;
    this.pages.clear();
    this.inflight.clear();
    this.displayedCount = displayed;
    this.error = null;
    this.notify();
  }

  /** Packets were appended: only a partial last page is stale. */
  grow(displayed: number): void {
    if (displayed < this.displayedCount) {
      this.reset(displayed);
      return;
    }
    this.displayedCount = displayed;
    for (const [number, page] of this.pages)
      if (page.rows.length < this.pageSize && number * this.pageSize + page.rows.length < displayed)
        this.pages.delete(number);
    this.pump();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private pump(): void {
    if (!this.wanted) return;
    if (Date.now() < this.retryAt) return;
    for (let p = this.wanted.first; p <= this.wanted.last; p++) {
      if (this.inflight.size >= this.concurrency) return;
      if (this.pages.has(p) || this.inflight.has(p)) continue;
      void this.load(p);
    }
  }

  private async load(pageNumber: number): Promise<void> {
    const generation = this.generation;
    this.inflight.add(pageNumber);
    const result = await this.fetch(pageNumber * this.pageSize, this.pageSize);
    if (generation !== this.generation) return;
    this.inflight.delete(pageNumber);
    if (!result.ok) {
      this.error = result.error.message;
      this.retryAt = Date.now() + 1000;
      this.notify();
      return;
    }
    this.error = null;
    this.pages.set(pageNumber, { rows: result.value.rows });
    while (this.pages.size > this.maxPages) {
      const oldest = this.pages.keys().next().value;
      if (oldest === undefined) break;
      this.pages.delete(oldest);
    }
    // The store may have grown since the last packets.changed; never shrink on a row answer.
    if (result.value.displayed > this.displayedCount) this.displayedCount = result.value.displayed;
    this.notify();
    this.pump();
  }
}
