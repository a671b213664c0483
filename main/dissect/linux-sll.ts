/**
 * Linux "cooked" capture headers (tcpdump -i any): SLL (LINKTYPE 113, 16 bytes) and SLL2
 * (LINKTYPE 276, 20 bytes). The protocol field is an EtherType for the packets we follow.
 */
import { mac48, macAt, read16, u8, u16, u32 } from './bytes.js';
import { ethertypeLabel } from './ethernet.js';
import { type FieldDef, field, type ProtocolDef } from './field.js';
import { shortfall, TreeBuilder } from './tree.js';
import type { DissectionNode, SllLayer } from './types.js';

const PACKET_TYPES = ['Unicast to us', 'Broadcast', 'Multicast', 'Unicast to another host', 'Sent by us'];

/** Where each field sits in the two versions. */
const LAYOUT = {
  1: { size: 16, pkttype: 0, pkttypeSize: 2, hatype: 2, halen: 4, halenSize: 2, addr: 6, protocol: 14 },
  2: { size: 20, pkttype: 10, pkttypeSize: 1, hatype: 8, halen: 11, halenSize: 1, addr: 12, protocol: 0 },
} as const;

export function parseSll(bytes: Uint8Array, claimedEnd: number, version: 1 | 2): SllLayer {
  const layout = LAYOUT[version];
  const limit = Math.min(claimedEnd, bytes.length);
  const protocol = u16(bytes, layout.protocol, limit);
  return {
    kind: 'sll',
    offset: 0,
    limit,
    problem: shortfall(`Linux cooked capture v${version} header`, 0, layout.size, claimedEnd, bytes.length),
    inner: false,
    version,
    protocol: protocol ?? -1,
    payloadOffset: layout.size,
  };
}

function packetType(l: SllLayer, b: Uint8Array): number | undefined {
  const layout = LAYOUT[l.version];
  return layout.pkttypeSize === 2 ? u16(b, layout.pkttype, l.limit) : u8(b, layout.pkttype, l.limit);
}

function addressLength(l: SllLayer, b: Uint8Array): number | undefined {
  const layout = LAYOUT[l.version];
  return layout.halenSize === 2 ? u16(b, layout.halen, l.limit) : u8(b, layout.halen, l.limit);
}

/** The link-layer source address when it is a 6-byte MAC. */
export function sllSourceMac(l: SllLayer, b: Uint8Array): number | undefined {
  return addressLength(l, b) === 6 ? mac48(b, LAYOUT[l.version].addr, l.limit) : undefined;
}

export function sllTree(layer: SllLayer, bytes: Uint8Array): DissectionNode {
  const layout = LAYOUT[layer.version];
  const t = new TreeBuilder(layer.limit);
  const lines: Array<[number, number, string, () => string]> = [
    [
      layout.pkttype,
      layout.pkttypeSize,
      'sll.pkttype',
      () => {
        const value = packetType(layer, bytes) ?? 0;
        return `Packet type: ${PACKET_TYPES[value] ?? 'Unknown'} (${value})`;
      },
    ],
    [layout.hatype, 2, 'sll.hatype', () => `Link-layer address type: ${read16(bytes, layout.hatype)}`],
    [
      layout.halen,
      layout.halenSize,
      'sll.halen',
      () => `Link-layer address length: ${addressLength(layer, bytes)}`,
    ],
    [
      layout.addr,
      8,
      'sll.src',
      () =>
        addressLength(layer, bytes) === 6
          ? `Source: ${macAt(bytes, layout.addr)}`
          : `Source: ${Array.from(bytes.subarray(layout.addr, layout.addr + 8), (x) => x.toString(16).padStart(2, '0')).join(':')}`,
    ],
    [layout.protocol, 2, 'sll.etype', () => `Protocol: ${ethertypeLabel(layer.protocol)}`],
  ];
  if (layer.version === 2)
    lines.push([4, 4, 'sll.ifindex', () => `Interface index: ${u32(bytes, 4, layer.limit)}`]);
  lines.sort((a, b) => a[0] - b[0]);
  for (const [at, size, abbrev, label] of lines) t.add(at, size, abbrev, label);
  return t.build(`Linux cooked capture v${layer.version}`, 'sll', 0, Math.min(layout.size, layer.limit));
}

export const SLL_PROTOCOLS: ProtocolDef[] = [
  { abbrev: 'sll', name: 'Linux cooked-mode capture', layer: 'sll' },
];

export const SLL_FIELDS: FieldDef[] = [
  field('sll', 'sll.pkttype', 'Packet type', 'uint16', packetType),
  field('sll', 'sll.hatype', 'Link-layer address type', 'uint16', (l, b) =>
    u16(b, LAYOUT[l.version].hatype, l.limit),
  ),
  field('sll', 'sll.halen', 'Link-layer address length', 'uint16', addressLength),
  field('sll', 'sll.src.eth', 'Source', 'ether', sllSourceMac),
  field('sll', 'sll.etype', 'Protocol', 'uint16', (l, b) => u16(b, LAYOUT[l.version].protocol, l.limit), {
    hexDigits: 4,
  }),
  field('sll', 'sll.ifindex', 'Interface index', 'uint32', (l, b) =>
    l.version === 2 ? u32(b, 4, l.limit) : undefined,
  ),
];
