/**
 * pcapng block encoders (draft-ietf-opsawg-pcapng). Blocks are written in host byte order
 * (little-endian here); the Section Header's byte-order magic tells readers which.
 */
export const BLOCK = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  OBSOLETE_PACKET: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  INTERFACE_STATISTICS: 0x00000005,
  ENHANCED_PACKET: 0x00000006,
} as const;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_HARDWARE = 2;
const SHB_OS = 3;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const EPB_FLAGS = 2;
const ISB_STARTTIME = 2;
const ISB_ENDTIME = 3;
const ISB_IFRECV = 4;
const ISB_IFDROP = 5;
const ISB_OSDROP = 7;
const ISB_USRDELIV = 8;

/** EPB flags bits 0-1 (pcapng §4.3.1). */
export const DIRECTION_FLAG = { unknown: 0, inbound: 1, outbound: 2 } as const;
export type Direction = keyof typeof DIRECTION_FLAG;

type Option = { code: number; value: Buffer };

const pad4 = (n: number) => (n + 3) & ~3;

function stringOption(code: number, text: string): Option {
  return { code, value: Buffer.from(text, 'utf8') };
}

function u64Option(code: number, value: bigint | number): Option {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(BigInt(value));
  return { code, value: buf };
}

function timestampOption(code: number, high: number, low: number): Option {
  const buf = Buffer.alloc(8);
  buf.writeUInt32LE(high >>> 0, 0);
  buf.writeUInt32LE(low >>> 0, 4);
  return { code, value: buf };
}

function encodeOptions(options: Option[]): Buffer {
  if (options.length === 0) return Buffer.alloc(0);
  const size = options.reduce((sum, o) => sum + 4 + pad4(o.value.length), 4);
  const buf = Buffer.alloc(size);
  let at = 0;
  for (const option of options) {
    buf.writeUInt16LE(option.code, at);
    buf.writeUInt16LE(option.value.length, at + 2);
    option.value.copy(buf, at + 4);
    at += 4 + pad4(option.value.length);
  }
  buf.writeUInt16LE(OPT_ENDOFOPT, at);
  return buf;
}

function block(type: number, body: Buffer, options: Option[]): Buffer {
  const opts = encodeOptions(options);
  const total = 12 + body.length + opts.length;
  const buf = Buffer.alloc(total);
  buf.writeUInt32LE(type, 0);
  buf.writeUInt32LE(total, 4);
  body.copy(buf, 8);
  opts.copy(buf, 8 + body.length);
  buf.writeUInt32LE(total, total - 4);
  return buf;
}

export interface SectionInfo {
  application: string;
  os?: string;
  hardware?: string;
  comment?: string;
}

export function encodeSectionHeader(info: SectionInfo): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  body.writeUInt16LE(1, 4);
  body.writeUInt16LE(0, 6);
  body.writeBigInt64LE(-1n, 8); // section length not known while streaming
  const options = [stringOption(SHB_USERAPPL, info.application)];
  if (info.os) options.push(stringOption(SHB_OS, info.os));
  if (info.hardware) options.push(stringOption(SHB_HARDWARE, info.hardware));
  if (info.comment) options.push(stringOption(OPT_COMMENT, info.comment));
  return block(BLOCK.SECTION_HEADER, body, options);
}

export interface InterfaceInfo {
  linkType: number;
  snapLength: number;
  name: string;
  description?: string;
  /** if_tsresol byte; 6 (microseconds) is the pcapng default and is then omitted. */
  tsResolution: number;
}

export function encodeInterfaceDescription(info: InterfaceInfo): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16LE(info.linkType, 0);
  body.writeUInt32LE(info.snapLength, 4);
  const options = [stringOption(IF_NAME, info.name)];
  if (info.description) options.push(stringOption(IF_DESCRIPTION, info.description));
  if (info.tsResolution !== 6) options.push({ code: IF_TSRESOL, value: Buffer.from([info.tsResolution]) });
  return block(BLOCK.INTERFACE_DESCRIPTION, body, options);
}

export interface InterfaceStatistics {
  interfaceId: number;
  high: number;
  low: number;
  startHigh?: number;
  startLow?: number;
  received: number;
  dropped: number;
  osDropped?: number;
  delivered: number;
  comment?: string;
}

export function encodeInterfaceStatistics(stats: InterfaceStatistics): Buffer {
  const body = Buffer.alloc(12);
  body.writeUInt32LE(stats.interfaceId, 0);
  body.writeUInt32LE(stats.high >>> 0, 4);
  body.writeUInt32LE(stats.low >>> 0, 8);
  const options: Option[] = [];
  if (stats.startHigh !== undefined && stats.startLow !== undefined)
    options.push(timestampOption(ISB_STARTTIME, stats.startHigh, stats.startLow));
  options.push(timestampOption(ISB_ENDTIME, stats.high, stats.low));
  options.push(u64Option(ISB_IFRECV, stats.received));
  options.push(u64Option(ISB_IFDROP, stats.dropped));
  if (stats.osDropped !== undefined) options.push(u64Option(ISB_OSDROP, stats.osDropped));
  options.push(u64Option(ISB_USRDELIV, stats.delivered));
  if (stats.comment) options.push(stringOption(OPT_COMMENT, stats.comment));
  return block(BLOCK.INTERFACE_STATISTICS, body, options);
}

/** Bytes an Enhanced Packet Block needs for `capturedLength` bytes of packet data. */
export function enhancedPacketSize(
  capturedLength: number,
  withFlags: boolean,
  extraOptionsLength = 0,
): number {
  const options = (withFlags ? 8 : 0) + extraOptionsLength;
  return 32 + pad4(capturedLength) + (options > 0 ? options + 4 : 0);
}

/** An opt_comment option, encoded once and appended to many EPBs (e.g. "sampled every 1:10"). */
export function encodeCommentOption(text: string): Uint8Array {
  return encodeOptions([stringOption(OPT_COMMENT, text)]).subarray(0, -4); // without opt_endofopt
}

/**
 * Writes one EPB into `out` at `at` (the caller reserved enhancedPacketSize bytes) and returns
 * the offset after it. This is the hot path: no allocation, one copy of the packet bytes, and
 * header fields through a DataView (Buffer#writeUInt32LE's argument checks cost 12 % here).
 * A caller writing many packets into one buffer passes that buffer's view.
 */
export function writeEnhancedPacket(
  out: Uint8Array,
  at: number,
  interfaceId: number,
  tsHigh: number,
  tsLow: number,
  data: Uint8Array,
  originalLength: number,
  flags: number,
  view = new DataView(out.buffer, out.byteOffset, out.byteLength),
  extraOptions?: Uint8Array,
): number {
  const captured = data.length;
  const total = enhancedPacketSize(captured, flags !== 0, extraOptions?.length ?? 0);
  view.setUint32(at, BLOCK.ENHANCED_PACKET, true);
  view.setUint32(at + 4, total, true);
  view.setUint32(at + 8, interfaceId, true);
  view.setUint32(at + 12, tsHigh, true);
  view.setUint32(at + 16, tsLow, true);
  view.setUint32(at + 20, captured, true);
  view.setUint32(at + 24, originalLength, true);
  out.set(data, at + 28);
  let cursor = at + 28 + captured;
  const padded = at + 28 + pad4(captured);
  while (cursor < padded) out[cursor++] = 0;
  if (extraOptions !== undefined && extraOptions.length > 0) {
    out.set(extraOptions, cursor);
    cursor += extraOptions.length;
  }
  if (flags !== 0) {
    view.setUint16(cursor, EPB_FLAGS, true);
    view.setUint16(cursor + 2, 4, true);
    view.setUint32(cursor + 4, flags, true);
    cursor += 8;
  }
  if (cursor !== at + 28 + pad4(captured)) {
    view.setUint32(cursor, OPT_ENDOFOPT, true);
    cursor += 4;
  }
  view.setUint32(cursor, total, true);
  return cursor + 4;
}
