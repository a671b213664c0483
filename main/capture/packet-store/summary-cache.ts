import type { PacketSummary } from './types.js';

/**
 * Summaries of recently shown rows, least recently used evicted first. Summaries are computed when
 * a row is shown, not at ingest: the list shows ~50 rows of a million, so dissecting every packet
 * at 100k packets/s (and keeping five strings per packet) would spend CPU and memory on rows
 * nobody looks at. Scrolling back over the same rows hits this cache instead of the spill.
 */
export class SummaryCache {
  private readonly entries = new Map<number, PacketSummary>();

  constructor(private readonly capacity: number) {}

  get(number: number): PacketSummary | undefined {
    const found = this.entries.get(number);
    if (found !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      this.entries.delete(number);
      this.entries.set(number, found);
    }
    return found;
  }

  set(number: number, summary: PacketSummary): void {
    this.entries.delete(number);
    this.entries.set(number, summary);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
