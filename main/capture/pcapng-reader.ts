import type { ByteSource } from './byte-source.js';
import { CaptureFileError, type CaptureRecord, MAX_RECORD_LENGTH } from './capture-record.js';
import type { ReadProblems } from './pcap-reader.js';
import { BLOCK, BYTE_ORDER_MAGIC } from './pcapng-blocks.js';
import { TSRESOL_MICRO } from './timestamp.js';

interface InputInterface {
  linkType: number;
  snapLength: number;
  name: string;
  description?: string;
  tsResolution: number;
}

/** Blocks larger than this are a corrupt length field, not data. */
const MAX_BLOCK_LENGTH = MAX_RECORD_LENGTH + 64 * 1024;

/**
 * pcapng reader: every section (each with its own byte order), IDB options if_name,
 * if_description and if_tsresol, EPB (with epb_flags) and SPB. Other blocks are skipped.
 */
export async function* readPcapng(
  source: ByteSource,
  name: string,
  problems: ReadProblems,
): AsyncGenerator<CaptureRecord> {
  let littleEndian = true;
  let interfaces: InputInterface[] = [];
  let first = true;
  for (;;) {
    const head = await source.need(12);
    if (head.length === 0) return;
    const corrupt = (reason: string) => {
      if (first) throw new CaptureFileError(`${name}: not a readable pcapng file (${reason})`);
      problems.corruptAt = { offset: source.consumed, reason };
    };
    if (head.length < 12) return corrupt('file ends inside a block header');
    const type = head.readUInt32LE(0);
    if (type === BLOCK.SECTION_HEADER) {
      const magic = head.readUInt32LE(8);
      if (magic === BYTE_ORDER_MAGIC) littleEndian = true;
      else if (head.readUInt32BE(8) === BYTE_ORDER_MAGIC) littleEndian = false;
      else return corrupt('bad byte-order magic in section header');
      interfaces = [];
    } else if (first) {
      return corrupt('does not start with a section header block');
    }
    const u32 = (buf: Buffer, at: number) => (littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
    const u16 = (buf: Buffer, at: number) => (littleEndian ? buf.readUInt16LE(at) : buf.readUInt16BE(at));
    const blockType = u32(head, 0);
    const length = u32(head, 4);
    if (length < 12 || length % 4 !== 0 || length > MAX_BLOCK_LENGTH)
      return corrupt(`block length ${length} is impossible`);
    const blockBytes = await source.need(length);
    if (blockBytes.length < length) return corrupt('file ends inside a block');
    const block = blockBytes.subarray(0, length);
    if (u32(block, length - 4) !== length) return corrupt('block trailer length does not match its header');
    first = false;

    if (blockType === BLOCK.INTERFACE_DESCRIPTION) {
      if (length < 20) return corrupt('interface description block too short');
      const info: InputInterface = {
        linkType: u16(block, 8),
        snapLength: u32(block, 12),
        name: `${name}#${interfaces.length}`,
        tsResolution: TSRESOL_MICRO,
      };
      for (const option of options(block, 16, length - 4, u16)) {
        if (option.code === 2) info.name = option.value.toString('utf8');
        else if (option.code === 3) info.description = option.value.toString('utf8');
        else if (option.code === 9 && option.value.length >= 1) info.tsResolution = option.value[0] as number;
      }
      interfaces.push(info);
    } else if (blockType === BLOCK.ENHANCED_PACKET) {
      if (length < 32) return corrupt('enhanced packet block too short');
      const interfaceIndex = u32(block, 8);
      const captured = u32(block, 20);
      const dataEnd = 28 + captured;
      const info = interfaces[interfaceIndex];
      if (!info) return corrupt(`packet names interface ${interfaceIndex}, which was never described`);
      if (dataEnd > length - 4) return corrupt(`captured length ${captured} exceeds its block`);
      let flags = 0;
      for (const option of options(block, (dataEnd + 3) & ~3, length - 4, u16))
        if (option.code === 2 && option.value.length === 4) flags = u32(option.value, 0);
      yield {
        interfaceIndex,
        interfaceName: info.name,
        ...(info.description !== undefined && { interfaceDescription: info.description }),
        linkType: info.linkType,
        snapLength: info.snapLength,
        timestamp: { high: u32(block, 12), low: u32(block, 16), resolution: info.tsResolution },
        data: Uint8Array.prototype.slice.call(block, 28, dataEnd),
        originalLength: Math.max(u32(block, 24), captured),
        flags,
      };
    } else if (blockType === BLOCK.SIMPLE_PACKET) {
      const info = interfaces[0];
      if (!info) return corrupt('simple packet block before any interface');
      if (length < 16) return corrupt('simple packet block too short');
      const original = u32(block, 8);
      const captured = Math.min(original, length - 16, info.snapLength || Number.MAX_SAFE_INTEGER);
      yield {
        interfaceIndex: 0,
        interfaceName: info.name,
        linkType: info.linkType,
        snapLength: info.snapLength,
        timestamp: { high: 0, low: 0, resolution: info.tsResolution },
        data: Uint8Array.prototype.slice.call(block, 12, 12 + captured),
        originalLength: original,
        flags: 0,
      };
    }
    source.advance(length);
  }
}

function* options(
  block: Buffer,
  start: number,
  end: number,
  u16: (buf: Buffer, at: number) => number,
): Generator<{ code: number; value: Buffer }> {
  let at = start;
  while (at + 4 <= end) {
    const code = u16(block, at);
    const length = u16(block, at + 2);
    if (code === 0 || at + 4 + length > end) return;
    yield { code, value: block.subarray(at + 4, at + 4 + length) };
    at += 4 + ((length + 3) & ~3);
  }
}
