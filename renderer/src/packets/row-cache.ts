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
  /** How many rows were displayed when it was answered: a partial page is stale only past that. */
  asOf: number;
}

/**
 * The packet list's window onto the packet store, outside React: pages of displayed rows fetched
 * with packets.rows for the range the list shows, kept in a small LRU, dropped when the store
 * says they changed (display filter, ring limit, clear). Listeners hear when pages arrive; the
 * list then repaints from here. Indexes are display indexes (0-based), as packets.rows uses.
 *
 * Appended packets never change the rows already held, so a partial last page keeps serving its
 * rows while its fuller version is fetched. While the list follows the tail (`follow`), every
 * `grow` asks for the new tail's pages at once, before anything else: the list moves there only
 * when they have arrived and meanwhile keeps showing the rows it has.
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
  /** The displayed count the store last announced (grow/reset): where the tail is. */
  private tailEnd = 0;
  /** Rows kept loaded at the tail while the list follows it; null when it does not. */
  private tailRows: number | null = null;
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

  /** Whether every row of [start, end) is loaded (an empty range is). */
  has(start: number, end: number): boolean {
    if (end <= start) return true;
    const first = Math.floor(Math.max(0, start) / this.pageSize);
    const last = Math.floor((end - 1) / this.pageSize);
    for (let p = first; p <= last; p++) {
      const page = this.pages.get(p);
      if (!page) return false;
      if (page.rows.length < Math.min(end, (p + 1) * this.pageSize) - p * this.pageSize) return false;
    }
    return true;
  }

  /** The list follows the tail and shows its last `rows` rows (null: it stopped following). */
  follow(rows: number | null): void {
    if (this.tailRows === rows) return;
    this.tailRows = rows;
    this.pump();
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
    this.tailEnd = displayed;
    this.error = null;
    this.notify();
    this.pump();
  }

  /**
   * Packets were appended: only a partial last page is stale, and it keeps serving the rows it
   * has until its fuller version arrives. (Fewer rows than before is the store's reset, never a
   * grow; a row answer may already have told of more than `displayed`.)
   */
  grow(displayed: number): void {
    if (displayed < this.tailEnd) {
      this.reset(displayed);
      return;
    }
    this.tailEnd = displayed;
    if (displayed > this.displayedCount) this.displayedCount = displayed;
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

  /** A page to fetch: missing, or partial while more rows than it knew of are displayed now. */
  private needs(pageNumber: number): boolean {
    if (this.inflight.has(pageNumber)) return false;
    const page = this.pages.get(pageNumber);
    if (!page) return true;
    return (
      page.rows.length < this.pageSize &&
      pageNumber * this.pageSize + page.rows.length < this.displayedCount &&
      this.displayedCount > page.asOf
    );
  }

  private pump(): void {
    if (Date.now() < this.retryAt) return;
    const ranges: { first: number; last: number }[] = [];
    // The new tail first: the following list waits for it (and only for it).
    if (this.tailRows !== null && this.tailEnd > 0)
      ranges.push({
        first: Math.floor(Math.max(0, this.tailEnd - this.tailRows) / this.pageSize),
        last: Math.floor((this.tailEnd - 1) / this.pageSize),
      });
    if (this.wanted) ranges.push(this.wanted);
    for (const { first, last } of ranges)
      for (let p = first; p <= last; p++) {
        if (this.inflight.size >= this.concurrency) return;
        if (this.needs(p)) void this.load(p);
      }
  }

  private async load(pageNumber: number): Promise<void> {
    const generation = this.generation;
    this.inflight.add(pageNumber);
    const asked = this.displayedCount;
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
    this.pages.delete(pageNumber);
    this.pages.set(pageNumber, {
      rows: result.value.rows,
      asOf: Math.max(asked, result.value.displayed),
    });
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
