import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CaptureFileError, type CaptureRecord } from '../../../main/capture/capture-record.js';
import { enhancedPacketSize, writeEnhancedPacket } from '../../../main/capture/pcapng-blocks.js';
import { openCapture, type ReadProblems } from '../../../main/capture/read-capture.js';

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `clustertap-unit-${prefix}-`));
}

export interface PcapRecordSpec {
  seconds: number;
  /** Microseconds or nanoseconds, depending on the file's magic. */
  fraction: number;
  data: Uint8Array;
  originalLength?: number;
}

export interface PcapFileSpec {
  nano?: boolean;
  bigEndian?: boolean;
  linkType?: number;
  snapLength?: number;
  records: PcapRecordSpec[];
}

/** A classic libpcap file written field by field, as the format description lays it out. */
export function pcapFile(spec: PcapFileSpec): Buffer {
  const u32 = (value: number) => {
    const b = Buffer.alloc(4);
    if (spec.bigEndian) b.writeUInt32BE(value >>> 0);
    else b.writeUInt32LE(value >>> 0);
    return b;
  };
  const u16 = (value: number) => {
    const b = Buffer.alloc(2);
    if (spec.bigEndian) b.writeUInt16BE(value);
    else b.writeUInt16LE(value);
    return b;
  };
  const parts = [
    u32(spec.nano ? 0xa1b23c4d : 0xa1b2c3d4), // magic: µs or ns timestamps
    u16(2), // version major
    u16(4), // version minor
    u32(0), // thiszone
    u32(0), // sigfigs
    u32(spec.snapLength ?? 262144), // snaplen
    u32(spec.linkType ?? 1), // link type
  ];
  for (const record of spec.records) {
    parts.push(
      u32(record.seconds),
      u32(record.fraction),
      u32(record.data.length), // captured length
      u32(record.originalLength ?? record.data.length), // original length
      Buffer.from(record.data),
    );
  }
  return Buffer.concat(parts);
}

/** One Enhanced Packet Block, encoded by the writer's own hot-path encoder. */
export function epb(
  interfaceId: number,
  high: number,
  low: number,
  data: Uint8Array,
  originalLength = data.length,
  flags = 0,
): Buffer {
  const out = Buffer.alloc(enhancedPacketSize(data.length, flags !== 0));
  const end = writeEnhancedPacket(out, 0, interfaceId, high, low, data, originalLength, flags);
  if (end !== out.length) throw new Error(`EPB encoder wrote ${end} of ${out.length} bytes`);
  return out;
}

/** Bytes 0, 1, 2 … (mod 251): every packet distinguishable, no accidental all-zero frames. */
export function patternBytes(length: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i + seed * 7) % 251);
}

export interface ReadOutcome {
  format?: 'pcap' | 'pcapng';
  records: CaptureRecord[];
  problems: ReadProblems;
  bytesRead: number;
  size: number | undefined;
  /** Whatever openCapture or the record iterator threw. */
  error?: unknown;
}

/** Opens and reads a whole file, failing loudly rather than waiting forever if the reader hangs. */
export async function readAll(file: string, timeoutMs = 5000): Promise<ReadOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`reading ${file} did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([readAllUnbounded(file), hang]);
  } finally {
    clearTimeout(timer);
  }
}

async function readAllUnbounded(file: string): Promise<ReadOutcome> {
  const records: CaptureRecord[] = [];
  let capture: Awaited<ReturnType<typeof openCapture>>;
  try {
    capture = await openCapture(file);
  } catch (error) {
    return { records, problems: {}, bytesRead: 0, size: undefined, error };
  }
  try {
    for await (const record of capture.records) records.push(record);
  } catch (error) {
    return {
      format: capture.format,
      records,
      problems: capture.problems,
      bytesRead: capture.bytesRead(),
      size: capture.size,
      error,
    };
  } finally {
    await capture.close();
  }
  return {
    format: capture.format,
    records,
    problems: capture.problems,
    bytesRead: capture.bytesRead(),
    size: capture.size,
  };
}

/**
 * What the user may see from any file, however broken: a CaptureFileError with one line naming the
 * file, or records plus (when the file did not parse to its end) problems.corruptAt. Returns the
 * first violation, or undefined.
 */
export function readerContractViolation(
  file: string,
  outcome: ReadOutcome,
  fileSize: number,
): string | undefined {
  if (outcome.error !== undefined) {
    const error = outcome.error;
    if (!(error instanceof CaptureFileError)) return `threw ${String(error)} instead of a CaptureFileError`;
    if (error.message.includes('\n')) return `error message is not one line: ${error.message}`;
    // openCapture names the path it was given; the record readers name the file by its base name.
    if (!error.message.startsWith(`${file}: `) && !error.message.startsWith(`${path.basename(file)}: `))
      return `error message does not name the file: ${error.message}`;
    return undefined;
  }
  // Every record consumes at least 12 bytes of the file, so more records than that means a loop.
  if (outcome.records.length > fileSize / 12)
    return `${outcome.records.length} records from ${fileSize} bytes`;
  for (const record of outcome.records) {
    if (record.data.length > record.originalLength)
      return `captured ${record.data.length} > original ${record.originalLength}`;
    if (record.data.length > 256 * 1024) return `record of ${record.data.length} bytes`;
  }
  const corrupt = outcome.problems.corruptAt;
  if (corrupt === undefined && outcome.bytesRead !== fileSize)
    return `stopped at ${outcome.bytesRead} of ${fileSize} bytes without reporting corruption`;
  if (corrupt !== undefined && (corrupt.offset > fileSize || corrupt.reason === ''))
    return `corruptAt ${JSON.stringify(corrupt)} for a ${fileSize}-byte file`;
  return undefined;
}
