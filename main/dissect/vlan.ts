/** IEEE 802.1Q tags (and 802.1ad / 0x9100 outer tags): TCI(2) type(2) after the TPID. */
import { bitPicture, read16, u16 } from './bytes.js';
import { ethertypeLabel } from './ethernet.js';
import { bit, type FieldDef, field, type ProtocolDef } from './field.js';
import { shortfall, TreeBuilder } from './tree.js';
import type { DissectionNode, VlanLayer } from './types.js';

/** The TPIDs that introduce a tag: 802.1Q, 802.1ad, and the pre-standard Q-in-Q 0x9100. */
export const VLAN_TPIDS: ReadonlySet<number> = new Set([0x8100, 0x88a8, 0x9100]);

const PRIORITY_NAMES = [
  'Best Effort (default)',
  'Background',
  'Excellent Effort',
  'Critical Applications',
  'Video, < 100ms latency and jitter',
  'Voice, < 10ms latency and jitter',
  'Internetwork Control',
  'Network Control',
];

export function parseVlan(bytes: Uint8Array, offset: number, claimedEnd: number, tpid: number): VlanLayer {
  const limit = Math.min(claimedEnd, bytes.length);
  const etype = u16(bytes, offset + 2, limit);
  return {
    kind: 'vlan',
    offset,
    limit,
    problem: shortfall('802.1Q tag', offset, 4, claimedEnd, bytes.length),
    inner: false,
    tpid,
    etype: etype ?? -1,
    payloadOffset: offset + 4,
  };
}

export function vlanTree(layer: VlanLayer, bytes: Uint8Array): DissectionNode {
  const at = layer.offset;
  const tci = u16(bytes, at, layer.limit);
  const t = new TreeBuilder(layer.limit);
  const value = () => read16(bytes, at);
  t.add(at, 2, 'vlan.priority', () => {
    const priority = value() >> 13;
    return `${bitPicture(value(), 0xe000, 16)} = Priority: ${PRIORITY_NAMES[priority]} (${priority})`;
  });
  t.add(
    at,
    2,
    'vlan.dei',
    () => `${bitPicture(value(), 0x1000, 16)} = DEI: ${value() & 0x1000 ? 'Eligible' : 'Ineligible'}`,
  );
  t.add(at, 2, 'vlan.id', () => `${bitPicture(value(), 0x0fff, 16)} = ID: ${value() & 0xfff}`);
  t.add(at + 2, 2, 'vlan.etype', () => `Type: ${ethertypeLabel(layer.etype)}`);
  const title =
    tci === undefined
      ? '802.1Q Virtual LAN'
      : `802.1Q Virtual LAN, PRI: ${tci >> 13}, DEI: ${(tci >> 12) & 1}, ID: ${tci & 0xfff}`;
  return t.build(title, 'vlan', at, Math.min(4, layer.limit - at));
}

export const VLAN_PROTOCOLS: ProtocolDef[] = [{ abbrev: 'vlan', name: '802.1Q Virtual LAN', layer: 'vlan' }];

const tciOf = (l: VlanLayer, b: Uint8Array) => u16(b, l.offset, l.limit);

export const VLAN_FIELDS: FieldDef[] = [
  field('vlan', 'vlan.priority', 'Priority', 'uint16', (l, b) => {
    const value = tciOf(l, b);
    return value === undefined ? undefined : value >> 13;
  }),
  field('vlan', 'vlan.dei', 'DEI', 'bool', (l, b) => bit(tciOf(l, b), 0x1000)),
  field('vlan', 'vlan.id', 'ID', 'uint16', (l, b) => {
    const value = tciOf(l, b);
    return value === undefined ? undefined : value & 0xfff;
  }),
  field('vlan', 'vlan.etype', 'Type', 'uint16', (l, b) => u16(b, l.offset + 2, l.limit), { hexDigits: 4 }),
];
