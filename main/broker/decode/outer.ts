import { ETHERTYPE } from './ethertype.js';
import { decodeGre, type GrePayloadKind } from './gre.js';
import { decodeIpv4, decodeIpv6, IPPROTO, type IpHeader } from './ip.js';
import { decodeLink } from './link-layer.js';
import type { DecodeFailure, DecodeResult } from './result.js';
import { decodeUdp } from './udp.js';
import { decodeVxlan } from './vxlan.js';

/**
 * Finds a tunnel inside a whole captured packet (from a capture file, or libpcap on `any` for GRE):
 * link layer → IPv4/IPv6 → UDP to a VXLAN port, or GRE.
 */
export type OuterPacket =
  | {
      ok: true;
      tunnel: 'vxlan' | 'gre';
      peer: Uint8Array;
      tunnelId: number | undefined;
      payloadKind: GrePayloadKind;
      payloadOffset: number;
      payloadEnd: number;
      /** GRE checksum verdict; undefined when there is none. */
      checksumValid?: boolean | undefined;
      /** Link-layer packet type where known (SLL): 4 means we sent it. */
      outgoing: boolean;
    }
  /** A well-formed packet that is not a tunnel we terminate. */
  | { ok: true; tunnel: 'none' };

export interface OuterOptions {
  vxlanPorts: ReadonlySet<number>;
  gre: boolean;
}

const NOT_A_TUNNEL = { ok: true, tunnel: 'none' } as const;
const SLL_OUTGOING = 4;

export function locateTunnel(
  linkType: number,
  bytes: Uint8Array,
  options: OuterOptions,
): OuterPacket | DecodeFailure {
  const link = decodeLink(linkType, bytes);
  if (link === undefined) return NOT_A_TUNNEL;
  if (!link.ok) return link;
  let ip: DecodeResult<IpHeader>;
  if (link.ethertype === ETHERTYPE.IPV4) ip = decodeIpv4(bytes, link.payloadOffset);
  else if (link.ethertype === ETHERTYPE.IPV6) ip = decodeIpv6(bytes, link.payloadOffset);
  else return NOT_A_TUNNEL;
  // Not-a-tunnel packets pass through untouched, so their malformations are not ours to count.
  if (!ip.ok || ip.fragmented) return NOT_A_TUNNEL;
  const outgoing = link.packetType === SLL_OUTGOING;

  if (ip.protocol === IPPROTO.UDP && options.vxlanPorts.size > 0) {
    const udp = decodeUdp(bytes, ip.payloadOffset, ip.payloadEnd);
    if (!udp.ok || !options.vxlanPorts.has(udp.destinationPort)) return NOT_A_TUNNEL;
    const vxlan = decodeVxlan(bytes.subarray(0, udp.payloadEnd), udp.payloadOffset);
    if (!vxlan.ok) return vxlan;
    return {
      ok: true,
      tunnel: 'vxlan',
      peer: ip.source,
      tunnelId: vxlan.vni,
      payloadKind: 'ethernet',
      payloadOffset: vxlan.payloadOffset,
      payloadEnd: udp.payloadEnd,
      outgoing,
    };
  }
  if (ip.protocol === IPPROTO.GRE && options.gre) {
    const gre = decodeGre(bytes.subarray(0, ip.payloadEnd), ip.payloadOffset);
    if (!gre.ok) return gre;
    return {
      ok: true,
      tunnel: 'gre',
      peer: ip.source,
      tunnelId: gre.key,
      checksumValid: gre.checksumValid,
      payloadKind: gre.payloadKind,
      payloadOffset: gre.payloadOffset,
      payloadEnd: ip.payloadEnd,
      outgoing,
    };
  }
  return NOT_A_TUNNEL;
}
