import { decodeEthernet } from '../../../main/broker/decode/ethernet.js';
import { decodeGre } from '../../../main/broker/decode/gre.js';
import { decodeIpv4, decodeIpv6 } from '../../../main/broker/decode/ip.js';
import { decodeSll, decodeSll2 } from '../../../main/broker/decode/linux-sll.js';
import type { DecodeResult } from '../../../main/broker/decode/result.js';
import { decodeUdp } from '../../../main/broker/decode/udp.js';
import { decodeVxlan } from '../../../main/broker/decode/vxlan.js';
import { concat, hex } from '../../fixtures/hex.js';
import {
  ETHERNET_QINQ_HEADER,
  ethernetHeader,
  GRE_CSUM_KEY_SEQ_TEB,
  GRE_KEY_TEB,
  INNER_FRAME,
  IPV4_VXLAN,
  IPV4_WITH_OPTIONS,
  IPV6_EXTENSIONS_UDP,
  IPV6_GRE,
  sll2Header,
  sllHeader,
  UDP_TO_VXLAN,
  VXLAN_HEADER,
} from '../../fixtures/packets.js';

/** What the contract needs from any decoder's success value. */
export type Decoded = DecodeResult<{ payloadOffset: number; payloadEnd?: number }>;

export interface DecoderCase {
  /** "decoder: fixture" */
  name: string;
  decode: (bytes: Uint8Array, offset: number) => Decoded;
  valid: Uint8Array;
  /** Shorter prefixes of `valid` must be reported truncated; this long or longer must decode. */
  minLength: number;
}

export const DECODER_CASES: DecoderCase[] = [
  {
    name: 'vxlan: header + inner frame',
    decode: decodeVxlan,
    valid: concat(VXLAN_HEADER, INNER_FRAME),
    minLength: 8,
  },
  {
    name: 'gre: base header, TEB',
    decode: decodeGre,
    valid: concat(hex('00 00 65 58'), INNER_FRAME),
    minLength: 4,
  },
  { name: 'gre: key, TEB', decode: decodeGre, valid: concat(GRE_KEY_TEB, INNER_FRAME), minLength: 8 },
  { name: 'gre: checksum + key + sequence', decode: decodeGre, valid: GRE_CSUM_KEY_SEQ_TEB, minLength: 16 },
  {
    name: 'ethernet: untagged',
    decode: decodeEthernet,
    valid: concat(ethernetHeader('ipv4'), IPV4_VXLAN),
    minLength: 14,
  },
  {
    name: 'ethernet: QinQ',
    decode: decodeEthernet,
    valid: concat(ETHERNET_QINQ_HEADER, IPV4_VXLAN),
    minLength: 22,
  },
  { name: 'ipv4: UDP', decode: decodeIpv4, valid: IPV4_VXLAN, minLength: 54 },
  { name: 'ipv4: options', decode: decodeIpv4, valid: IPV4_WITH_OPTIONS, minLength: 28 },
  { name: 'ipv6: GRE', decode: decodeIpv6, valid: IPV6_GRE, minLength: 66 },
  {
    name: 'ipv6: extension headers + fragment',
    decode: decodeIpv6,
    valid: IPV6_EXTENSIONS_UDP,
    minLength: 96,
  },
  {
    name: 'udp: VXLAN datagram',
    decode: (bytes, offset) => decodeUdp(bytes, offset),
    valid: concat(UDP_TO_VXLAN, VXLAN_HEADER, INNER_FRAME),
    minLength: 34,
  },
  { name: 'sll', decode: decodeSll, valid: concat(sllHeader('host', 'ipv4'), IPV4_VXLAN), minLength: 16 },
  {
    name: 'sll2',
    decode: decodeSll2,
    valid: concat(sll2Header('outgoing', 'ipv6'), IPV6_GRE),
    minLength: 20,
  },
];

export const FAILURE_REASONS = ['truncated', 'bad-flags', 'unknown'];

/** Checks the shape every result must have; returns a message describing the first violation. */
export function contractViolation(result: Decoded, bytes: Uint8Array, offset: number): string | undefined {
  if (!result.ok) {
    if (!FAILURE_REASONS.includes(result.reason)) return `unexpected reason ${String(result.reason)}`;
    if (typeof result.layer !== 'string' || result.layer === '') return 'failure without a layer';
    if (result.reason === 'truncated' && !(result.need > result.have))
      return `truncated but need ${result.need} ≤ have ${result.have}`;
    return undefined;
  }
  const end = result.payloadEnd ?? bytes.length;
  if (!Number.isInteger(result.payloadOffset))
    return `payloadOffset ${result.payloadOffset} is not an integer`;
  if (result.payloadOffset < offset)
    return `payloadOffset ${result.payloadOffset} before the decode offset ${offset}`;
  if (result.payloadOffset > end) return `payloadOffset ${result.payloadOffset} after payloadEnd ${end}`;
  if (end > bytes.length) return `payloadEnd ${end} beyond the buffer (${bytes.length} bytes)`;
  return undefined;
}

/** A result with byte views turned into arrays and offsets moved by -shift, for comparison. */
export function normalised(result: Decoded, shift = 0): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result)) {
    if (value instanceof Uint8Array) out[key] = [...value];
    else if (result.ok && (key === 'payloadOffset' || key === 'payloadEnd'))
      out[key] = (value as number) - shift;
    else out[key] = value;
  }
  return out;
}
