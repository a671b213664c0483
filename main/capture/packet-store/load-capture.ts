import { openCapture, type ReadProblems } from '../read-capture.js';
import type { StoreInterfaceInfo } from './types.js';

/** What loading needs of a store (the PacketStore, without importing it: no module cycle). */
export interface LoadTarget {
  addInterface(info: StoreInterfaceInfo): number;
  append(
    interfaceId: number,
    tsHigh: number,
    tsLow: number,
    data: Uint8Array,
    originalLength: number,
    flags: number,
  ): number;
  hasRoom(length: number): boolean;
  /** Resolves when the spill has room again; rejects when the store cannot take packets any more. */
  whenWritable(): Promise<void>;
}

export interface LoadProgress {
  packets: number;
  bytesRead: number;
  /** File size, undefined for stdin. */
  size: number | undefined;
}

export interface LoadResult {
  format: 'pcap' | 'pcapng';
  packets: number;
  /** Set when the file is damaged part way: everything before the damage was loaded. */
  problems: ReadProblems;
}

const PROGRESS_EVERY_MS = 100;

/**
 * Streams a pcap or pcapng file into a store: one store interface per file interface (per
 * section), timestamps in the file's own units. Waits for the spill rather than dropping.
 */
export async function loadCapture(
  target: LoadTarget,
  file: string,
  onProgress?: (progress: LoadProgress) => void,
  name?: string,
): Promise<LoadResult> {
  const capture = await openCapture(file, name);
  const ids = new Map<string, number>();
  let packets = 0;
  let lastProgress = 0;
  const progress = () => onProgress?.({ packets, bytesRead: capture.bytesRead(), size: capture.size });
  try {
    for await (const record of capture.records) {
      const { timestamp } = record;
      const key = `${record.interfaceIndex}|${record.interfaceName}|${record.linkType}|${timestamp.resolution}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = target.addInterface({
          name: record.interfaceName,
          ...(record.interfaceDescription !== undefined && { description: record.interfaceDescription }),
          linkType: record.linkType,
          tsResolution: timestamp.resolution,
          snapLength: record.snapLength,
        });
        ids.set(key, id);
      }
      // Wait for the disk before appending, so nothing is refused (and counted as dropped).
      if (!target.hasRoom(record.data.length)) await target.whenWritable();
      const { high, low } = timestamp;
      if (target.append(id, high, low, record.data, record.originalLength, record.flags) === 0)
        throw new Error(`${file}: the packet store refused packet ${packets + 1}`);
      packets++;
      if (onProgress && (packets & 1023) === 0 && Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        progress();
      }
    }
  } finally {
    await capture.close();
  }
  progress();
  return { format: capture.format, packets, problems: capture.problems };
}
