import { readU16 } from './ethernet.js';
import { badFlags, type DecodeResult, truncated } from './result.js';

export interface UdpHeader {
  sourcePort: number;
  destinationPort: number;
  payloadOffset: number;
  payloadEnd: number;
}

/** `end` is where the enclosing IP payload ends, so trailing link padding is not taken as data. */
export function decodeUdp(bytes: Uint8Array, offset: number, end = bytes.length): DecodeResult<UdpHeader> {
  const have = end - offset;
  if (have < 8) return truncated('udp', 8, have);
  const length = readU16(bytes, offset + 4);
  if (length < 8) return badFlags('udp', `length ${length} < 8`);
  if (have < length) return truncated('udp', length, have);
  return {
    ok: true,
    sourcePort: readU16(bytes, offset),
    destinationPort: readU16(bytes, offset + 2),
    payloadOffset: offset + 8,
    payloadEnd: offset + length,
  };
}
