/**
 * Frame bytes → layers: the link layer the capture's link type names, then EtherTypes, IP
 * protocols and ports, as far as the bytes go. Pure, allocation-light (one small object per
 * layer), and never throws: a layer that ends early carries its problem and nothing follows it.
 */

import { ETHERTYPE } from '../broker/decode/ethertype.js';
import { LINKTYPE } from '../capture/linktype.js';
import { parseArp } from './arp.js';
import { read16 } from './bytes.js';
import { DNS_PORTS, MDNS_PORT, parseDns } from './dns.js';
import { isLengthField, parseEthernet } from './ethernet.js';
import { looksLikeHttp, parseHttp } from './http.js';
import { parseIcmp } from './icmp.js';
import { parseIcmpv6 } from './icmpv6.js';
import { parseIpv4 } from './ipv4.js';
import { NO_NEXT_HEADER, parseIpv6 } from './ipv6.js';
import { parseSll } from './linux-sll.js';
import { parseTcp } from './tcp.js';
import { shortfall } from './tree.js';
import type { Layer, ParsedPacket } from './types.js';
import { parseUdp } from './udp.js';
import { parseVlan, VLAN_TPIDS } from './vlan.js';

const IP_PROTOCOL = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;
/** Tags followed before the rest is left as data (802.1Q stacks are 1–2 deep in practice). */
const MAX_VLAN_TAGS = 8;

/**
 * `originalLength` is the length on the wire (pcap's orig_len); bytes beyond the captured ones
 * make a layer "truncated" rather than "malformed".
 */
export function parsePacket(linkType: number, bytes: Uint8Array, originalLength: number): ParsedPacket {
  const wireLength = Math.max(originalLength, bytes.length);
  const packet: ParsedPacket = {
    linkType,
    bytes,
    wireLength: originalLength,
    layers: [
      {
        kind: 'frame',
        offset: 0,
        limit: bytes.length,
        problem: undefined,
        inner: false,
        wireLength: originalLength,
      },
    ],
  };
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      const eth = push(packet, parseEthernet(bytes, wireLength));
      if (eth.problem) break;
      if (isLengthField(eth.type)) data(packet, 14, wireLength);
      else afterEthertype(packet, eth.type, 14, wireLength);
      break;
    }
    case LINKTYPE.LINUX_SLL:
    case LINKTYPE.LINUX_SLL2: {
      const sll = push(packet, parseSll(bytes, wireLength, linkType === LINKTYPE.LINUX_SLL ? 1 : 2));
      if (!sll.problem) afterEthertype(packet, sll.protocol, sll.payloadOffset, wireLength);
      break;
    }
    case LINKTYPE.RAW: {
      const version = bytes.length > 0 ? (bytes[0] as number) >> 4 : -1;
      if (version === 4) afterEthertype(packet, ETHERTYPE.IPV4, 0, wireLength);
      else if (version === 6) afterEthertype(packet, ETHERTYPE.IPV6, 0, wireLength);
      else data(packet, 0, wireLength);
      break;
    }
    case LINKTYPE.IPV4:
      afterEthertype(packet, ETHERTYPE.IPV4, 0, wireLength);
      break;
    case LINKTYPE.IPV6:
      afterEthertype(packet, ETHERTYPE.IPV6, 0, wireLength);
      break;
    default:
      data(packet, 0, wireLength);
  }
  return packet;
}

function push<L extends Layer>(packet: ParsedPacket, layer: L): L {
  packet.layers.push(layer);
  return layer;
}

/** Bytes nothing decodes: Wireshark's "data" protocol. */
function data(packet: ParsedPacket, offset: number, end: number): void {
  const limit = Math.min(end, packet.bytes.length);
  if (offset >= limit) return;
  // Data the capture cut short is reported as truncated, as Wireshark's data dissector does
  // (data running past the end of a first fragment is not: it just ends there).
  const cut = packet.bytes.length < packet.wireLength;
  const problem = cut ? shortfall('Data', offset, end - offset, end, packet.bytes.length) : undefined;
  push(packet, { kind: 'data', offset, limit, problem, inner: false });
}

function afterEthertype(packet: ParsedPacket, type: number, offset: number, end: number): void {
  const { bytes } = packet;
  let at = offset;
  let next = type;
  for (let tags = 0; VLAN_TPIDS.has(next) && tags < MAX_VLAN_TAGS; tags++) {
    const tag = push(packet, parseVlan(bytes, at, end, next));
    if (tag.problem) return;
    next = tag.etype;
    at = tag.payloadOffset;
  }
  if (next === ETHERTYPE.IPV4) {
    const ip = push(packet, parseIpv4(bytes, at, end));
    if (ip.problem) return;
    if (ip.fragmentOffset > 0) data(packet, ip.payloadOffset, ip.payloadEnd);
    else afterFirstFragment(packet, ip.protocol, ip.payloadOffset, ip.payloadEnd, ip.moreFragments);
  } else if (next === ETHERTYPE.IPV6) {
    const ip = push(packet, parseIpv6(bytes, at, end));
    if (ip.problem) return;
    if (ip.fragmentOffset > 0) data(packet, ip.payloadOffset, ip.payloadEnd);
    else if (ip.protocol !== NO_NEXT_HEADER)
      afterFirstFragment(packet, ip.protocol, ip.payloadOffset, ip.payloadEnd, ip.moreFragments);
  } else if (next === ETHERTYPE.ARP) {
    push(packet, parseArp(bytes, at, end));
  } else {
    data(packet, at, end);
  }
}

/**
 * The payload of an unfragmented datagram or of a first fragment. In a first fragment the layers
 * above IP are cut where the fragment ends: Wireshark (reassembly off) calls that unreassembled.
 */
function afterFirstFragment(
  packet: ParsedPacket,
  protocol: number,
  offset: number,
  end: number,
  fragment: boolean,
): void {
  const first = packet.layers.length;
  afterIp(packet, protocol, offset, end, fragment);
  if (!fragment) return;
  for (let i = first; i < packet.layers.length; i++) {
    const layer = packet.layers[i] as Layer;
    if (layer.problem) layer.problem = { kind: 'unreassembled', detail: layer.problem.detail };
  }
}

function afterIp(
  packet: ParsedPacket,
  protocol: number,
  offset: number,
  end: number,
  fragment: boolean,
): void {
  const { bytes } = packet;
  switch (protocol) {
    case IP_PROTOCOL.TCP: {
      const tcp = push(packet, parseTcp(bytes, offset, end));
      if (tcp.problem || tcp.payloadLength === 0) return;
      const payloadEnd = tcp.payloadOffset + tcp.payloadLength;
      if (tcp.payloadOffset >= bytes.length) return;
      const src = read16(bytes, offset);
      const dst = read16(bytes, offset + 2);
      if (DNS_PORTS.has(src) || DNS_PORTS.has(dst))
        push(packet, parseDns(bytes, tcp.payloadOffset, payloadEnd, { mdns: false, overTcp: true }));
      else if (looksLikeHttp(bytes, tcp.payloadOffset, Math.min(payloadEnd, bytes.length)))
        push(packet, parseHttp(bytes, tcp.payloadOffset, payloadEnd));
      else data(packet, tcp.payloadOffset, payloadEnd);
      return;
    }
    case IP_PROTOCOL.UDP: {
      const udp = push(packet, parseUdp(bytes, offset, end, false, fragment));
      if (udp.problem && udp.problem.kind === 'truncated') return;
      if (udp.payloadOffset >= Math.min(udp.payloadEnd, bytes.length)) return;
      const src = read16(bytes, offset);
      const dst = read16(bytes, offset + 2);
      // Wireshark tries the lower port's dissector first.
      const [low, high] = src <= dst ? [src, dst] : [dst, src];
      const app = appForPort(low) ?? appForPort(high);
      if (app)
        push(
          packet,
          parseDns(bytes, udp.payloadOffset, udp.payloadEnd, { mdns: app === 'mdns', overTcp: false }),
        );
      else data(packet, udp.payloadOffset, udp.payloadEnd);
      return;
    }
    case IP_PROTOCOL.ICMP: {
      const icmp = push(packet, parseIcmp(bytes, offset, end));
      if (icmp.quoteOffset >= 0) quoted(packet, icmp.quoteOffset, end, 4);
      return;
    }
    case IP_PROTOCOL.ICMPV6: {
      const icmp = push(packet, parseIcmpv6(bytes, offset, end));
      if (icmp.quoteOffset >= 0) quoted(packet, icmp.quoteOffset, end, 6);
      return;
    }
    default:
      data(packet, offset, end);
  }
}

function appForPort(port: number): 'dns' | 'mdns' | undefined {
  if (DNS_PORTS.has(port)) return 'dns';
  if (port === MDNS_PORT) return 'mdns';
  return undefined;
}

/**
 * The IP header and first transport bytes an ICMP error quotes. They are decoded (Wireshark puts
 * them in ip.src, udp.port…) but marked `inner`, and a quote cut short is not a problem.
 */
function quoted(packet: ParsedPacket, offset: number, end: number, version: 4 | 6): void {
  const { bytes } = packet;
  const ip = version === 4 ? parseIpv4(bytes, offset, end, true) : parseIpv6(bytes, offset, end, true);
  if (ip.problem?.kind === 'malformed') return;
  ip.problem = undefined;
  push(packet, ip);
  if (ip.fragmentOffset > 0 || ip.payloadOffset >= Math.min(ip.payloadEnd, bytes.length)) return;
  let layer: Layer | undefined;
  const payloadEnd = ip.payloadEnd;
  if (ip.protocol === IP_PROTOCOL.TCP) layer = parseTcp(bytes, ip.payloadOffset, payloadEnd, true);
  else if (ip.protocol === IP_PROTOCOL.UDP) layer = parseUdp(bytes, ip.payloadOffset, payloadEnd, true);
  else if (ip.protocol === IP_PROTOCOL.ICMP && version === 4)
    layer = parseIcmp(bytes, ip.payloadOffset, payloadEnd, true);
  else if (ip.protocol === IP_PROTOCOL.ICMPV6 && version === 6)
    layer = parseIcmpv6(bytes, ip.payloadOffset, payloadEnd, true);
  if (layer) {
    layer.problem = undefined;
    push(packet, layer);
  }
}
