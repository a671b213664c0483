import { readU16 } from './ethernet.js';
import { badFlags, type DecodeResult, truncated } from './result.js';

export const IPPROTO = { ICMP: 1, TCP: 6, UDP: 17, GRE: 47, ICMPV6: 58 } as const;

export interface IpHeader {
  version: 4 | 6;
  protocol: number;
  /** Source and destination addresses as raw bytes (4 or 16). */
  source: Uint8Array;
  destination: Uint8Array;
  /** A non-first fragment carries no transport header; a first fragment an incomplete payload. */
  fragmented: boolean;
  payloadOffset: number;
  /** End of the IP payload per the length field (trailing Ethernet padding excluded). */
  payloadEnd: number;
}

export function decodeIpv4(bytes: Uint8Array, offset = 0): DecodeResult<IpHeader> {
  const have = bytes.length - offset;
  if (have < 20) return truncated('ipv4', 20, have);
  const versionIhl = bytes[offset] as number;
  if (versionIhl >> 4 !== 4) return badFlags('ipv4', `version ${versionIhl >> 4}`);
  const headerLength = (versionIhl & 0x0f) * 4;
  if (headerLength < 20) return badFlags('ipv4', `header length ${headerLength}`);
  const totalLength = readU16(bytes, offset + 2);
  if (totalLength < headerLength)
    return badFlags('ipv4', `total length ${totalLength} < header ${headerLength}`);
  if (have < totalLength) return truncated('ipv4', totalLength, have);
  const fragmentField = readU16(bytes, offset + 6);
  return {
    ok: true,
    version: 4,
    protocol: bytes[offset + 9] as number,
    source: bytes.subarray(offset + 12, offset + 16),
    destination: bytes.subarray(offset + 16, offset + 20),
    fragmented: (fragmentField & 0x3fff) !== 0,
    payloadOffset: offset + headerLength,
    payloadEnd: offset + totalLength,
  };
}

/** Extension headers that share the generic (next header, length in 8-octet units) layout. */
const GENERIC_EXTENSIONS = new Set([0, 43, 60]);
const FRAGMENT_HEADER = 44;

export function decodeIpv6(bytes: Uint8Array, offset = 0): DecodeResult<IpHeader> {
  const have = bytes.length - offset;
  if (have < 40) return truncated('ipv6', 40, have);
  if ((bytes[offset] as number) >> 4 !== 6)
    return badFlags('ipv6', `version ${(bytes[offset] as number) >> 4}`);
  const payloadEnd = offset + 40 + readU16(bytes, offset + 4);
  if (bytes.length < payloadEnd) return truncated('ipv6', payloadEnd - offset, have);
  let next = bytes[offset + 6] as number;
  let cursor = offset + 40;
  let fragmented = false;
  while (GENERIC_EXTENSIONS.has(next) || next === FRAGMENT_HEADER) {
    if (payloadEnd < cursor + 8) return truncated('ipv6', cursor + 8 - offset, payloadEnd - offset);
    if (next === FRAGMENT_HEADER) {
      // An atomic fragment (offset 0, no more fragments) is a whole packet (RFC 6946).
      if ((readU16(bytes, cursor + 2) & 0xfff9) !== 0) fragmented = true;
      next = bytes[cursor] as number;
      cursor += 8;
    } else {
      const length = ((bytes[cursor + 1] as number) + 1) * 8;
      next = bytes[cursor] as number;
      cursor += length;
    }
  }
  if (payloadEnd < cursor) return truncated('ipv6', cursor - offset, payloadEnd - offset);
  return {
    ok: true,
    version: 6,
    protocol: next,
    source: bytes.subarray(offset + 8, offset + 24),
    destination: bytes.subarray(offset + 24, offset + 40),
    fragmented,
    payloadOffset: cursor,
    payloadEnd,
  };
}
