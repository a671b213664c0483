/**
 * The packet list's Protocol, Source, Destination and Info columns, from the parsed layers only
 * (no tree): the path the live view calls for every packet.
 */
import { arpSummary } from './arp.js';
import { formatMac, ipv4At, ipv6At, macAt } from './bytes.js';
import { dnsSummary } from './dns.js';
import { ethernetSummary } from './ethernet.js';
import { httpSummary } from './http.js';
import { icmpSummary } from './icmp.js';
import { icmpv6Summary } from './icmpv6.js';
import { ipProtocolColumn, ipProtocolName, ipv4FragmentInfo } from './ipv4.js';
import { ipv6FragmentInfo, NO_NEXT_HEADER } from './ipv6.js';
import { sllSourceMac } from './linux-sll.js';
import { tcpSummary } from './tcp.js';
import type { EthLayer, IpLayer, Ipv6Layer, Layer, PacketSummary, ParsedPacket } from './types.js';
import { udpSummary } from './udp.js';

/** What Wireshark appends to the Info column when a layer ended early (no space before it). */
const PROBLEM_SUFFIX = {
  truncated: '[Packet size limited during capture]',
  malformed: '[Malformed Packet]',
  // Sic: Wireshark 4.0 prints the exception's name glued to its text.
  unreassembled: '[BoundErrorUnreassembled Packet]',
} as const;

interface Columns {
  protocol: string;
  info: string;
}

export function summarize(packet: ParsedPacket): PacketSummary {
  const { layers, bytes } = packet;
  let source = '';
  let destination = '';
  let network: IpLayer | Ipv6Layer | undefined;
  let eth: EthLayer | undefined;
  let problem: Layer['problem'];
  let top: Layer | undefined;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i] as Layer;
    if (layer.inner) continue;
    if (layer.problem && !problem) problem = layer.problem;
    // HTTP sets the columns once it has read its first line; until then they stay TCP's.
    if (layer.kind !== 'data' && !(layer.kind === 'http' && !layer.firstLineEnded)) top = layer;
    if (layer.kind === 'eth') {
      eth = layer;
    } else if (layer.kind === 'sll') {
      const mac = sllSourceMac(layer, bytes);
      if (mac !== undefined) source = formatMac(mac);
    } else if ((layer.kind === 'ip' || layer.kind === 'ipv6') && !network) {
      network = layer;
      // Each address shows as soon as it was captured, as Wireshark sets the columns field by field.
      const size = layer.kind === 'ip' ? 4 : 16;
      const at = layer.offset + (layer.kind === 'ip' ? 12 : 8);
      if (at + size <= layer.limit) source = size === 4 ? ipv4At(bytes, at) : ipv6At(bytes, at);
      if (at + 2 * size <= layer.limit)
        destination = size === 4 ? ipv4At(bytes, at + 4) : ipv6At(bytes, at + 16);
      if (layer.kind === 'ipv6') destination = routedDestination(layer, bytes) ?? destination;
    }
  }
  // MAC addresses only where no IP address took their place (formatting them is not free).
  if (eth && eth.limit >= 12) {
    if (source === '') source = macAt(bytes, 6);
    if (destination === '') destination = macAt(bytes, 0);
  }
  const columns = top ? columnsOf(top, packet, network) : { protocol: 'Frame', info: '' };
  let info = columns.info;
  if (problem && !problem.inInfo) info += PROBLEM_SUFFIX[problem.kind];
  return { protocol: columns.protocol, info, source, destination };
}

function columnsOf(layer: Layer, packet: ParsedPacket, network: IpLayer | Ipv6Layer | undefined): Columns {
  const { bytes } = packet;
  switch (layer.kind) {
    case 'http':
      return httpSummary(layer, bytes);
    case 'dns':
      return dnsSummary(layer);
    case 'tcp':
      return { protocol: 'TCP', info: tcpSummary(layer, bytes) };
    case 'udp':
      return { protocol: 'UDP', info: udpSummary(layer, bytes) };
    case 'icmp': {
      const ttl =
        network?.kind === 'ip' && network.offset + 9 <= network.limit ? bytes[network.offset + 8] : undefined;
      return { protocol: 'ICMP', info: icmpSummary(layer, bytes, ttl) };
    }
    case 'icmpv6': {
      const hops =
        network?.kind === 'ipv6' && network.offset + 8 <= network.limit
          ? bytes[network.offset + 7]
          : undefined;
      return { protocol: 'ICMPv6', info: icmpv6Summary(layer, bytes, hops) };
    }
    case 'arp':
      return arpSummary(layer, bytes);
    case 'ip':
      return ipColumns(layer, bytes, 'IPv4');
    case 'ipv6':
      return ipColumns(layer, bytes, 'IPv6');
    case 'vlan':
      return {
        protocol: hexType(layer.etype),
        info: `802.1Q Virtual LAN, ID: ${vlanId(layer.offset, bytes)}`,
      };
    case 'eth':
      return ethernetSummary(layer);
    case 'sll':
      return {
        protocol: layer.protocol >= 0 ? hexType(layer.protocol) : 'SLL',
        info: `Linux cooked capture v${layer.version}`,
      };
    default:
      return { protocol: 'Frame', info: `Link type ${packet.linkType} is not decoded` };
  }
}

/**
 * A type 0 or 2 routing header with segments left sends the packet on to its last address:
 * Wireshark's Destination column shows that final destination.
 */
function routedDestination(layer: Ipv6Layer, bytes: Uint8Array): string | undefined {
  const routing = layer.extensions.find((e) => e.type === 43);
  if (!routing || routing.offset + routing.length > layer.limit || routing.length < 24) return undefined;
  const type = bytes[routing.offset + 2];
  if ((type !== 0 && type !== 2) || bytes[routing.offset + 3] === 0) return undefined;
  const addresses = Math.floor((routing.length - 8) / 16);
  return ipv6At(bytes, routing.offset + 8 + 16 * (addresses - 1));
}

function hexType(type: number): string {
  return `0x${type.toString(16).padStart(4, '0')}`;
}

function vlanId(offset: number, bytes: Uint8Array): number {
  return (((bytes[offset] as number) << 8) | (bytes[offset + 1] as number)) & 0xfff;
}

/** An IP packet whose payload is not decoded: a later fragment, no next header, or a protocol we only name. */
function ipColumns(layer: IpLayer | Ipv6Layer, bytes: Uint8Array, name: 'IPv4' | 'IPv6'): Columns {
  if (layer.problem) return { protocol: name, info: layer.problem.inInfo ? layer.problem.detail : '' };
  if (layer.fragmentOffset > 0)
    return {
      protocol: name,
      info: layer.kind === 'ip' ? ipv4FragmentInfo(layer, bytes) : ipv6FragmentInfo(layer, bytes),
    };
  if (layer.kind === 'ipv6' && layer.protocol === NO_NEXT_HEADER)
    return { protocol: name, info: 'IPv6 no next header' };
  return {
    protocol: ipProtocolColumn(layer.protocol) ?? name,
    info: `${ipProtocolName(layer.protocol)} (${layer.protocol})`,
  };
}
