/** ARP (RFC 826): htype(2) ptype(2) hlen(1) plen(1) oper(2) sha spa tha tpa. */
import { hexNumber, ipv4At, mac48, macAt, read16, read32, u8, u16, u32 } from './bytes.js';
import { ethertypeLabel } from './ethernet.js';
import { type FieldDef, field, type ProtocolDef } from './field.js';
import { shortfall, TreeBuilder } from './tree.js';
import type { ArpLayer, DissectionNode } from './types.js';

const OPCODES: Record<number, string> = {
  1: 'request',
  2: 'reply',
  3: 'reverse request',
  4: 'reverse reply',
  8: 'inverse request',
  9: 'inverse reply',
};

export function parseArp(bytes: Uint8Array, offset: number, claimedEnd: number): ArpLayer {
  const limit = Math.min(claimedEnd, bytes.length);
  const hwSize = u8(bytes, offset + 4, limit) ?? 0;
  const protoSize = u8(bytes, offset + 5, limit) ?? 0;
  const size = 8 + 2 * (hwSize + protoSize);
  return {
    kind: 'arp',
    offset,
    limit,
    problem: shortfall('ARP', offset, size, claimedEnd, bytes.length),
    inner: false,
    opcode: u16(bytes, offset + 6, limit) ?? -1,
    hwSize,
    protoSize,
    protoType: u16(bytes, offset + 2, limit) ?? -1,
  };
}

/** Offsets of the four addresses. */
function addresses(l: ArpLayer) {
  const sha = l.offset + 8;
  const spa = sha + l.hwSize;
  const tha = spa + l.protoSize;
  const tpa = tha + l.hwSize;
  return { sha, spa, tha, tpa, end: tpa + l.protoSize };
}

/** Ethernet/IPv4 ARP, the only kind whose addresses we name. */
function isEthernetIpv4(l: ArpLayer): boolean {
  return l.hwSize === 6 && l.protoSize === 4 && l.protoType === 0x0800;
}

function hwAddress(bytes: Uint8Array, at: number, size: number): string {
  return size === 6
    ? macAt(bytes, at)
    : Array.from(bytes.subarray(at, at + size), (b) => b.toString(16).padStart(2, '0')).join(':');
}

function protoAddress(l: ArpLayer, bytes: Uint8Array, at: number): string {
  return l.protoSize === 4
    ? ipv4At(bytes, at)
    : Array.from(bytes.subarray(at, at + l.protoSize), (b) => b.toString(16).padStart(2, '0')).join('');
}

interface ArpKind {
  gratuitous: boolean;
  announcement: boolean;
  probe: boolean;
}

function arpKind(l: ArpLayer, bytes: Uint8Array): ArpKind {
  const a = addresses(l);
  if (l.protoSize !== 4 || a.end > l.limit) return { gratuitous: false, announcement: false, probe: false };
  const spa = read32(bytes, a.spa);
  const gratuitous = spa === read32(bytes, a.tpa);
  let zeroTarget = true;
  for (let i = 0; i < l.hwSize; i++) if (bytes[a.tha + i] !== 0) zeroTarget = false;
  return {
    gratuitous,
    announcement: gratuitous && zeroTarget && l.opcode === 1,
    probe: spa === 0 && l.opcode === 1,
  };
}

/** Wireshark's Info column: "Who has 10.0.0.1? Tell 10.0.0.2", "10.0.0.1 is at 02:…". */
export function arpSummary(l: ArpLayer, bytes: Uint8Array): { protocol: string; info: string } {
  const a = addresses(l);
  const reverse = l.opcode === 3 || l.opcode === 4;
  const protocol = reverse ? 'RARP' : 'ARP';
  if (l.problem || a.end > l.limit)
    return { protocol, info: OPCODES[l.opcode] ? `ARP ${OPCODES[l.opcode]}` : 'ARP' };
  const kind = arpKind(l, bytes);
  const spa = protoAddress(l, bytes, a.spa);
  const tpa = protoAddress(l, bytes, a.tpa);
  switch (l.opcode) {
    case 1:
      if (kind.gratuitous)
        return {
          protocol,
          info: kind.announcement ? `ARP Announcement for ${spa}` : `Gratuitous ARP for ${spa} (Request)`,
        };
      if (kind.probe) return { protocol, info: `Who has ${tpa}? (ARP Probe)` };
      return { protocol, info: `Who has ${tpa}? Tell ${spa}` };
    case 2:
      if (kind.gratuitous) return { protocol, info: `Gratuitous ARP for ${spa} (Reply)` };
      return { protocol, info: `${spa} is at ${hwAddress(bytes, a.sha, l.hwSize)}` };
    case 3:
      return {
        protocol,
        info: `Who is ${hwAddress(bytes, a.tha, l.hwSize)}? Tell ${hwAddress(bytes, a.sha, l.hwSize)}`,
      };
    case 4:
      return { protocol, info: `${hwAddress(bytes, a.tha, l.hwSize)} is at ${tpa}` };
    default:
      return { protocol, info: `Unknown ARP opcode ${hexNumber(l.opcode, 4)}` };
  }
}

export function arpTree(l: ArpLayer, bytes: Uint8Array): DissectionNode {
  const at = l.offset;
  const a = addresses(l);
  const t = new TreeBuilder(l.limit);
  t.add(at, 2, 'arp.hw.type', () => {
    const type = read16(bytes, at);
    return `Hardware type: ${type === 1 ? 'Ethernet' : 'Unknown'} (${type})`;
  });
  t.add(at + 2, 2, 'arp.proto.type', () => `Protocol type: ${ethertypeLabel(l.protoType)}`);
  t.add(at + 4, 1, 'arp.hw.size', () => `Hardware size: ${l.hwSize}`);
  t.add(at + 5, 1, 'arp.proto.size', () => `Protocol size: ${l.protoSize}`);
  t.add(at + 6, 2, 'arp.opcode', () => `Opcode: ${OPCODES[l.opcode] ?? 'Unknown'} (${l.opcode})`);
  const ip = l.protoSize === 4;
  t.add(a.sha, l.hwSize, 'arp.src.hw_mac', () => `Sender MAC address: ${hwAddress(bytes, a.sha, l.hwSize)}`);
  t.add(
    a.spa,
    l.protoSize,
    ip ? 'arp.src.proto_ipv4' : 'arp.src.proto',
    () => `Sender ${ip ? 'IP' : 'protocol'} address: ${protoAddress(l, bytes, a.spa)}`,
  );
  t.add(a.tha, l.hwSize, 'arp.dst.hw_mac', () => `Target MAC address: ${hwAddress(bytes, a.tha, l.hwSize)}`);
  t.add(
    a.tpa,
    l.protoSize,
    ip ? 'arp.dst.proto_ipv4' : 'arp.dst.proto',
    () => `Target ${ip ? 'IP' : 'protocol'} address: ${protoAddress(l, bytes, a.tpa)}`,
  );
  const kind = arpKind(l, bytes);
  const what = kind.announcement
    ? 'ARP Announcement'
    : kind.probe
      ? 'ARP Probe'
      : `${OPCODES[l.opcode] ?? 'opcode unknown'}${kind.gratuitous ? '/gratuitous ARP' : ''}`;
  return t.build(`Address Resolution Protocol (${what})`, 'arp', at, Math.min(a.end, l.limit) - at);
}

export const ARP_PROTOCOLS: ProtocolDef[] = [
  { abbrev: 'arp', name: 'Address Resolution Protocol', layer: 'arp' },
];

const mac = (l: ArpLayer, b: Uint8Array, at: number) =>
  isEthernetIpv4(l) ? mac48(b, at, l.limit) : undefined;
const ipv4 = (l: ArpLayer, b: Uint8Array, at: number) =>
  isEthernetIpv4(l) ? u32(b, at, l.limit) : undefined;

export const ARP_FIELDS: FieldDef[] = [
  field('arp', 'arp.hw.type', 'Hardware type', 'uint16', (l, b) => u16(b, l.offset, l.limit)),
  field('arp', 'arp.proto.type', 'Protocol type', 'uint16', (l, b) => u16(b, l.offset + 2, l.limit), {
    hexDigits: 4,
  }),
  field('arp', 'arp.hw.size', 'Hardware size', 'uint8', (l, b) => u8(b, l.offset + 4, l.limit)),
  field('arp', 'arp.proto.size', 'Protocol size', 'uint8', (l, b) => u8(b, l.offset + 5, l.limit)),
  field('arp', 'arp.opcode', 'Opcode', 'uint16', (l, b) => u16(b, l.offset + 6, l.limit), {
    valueNames: { request: 1, reply: 2, 'reverse request': 3, 'reverse reply': 4 },
  }),
  field('arp', 'arp.src.hw_mac', 'Sender MAC address', 'ether', (l, b) => mac(l, b, addresses(l).sha)),
  field('arp', 'arp.src.proto_ipv4', 'Sender IP address', 'ipv4', (l, b) => ipv4(l, b, addresses(l).spa)),
  field('arp', 'arp.dst.hw_mac', 'Target MAC address', 'ether', (l, b) => mac(l, b, addresses(l).tha)),
  field('arp', 'arp.dst.proto_ipv4', 'Target IP address', 'ipv4', (l, b) => ipv4(l, b, addresses(l).tpa)),
];
