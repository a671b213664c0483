import { ETHERTYPE } from './ethertype.js';
import { badFlags, type DecodeResult, hex16, truncated, unknown } from './result.js';

/**
 * GRE header (RFC 2784, keys and sequence numbers from RFC 2890):
 *
 *  |C|R|K|S|s|Recur|  Flags  | Ver |         Protocol Type         |
 *  |      Checksum (optional)      |       Reserved1 (optional)    |
 *  |                         Key (optional)                        |
 *  |                 Sequence Number (optional)                    |
 */
const FLAG_CHECKSUM = 0x8000;
const FLAG_KEY = 0x2000;
const FLAG_SEQUENCE = 0x1000;
/**
 * RFC 2784 §2.3: a receiver MUST discard packets with any of bits 1-5 set (RFC 1701's routing,
 * strict source route and the top recursion bit; K and S are RFC 2890's), and MUST ignore 6-12.
 */
const FLAGS_MUST_BE_ZERO = 0x4000 | 0x0800 | 0x0400;
const VERSION_MASK = 0x0007;

/** What the GRE packet carries, which decides the pcapng link type of its interface. */
export type GrePayloadKind = 'ethernet' | 'ipv4' | 'ipv6';

export interface GreHeader {
  protocol: number;
  payloadKind: GrePayloadKind;
  key: number | undefined;
  sequence: number | undefined;
  /** undefined when the packet carries no checksum. */
  checksumValid: boolean | undefined;
  payloadOffset: number;
}

export function decodeGre(bytes: Uint8Array, offset = 0): DecodeResult<GreHeader> {
  const have = bytes.length - offset;
  if (have < 4) return truncated('gre', 4, have);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, have);
  const flags = view.getUint16(0);
  if ((flags & VERSION_MASK) !== 0) return badFlags('gre', `version ${flags & VERSION_MASK} (only 0 is GRE)`);
  if ((flags & FLAGS_MUST_BE_ZERO) !== 0) return badFlags('gre', `reserved flag bits set (${hex16(flags)})`);

  const hasChecksum = (flags & FLAG_CHECKSUM) !== 0;
  const hasKey = (flags & FLAG_KEY) !== 0;
  const hasSequence = (flags & FLAG_SEQUENCE) !== 0;
  const headerLength = 4 + (hasChecksum ? 4 : 0) + (hasKey ? 4 : 0) + (hasSequence ? 4 : 0);
  if (have < headerLength) return truncated('gre', headerLength, have);

  const protocol = view.getUint16(2);
  const payloadKind = payloadKindOf(protocol);
  if (payloadKind === undefined) return unknown('gre', `protocol type ${hex16(protocol)}`);

  let cursor = 4;
  let checksumValid: boolean | undefined;
  if (hasChecksum) {
    checksumValid = internetChecksum(bytes, offset, have) === 0;
    cursor += 4;
  }
  const key = hasKey ? view.getUint32(cursor) : undefined;
  if (hasKey) cursor += 4;
  const sequence = hasSequence ? view.getUint32(cursor) : undefined;
  return {
    ok: true,
    protocol,
    payloadKind,
    key,
    sequence,
    checksumValid,
    payloadOffset: offset + headerLength,
  };
}

function payloadKindOf(protocol: number): GrePayloadKind | undefined {
  if (protocol === ETHERTYPE.TEB) return 'ethernet';
  if (protocol === ETHERTYPE.IPV4) return 'ipv4';
  if (protocol === ETHERTYPE.IPV6) return 'ipv6';
  return undefined;
}

/** RFC 1071 one's-complement sum; 0 when a buffer that includes its checksum is intact. */
export function internetChecksum(bytes: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  const end = offset + length;
  let i = offset;
  for (; i + 1 < end; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (i < end) sum += (bytes[i] as number) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
