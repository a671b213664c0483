import { readU16 } from './ethernet.js';
import { type DecodeResult, truncated } from './result.js';

/**
 * Linux "cooked" capture headers, what tcpdump/libpcap produce on the `any` device.
 * SLL (LINKTYPE_LINUX_SLL, 113): 16 bytes, protocol at 14.
 * SLL2 (LINKTYPE_LINUX_SLL2, 276): 20 bytes, protocol at 0.
 */
export interface SllHeader {
  ethertype: number;
  /** 0 = to us, 4 = sent by us (see packet(7) PACKET_* types). */
  packetType: number;
  payloadOffset: number;
}

export function decodeSll(bytes: Uint8Array, offset = 0): DecodeResult<SllHeader> {
  const have = bytes.length - offset;
  if (have < 16) return truncated('sll', 16, have);
  return {
    ok: true,
    packetType: readU16(bytes, offset),
    ethertype: readU16(bytes, offset + 14),
    payloadOffset: offset + 16,
  };
}

export function decodeSll2(bytes: Uint8Array, offset = 0): DecodeResult<SllHeader> {
  const have = bytes.length - offset;
  if (have < 20) return truncated('sll2', 20, have);
  return {
    ok: true,
    ethertype: readU16(bytes, offset),
    packetType: bytes[offset + 10] as number,
    payloadOffset: offset + 20,
  };
}
