import type { ByteSource } from './byte-source.js';
import { CaptureFileError, type CaptureRecord, MAX_RECORD_LENGTH } from './capture-record.js';
import { TSRESOL_MICRO, TSRESOL_NANO } from './timestamp.js';

/** Classic libpcap format: 24-byte file header, then 16-byte record headers. */
export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;

export interface ReadProblems {
  /** Set when the file ends in the middle of a record or a length field is impossible. */
  corruptAt?: { offset: number; reason: string };
}

export async function* readPcap(
  source: ByteSource,
  name: string,
  problems: ReadProblems,
): AsyncGenerator<CaptureRecord> {
  const header = await source.need(24);
  if (header.length < 24)
    throw new CaptureFileError(`${name}: pcap file header is truncated (${header.length} of 24 bytes)`);
  const magicLE = header.readUInt32LE(0);
  const littleEndian = magicLE === PCAP_MAGIC_MICRO || magicLE === PCAP_MAGIC_NANO;
  const magic = littleEndian ? magicLE : header.readUInt32BE(0);
  const u32 = (buf: Buffer, at: number) => (littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const resolution = magic === PCAP_MAGIC_NANO ? TSRESOL_NANO : TSRESOL_MICRO;
  const unitsPerSecond = magic === PCAP_MAGIC_NANO ? 1_000_000_000n : 1_000_000n;
  const snapLength = u32(header, 16);
  const linkType = u32(header, 20) & 0x0fffffff; // upper bits carry FCS information
  source.advance(24);

  for (;;) {
    const recordHeader = await source.need(16);
    if (recordHeader.length === 0) return;
    if (recordHeader.length < 16) {
      problems.corruptAt = { offset: source.consumed, reason: 'file ends inside a record header' };
      return;
    }
    const seconds = u32(recordHeader, 0);
    const fraction = u32(recordHeader, 4);
    const captured = u32(recordHeader, 8);
    const original = u32(recordHeader, 12);
    if (captured > MAX_RECORD_LENGTH) {
      problems.corruptAt = { offset: source.consumed, reason: `record length ${captured} is impossible` };
      return;
    }
    const record = await source.need(16 + captured);
    if (record.length < 16 + captured) {
      problems.corruptAt = { offset: source.consumed, reason: 'file ends inside a packet' };
      return;
    }
    // BigInt: nanoseconds since 1970 exceed 2^53, where doubles start losing units.
    const units = BigInt(seconds) * unitsPerSecond + BigInt(fraction);
    yield {
      interfaceIndex: 0,
      interfaceName: name,
      linkType,
      snapLength,
      timestamp: { high: Number(units >> 32n), low: Number(units & 0xffffffffn), resolution },
      data: Uint8Array.prototype.slice.call(record, 16, 16 + captured),
      originalLength: Math.max(original, captured),
      flags: 0,
    };
    source.advance(16 + captured);
  }
}
