import os from 'node:os';
import type { Writable } from 'node:stream';
import { PcapngWriter } from '../pcapng-writer.js';
import { bytesIn, type NumberList, readBatch } from './batch-reader.js';
import type { PacketTable } from './packet-table.js';
import type { SpillFile } from './spill-file.js';
import type { StoreInterface } from './types.js';

/** Which packets to save: like Wireshark's "Export Specified Packets" (all, displayed, selected). */
export type ExportSelection = 'all' | 'displayed' | { selected: readonly number[] };

export interface ExportProgress {
  written: number;
  total: number;
}

export interface ExportOptions {
  /** shb_userappl of the file. */
  application?: string;
  onProgress?: (progress: ExportProgress) => void;
}

export interface ExportResult {
  packets: number;
  /** Packets asked for that the store no longer holds (dropped by the ring, or never existed). */
  missing: number;
}

export interface ExportSource {
  table: PacketTable;
  spill: SpillFile;
  interfaces: readonly StoreInterface[];
}

/**
 * Writes the listed packets as pcapng through the capture's own writer: every interface of the
 * store as an IDB (ids, names, descriptions, resolutions unchanged, so Wireshark names each pod),
 * EPBs with the original timestamps, lengths and direction flags. A stream destination is ended.
 */
export async function writePcapng(
  source: ExportSource,
  list: NumberList,
  destination: string | Writable,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const { table, spill, interfaces } = source;
  const toStream = typeof destination !== 'string';
  let failure: Error | undefined;
  const writer = new PcapngWriter({
    target: toStream ? '<stream>' : destination,
    ...(toStream && { openStream: () => destination }),
    section: { application: options.application ?? 'ClusterTap', os: `${os.type()} ${os.release()}` },
    statistics: () => [],
    onError: (error) => {
      failure ??= error;
    },
  });
  for (const iface of interfaces)
    writer.addInterface({
      linkType: iface.linkType,
      snapLength: iface.snapLength,
      name: iface.name,
      ...(iface.description && { description: iface.description }),
      tsResolution: iface.tsResolution,
    });
  let written = 0;
  let missing = 0;
  let index = 0;
  try {
    while (index < list.length && failure === undefined) {
      if (!table.has(list.at(index))) {
        missing++;
        index++;
        continue;
      }
      const { count, bytes, base } = await readBatch(table, spill, list, index);
      for (let k = index; k < index + count; k++) {
        const n = list.at(k);
        if (bytes === undefined || !table.has(n)) {
          missing++;
          continue;
        }
        const data = bytesIn(bytes, base, table, n);
        const flags = table.flags(n);
        writer.writePacket(
          table.interfaceId(n),
          table.tsHigh(n),
          table.tsLow(n),
          data,
          table.originalLength(n),
          flags,
        );
        written++;
      }
      index += count;
      // Wait for the OS instead of letting the writer drop: an export is not a live capture.
      await writer.whenWritable();
      options.onProgress?.({ written, total: list.length });
    }
  } catch (error) {
    failure ??= error as Error;
  }
  if (failure === undefined && writer.droppedPackets > 0)
    failure = new Error(`export dropped ${writer.droppedPackets} packets`);
  if (failure !== undefined) {
    // A half-written file is worse than none; a stream is the caller's to clean up.
    await (toStream ? writer.close() : writer.discard());
    throw failure;
  }
  await writer.close();
  if (failure !== undefined) throw failure;
  return { packets: written, missing };
}
