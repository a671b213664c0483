import path from 'node:path';
import { ByteSource } from './byte-source.js';
import { CaptureFileError, type CaptureRecord } from './capture-record.js';
import { PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO, type ReadProblems, readPcap } from './pcap-reader.js';
import { BLOCK, BYTE_ORDER_MAGIC } from './pcapng-blocks.js';
import { readPcapng } from './pcapng-reader.js';

export type { ReadProblems } from './pcap-reader.js';

export interface OpenedCapture {
  format: 'pcap' | 'pcapng';
  /** File size in bytes when known (not for stdin), for progress. */
  size: number | undefined;
  bytesRead: () => number;
  records: AsyncGenerator<CaptureRecord>;
  problems: ReadProblems;
  close: () => Promise<void>;
}

/** Opens a pcap or pcapng file ('-' for stdin), telling the formats apart by their magic number. */
export async function openCapture(file: string): Promise<OpenedCapture> {
  let source: ByteSource;
  try {
    source = await ByteSource.open(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new CaptureFileError(`${file}: cannot open (${why})`);
  }
  const head = await source.need(4);
  if (head.length < 4) {
    await source.close();
    throw new CaptureFileError(`${file}: too short to be a pcap or pcapng file (${head.length} bytes)`);
  }
  // Headers are checked now, so a file that cannot be read at all fails before any output exists.
  const header = await source.need(28);
  const pcapng = head.readUInt32LE(0) === BLOCK.SECTION_HEADER;
  const magic = header.subarray(8, 12);
  if (pcapng && (header.length < 28 || ![BYTE_ORDER_MAGIC, 0x4d3c2b1a].includes(magic.readUInt32LE(0)))) {
    await source.close();
    throw new CaptureFileError(
      `${file}: not a readable pcapng file (section header is truncated or damaged)`,
    );
  }
  if (!pcapng && header.length < 24) {
    await source.close();
    throw new CaptureFileError(`${file}: pcap file header is truncated (${header.length} of 24 bytes)`);
  }
  const problems: ReadProblems = {};
  const base = { size: source.size, bytesRead: () => source.consumed, problems, close: () => source.close() };
  if (pcapng) return { ...base, format: 'pcapng', records: readPcapng(source, displayName(file), problems) };
  const magics = [head.readUInt32LE(0), head.readUInt32BE(0)];
  if (magics.includes(PCAP_MAGIC_MICRO) || magics.includes(PCAP_MAGIC_NANO))
    return { ...base, format: 'pcap', records: readPcap(source, displayName(file), problems) };
  await source.close();
  throw new CaptureFileError(
    `${file}: not a pcap or pcapng file (starts with 0x${head.subarray(0, 4).toString('hex')})`,
  );
}

/** Interfaces read from a file without a name of their own are named after the file. */
function displayName(file: string): string {
  return file === '-' ? 'stdin' : path.basename(file);
}
