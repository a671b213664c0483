import { readU16 } from '../decode/ethernet.js';
import { ETHERTYPE } from '../decode/ethertype.js';
import { decodeIpv4, decodeIpv6, IPPROTO, type IpHeader } from '../decode/ip.js';
import { decodeLink } from '../decode/link-layer.js';
import type { FlowKeyFields } from './flow-record.js';

/** What the flow cache needs from one frame: its flow key and what it adds to the flow. */
export interface FlowPacket extends FlowKeyFields {
  tcpFlags: number;
  tos: number;
  /** Frame length minus the link header: what softflowd counts (Ethernet padding included). */
  octets: number;
}

export type FlowPacketResult =
  | ({ ok: true } & FlowPacket)
  /** not-ip: ARP, LLDP, unknown link types: not a flow. malformed: IP that does not decode. */
  | { ok: false; reason: 'not-ip' | 'malformed' };

const NOT_IP = { ok: false, reason: 'not-ip' } as const;
const MALFORMED = { ok: false, reason: 'malformed' } as const;

/** The largest frame we lay out for the decoders, as the capture readers accept (MAX_RECORD_LENGTH). */
const SCRATCH_BYTES = 256 * 1024;

/**
 * Turns frames into flow packets with the broker's decoders. Keeps one scratch buffer, hence a
 * class: a sliced frame (the slice stage, `tcpdump -s`) lacks payload only, but the IP decoders
 * check the length fields against the bytes present. The frame is copied into zeros at its
 * original length so they accept it, and ports are read only from bytes that were captured.
 */
export class FlowPacketParser {
  private scratch: Uint8Array | undefined;

  parse(linkType: number, data: Uint8Array, originalLength: number): FlowPacketResult {
    const link = linkHeader(linkType, data);
    if (link === undefined) return NOT_IP;
    if (link === 'malformed') return MALFORMED;
    const captured = data.length;
    const bytes = captured < originalLength ? this.unsliced(data, originalLength) : data;
    const ip = link.ipVersion === 4 ? decodeIpv4(bytes, link.offset) : decodeIpv6(bytes, link.offset);
    if (!ip.ok || ip.payloadOffset > captured) return MALFORMED; // the IP header chain must be captured
    const ports = transportPorts(bytes, ip, link.offset, captured);
    return {
      ok: true,
      ipVersion: ip.version,
      src: ip.source,
      dst: ip.destination,
      protocol: ip.protocol,
      srcPort: ports.srcPort,
      dstPort: ports.dstPort,
      vlan: link.vlan,
      tcpFlags: ports.tcpFlags,
      tos: trafficClass(bytes, ip.version, link.offset),
      octets: Math.max(0, originalLength - link.offset),
    };
  }

  private unsliced(data: Uint8Array, originalLength: number): Uint8Array {
    this.scratch ??= new Uint8Array(SCRATCH_BYTES);
    const length = Math.min(originalLength, SCRATCH_BYTES);
    this.scratch.set(data.subarray(0, length));
    this.scratch.fill(0, data.length, length);
    return this.scratch.subarray(0, length);
  }
}

interface LinkHeader {
  ipVersion: 4 | 6;
  offset: number;
  vlan: number;
}

/** Where the IP header starts, for the link types the broker carries; undefined: not IP. */
function linkHeader(linkType: number, data: Uint8Array): LinkHeader | 'malformed' | undefined {
  const link = decodeLink(linkType, data);
  if (link === undefined) return undefined;
  // A raw-IP packet whose version nibble is neither 4 nor 6 has EtherType 0 here.
  if (!link.ok || link.ethertype === 0) return 'malformed';
  return ipOf(link.ethertype, link.payloadOffset, link.vlan);
}

function ipOf(ethertype: number, offset: number, vlan: number): LinkHeader | undefined {
  if (ethertype === ETHERTYPE.IPV4) return { ipVersion: 4, offset, vlan };
  if (ethertype === ETHERTYPE.IPV6) return { ipVersion: 6, offset, vlan };
  return undefined;
}

interface Transport {
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
}

const NO_PORTS: Transport = { srcPort: 0, dstPort: 0, tcpFlags: 0 };

/**
 * Ports as softflowd reads them: TCP needs its 20-byte header captured, UDP 8 bytes, ICMP the
 * type and code; a shorter (runt) transport header still counts, with ports 0. Ports are read
 * directly rather than through decodeUdp, which rejects datagrams whose length field disagrees:
 * such a packet still belongs to its flow. Fragments other than the first carry no ports (IPv4);
 * IPv6 fragments are all keyed without ports, since the decoder does not say which one is first.
 */
function transportPorts(bytes: Uint8Array, ip: IpHeader, ipOffset: number, captured: number): Transport {
  if (ip.fragmented && (ip.version === 6 || (readU16(bytes, ipOffset + 6) & 0x1fff) !== 0)) return NO_PORTS;
  const at = ip.payloadOffset;
  const have = Math.min(captured, ip.payloadEnd) - at;
  switch (ip.protocol) {
    case IPPROTO.TCP:
      if (have < 20) return NO_PORTS;
      return {
        srcPort: readU16(bytes, at),
        dstPort: readU16(bytes, at + 2),
        tcpFlags: bytes[at + 13] as number,
      };
    case IPPROTO.UDP:
      if (have < 8) return NO_PORTS;
      return { srcPort: readU16(bytes, at), dstPort: readU16(bytes, at + 2), tcpFlags: 0 };
    case IPPROTO.ICMP:
    case IPPROTO.ICMPV6:
      if (have < 2) return NO_PORTS;
      return { srcPort: 0, dstPort: readU16(bytes, at), tcpFlags: 0 };
    default:
      return NO_PORTS;
  }
}

/** IPv4 TOS byte, or the IPv6 traffic class (the 8 bits after the version nibble). */
function trafficClass(bytes: Uint8Array, version: 4 | 6, at: number): number {
  if (version === 4) return bytes[at + 1] as number;
  return (((bytes[at] as number) & 0x0f) << 4) | ((bytes[at + 1] as number) >> 4);
}
