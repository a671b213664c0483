import path from 'node:path';
import { ByteSource } from './byte-source.js';
import { CaptureFileError, type CaptureRecord } from './capture-record.js';
import { PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO, type ReadProblems, readPcap } from './pcap-reader.js';
import { BLOCK, BYTE_ORDER_MAGIC } from './pcapng-blocks.js';

const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

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

/**
 * Opens a pcap or pcapng file ('-' for stdin), telling the formats apart by their magic number.
 * `name` is what the user calls the file (an upload's original name), used where the file names
 * nothing itself (a pcap's one interface) and in messages; default: the file's base name.
 */
export async function openCapture(file: string, name?: string): Promise<OpenedCapture> {
  let source: ByteSource;
  try {
    source = await ByteSource.open(file);
  } catch (error) {
    throw new CaptureFileError(`${name ?? file}: cannot open (${reasonOf(error)})`);
  }
  try {
    return await identify(name ?? file, source, name ?? displayName(file));
  } catch (error) {
    await source.close();
    if (error instanceof CaptureFileError) throw error;
    throw new CaptureFileError(`${name ?? file}: cannot read (${reasonOf(error)})`);
  }
}

/**
 * Checks the file header now, so a file that cannot be read at all fails before any output exists.
 * `file` names it in messages; `name` is the interface name a pcap gets.
 */
async function identify(file: string, source: ByteSource, name: string): Promise<OpenedCapture> {
  const header = await source.need(28);
  if (header.length < 4)
    throw new CaptureFileError(`${file}: too short to be a pcap or pcapng file (${header.length} bytes)`);
  const problems: ReadProblems = {};
  const base = { size: source.size, bytesRead: () => source.consumed, problems, close: () => source.close() };
  if (header.readUInt32LE(0) === BLOCK.SECTION_HEADER) {
    const byteOrder = header.length >= 12 ? header.readUInt32LE(8) : 0;
    if (header.length < 28 || (byteOrder !== BYTE_ORDER_MAGIC && byteOrder !== BYTE_ORDER_MAGIC_SWAPPED))
      throw new CaptureFileError(
        `${file}: not a readable pcapng file (section header is truncated or damaged)`,
      );
    return { ...base, format: 'pcapng', records: readPcapng(source, name, problems) };
  }
  const magics = [header.readUInt32LE(0), header.readUInt32BE(0)];
  if (!magics.includes(PCAP_MAGIC_MICRO) && !magics.includes(PCAP_MAGIC_NANO))
    throw new CaptureFileError(
      `${file}: not a pcap or pcapng file (starts with 0x${header.subarray(0, 4).toString('hex')})`,
    );
  if (header.length < 24)
    throw new CaptureFileError(`${file}: pcap file header is truncated (${header.length} of 24 bytes)`);
  return { ...base, format: 'pcap', records: readPcap(source, name, problems) };
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message ?? String(error);
}

/** Interfaces read from a file without a name of their own are named after the file. */
function displayName(file: string): string {
  return file === '-' ? 'stdin' : path.basename(file);
}
