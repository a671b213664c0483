import { arrayList, bytesIn, readBatch } from './batch-reader.js';
import type { PacketTable } from './packet-table.js';
import { epochNanos, plainSummary, rowTime } from './row-fields.js';
import type { SpillFile } from './spill-file.js';
import { SummaryCache } from './summary-cache.js';
import type { PacketRow, PacketSummary, StoreInterface, Summarize } from './types.js';

export interface RowReaderDeps {
  table: PacketTable;
  spill: SpillFile;
  interfaces: readonly StoreInterface[];
  summarize: Summarize;
  /** Summaries kept; at least the most rows one call returns, so a call never evicts its own rows. */
  cacheSize: number;
}

/** Builds packet-list rows: reads the bytes of rows whose summary is not cached, and only those. */
export class RowReader {
  private readonly summaries: SummaryCache;

  constructor(private readonly deps: RowReaderDeps) {
    this.summaries = new SummaryCache(deps.cacheSize);
  }

  /** Rows of `numbers` (ascending) still held; `reference` is time zero (ns since the epoch). */
  async rows(numbers: number[], reference: bigint | undefined): Promise<PacketRow[]> {
    await this.summarizeAll(numbers.filter((n) => this.summaries.get(n) === undefined));
    const rows: PacketRow[] = [];
    for (const n of numbers) {
      const summary = this.summaries.get(n);
      if (summary !== undefined && this.deps.table.has(n)) rows.push(this.row(n, summary, reference));
    }
    return rows;
  }

  private async summarizeAll(numbers: number[]): Promise<void> {
    const { table, spill, interfaces } = this.deps;
    const list = arrayList(numbers);
    let index = 0;
    while (index < list.length) {
      if (!table.has(list.at(index))) {
        index++;
        continue;
      }
      const { count, bytes, base } = await readBatch(table, spill, list, index);
      for (let k = index; k < index + count; k++) {
        const n = list.at(k);
        if (bytes === undefined || !table.has(n)) continue;
        const linkType = (interfaces[table.interfaceId(n)] as StoreInterface).linkType;
        this.summaries.set(
          n,
          this.summary(linkType, bytesIn(bytes, base, table, n), table.originalLength(n)),
        );
      }
      index += count;
    }
  }

  private summary(linkType: number, bytes: Uint8Array, length: number): PacketSummary {
    try {
      return this.deps.summarize(linkType, bytes, length);
    } catch (error) {
      // A dissector bug shows on its row instead of blanking the list.
      return {
        ...plainSummary(linkType, bytes, length),
        info: `summary failed: ${(error as Error).message}`,
      };
    }
  }

  private row(n: number, summary: PacketSummary, reference: bigint | undefined): PacketRow {
    const { table, interfaces } = this.deps;
    const iface = interfaces[table.interfaceId(n)] as StoreInterface;
    const nanos = epochNanos(table.tsHigh(n), table.tsLow(n), iface.tsResolution);
    return {
      number: n,
      time: rowTime(nanos, reference ?? nanos),
      interface: iface,
      length: table.originalLength(n),
      capturedLength: table.capturedLength(n),
      flags: table.flags(n),
      summary,
    };
  }
}
