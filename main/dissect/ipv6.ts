/** IPv6 (RFC 8200): a 40-byte header, then extension headers up to the upper-layer protocol. */
import { bitPicture, hexNumber, ipv6At, read16, read32, u8, u16, u32 } from './bytes.js';
import { type FieldDef, field, multiField, type ProtocolDef } from './field.js';
import { dsfieldChildren, dsfieldText, ipProtocolLabel } from './ipv4.js';
import { node, shortfall, TreeBuilder } from './tree.js';
import type { DissectionNode, Ipv6Extension, Ipv6Layer } from './types.js';

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTHENTICATION = 51;
const DESTINATION_OPTIONS = 60;
export const NO_NEXT_HEADER = 59;
/** More extension headers than this is not a packet anyone sends: stop walking. */
const MAX_EXTENSIONS = 8;

const EXTENSION_NAMES: Record<number, string> = {
  [HOP_BY_HOP]: 'IPv6 Hop-by-Hop Option',
  [ROUTING]: 'Routing Header for IPv6',
  [FRAGMENT]: 'Fragment Header for IPv6',
  [AUTHENTICATION]: 'Authentication Header',
  [DESTINATION_OPTIONS]: 'Destination Options for IPv6',
};

export function parseIpv6(bytes: Uint8Array, offset: number, claimedEnd: number, inner = false): Ipv6Layer {
  const captured = bytes.length;
  const statedLength = u16(bytes, offset + 4, Math.min(claimedEnd, captured));
  const payloadLength = statedLength ?? 0;
  const end = statedLength === undefined ? claimedEnd : Math.min(offset + 40 + payloadLength, claimedEnd);
  const layer: Ipv6Layer = {
    kind: 'ipv6',
    offset,
    limit: Math.min(end, captured),
    problem: undefined,
    inner,
    payloadLength,
    protocol: -1,
    extensions: [],
    fragmentOffset: 0,
    moreFragments: false,
    payloadOffset: offset + 40,
    payloadEnd: end,
  };
  const first = u8(bytes, offset, layer.limit);
  if (first !== undefined && first >> 4 !== 6) {
    layer.problem = { kind: 'malformed', detail: `Bogus IPv6 version (${first >> 4}, must be 6)` };
    layer.limit = Math.min(layer.limit, offset + 1);
    return layer;
  }
  layer.problem = shortfall('IPv6 header', offset, 40, end, captured);
  if (layer.problem) return layer;
  let next = bytes[offset + 6] as number;
  let at = offset + 40;
  while (EXTENSION_NAMES[next] !== undefined && layer.extensions.length < MAX_EXTENSIONS) {
    const lengthByte = u8(bytes, at + 1, layer.limit);
    const length =
      next === FRAGMENT
        ? 8
        : next === AUTHENTICATION
          ? ((lengthByte ?? 0) + 2) * 4
          : ((lengthByte ?? 0) + 1) * 8;
    const problem =
      shortfall(EXTENSION_NAMES[next] as string, at, next === FRAGMENT ? 8 : 2, end, captured) ??
      shortfall(EXTENSION_NAMES[next] as string, at, length, end, captured);
    layer.extensions.push({ type: next, offset: at, length });
    if (problem) {
      layer.problem = problem;
      return layer;
    }
    if (next === FRAGMENT) {
      const word = read16(bytes, at + 2);
      layer.fragmentOffset = word & 0xfff8;
      layer.moreFragments = (word & 1) !== 0;
    }
    next = bytes[at] as number;
    at += length;
  }
  layer.protocol = next;
  layer.payloadOffset = at;
  return layer;
}

export function hasFragmentHeader(layer: Ipv6Layer): boolean {
  return layer.extensions.some((e) => e.type === FRAGMENT);
}

/** "IPv6 fragment (off=72 more=n ident=0x00000009 nxt=17)". */
export function ipv6FragmentInfo(layer: Ipv6Layer, bytes: Uint8Array): string {
  const header = layer.extensions.find((e) => e.type === FRAGMENT);
  const ident = header ? read32(bytes, header.offset + 4) : 0;
  return `IPv6 fragment (off=${layer.fragmentOffset} more=${layer.moreFragments ? 'y' : 'n'} ident=${hexNumber(ident, 8)} nxt=${layer.protocol})`;
}

function extensionNode(ext: Ipv6Extension, bytes: Uint8Array, limit: number): DissectionNode {
  const t = new TreeBuilder(limit);
  const at = ext.offset;
  t.add(at, 1, undefined, () => `Next Header: ${ipProtocolLabel(bytes[at] as number)}`);
  if (ext.type === FRAGMENT) {
    t.add(
      at + 2,
      2,
      undefined,
      () =>
        `${bitPicture(read16(bytes, at + 2), 0xfff8, 16)} = Offset: ${read16(bytes, at + 2) >> 3} (${read16(bytes, at + 2) & 0xfff8} bytes)`,
    );
    t.add(
      at + 2,
      2,
      undefined,
      () =>
        `${bitPicture(read16(bytes, at + 2), 0x0001, 16)} = More Fragments: ${read16(bytes, at + 2) & 1 ? 'Yes' : 'No'}`,
    );
    t.add(at + 4, 4, undefined, () => `Identification: ${hexNumber(read32(bytes, at + 4), 8)}`);
  } else {
    t.add(at + 1, 1, undefined, () => `Length: ${bytes[at + 1]}`, undefined);
    t.push(node(`[Length: ${ext.length} bytes]`, at + 1, 1));
    if (ext.type === ROUTING) {
      t.add(at + 2, 1, undefined, () => `Type: ${bytes[at + 2]}`);
      t.add(at + 3, 1, undefined, () => `Segments Left: ${bytes[at + 3]}`);
    }
  }
  const name = EXTENSION_NAMES[ext.type] ?? 'Extension header';
  return t.build(
    ext.type === ROUTING && at + 3 <= limit ? `${name} (Type ${bytes[at + 2]})` : name,
    '',
    at,
    Math.max(0, Math.min(ext.length, limit - at)),
  );
}

export function ipv6Tree(layer: Ipv6Layer, bytes: Uint8Array): DissectionNode {
  const at = layer.offset;
  const t = new TreeBuilder(layer.limit);
  const word = () => read32(bytes, at);
  t.add(
    at,
    1,
    'ipv6.version',
    () => `${bitPicture(bytes[at] as number, 0xf0, 8)} = Version: ${(bytes[at] as number) >> 4}`,
  );
  t.add(
    at,
    4,
    'ipv6.tclass',
    () => `${bitPicture(word(), 0x0ff00000, 32)} = Traffic Class: ${dsfieldText((word() >>> 20) & 0xff)}`,
    () => dsfieldChildren((word() >>> 20) & 0xff, at, 4, (mask) => bitPicture(word(), mask * 0x100000, 32)),
  );
  t.add(
    at + 1,
    3,
    'ipv6.flow',
    () => `${bitPicture(word() & 0xfffff, 0xfffff, 24)} = Flow Label: ${hexNumber(word() & 0xfffff, 5)}`,
  );
  t.add(at + 4, 2, 'ipv6.plen', () => `Payload Length: ${read16(bytes, at + 4)}`);
  t.add(at + 6, 1, 'ipv6.nxt', () => `Next Header: ${ipProtocolLabel(bytes[at + 6] as number)}`);
  t.add(at + 7, 1, 'ipv6.hlim', () => `Hop Limit: ${bytes[at + 7]}`);
  t.add(at + 8, 16, 'ipv6.src', () => `Source Address: ${ipv6At(bytes, at + 8)}`);
  t.add(at + 24, 16, 'ipv6.dst', () => `Destination Address: ${ipv6At(bytes, at + 24)}`);
  for (const ext of layer.extensions)
    if (t.fits(ext.offset, 1)) t.push(extensionNode(ext, bytes, layer.limit));
  const addresses =
    at + 40 <= layer.limit ? `, Src: ${ipv6At(bytes, at + 8)}, Dst: ${ipv6At(bytes, at + 24)}` : '';
  return t.build(`Internet Protocol Version 6${addresses}`, 'ipv6', at, Math.min(40, layer.limit - at));
}

export const IPV6_PROTOCOLS: ProtocolDef[] = [
  { abbrev: 'ipv6', name: 'Internet Protocol Version 6', layer: 'ipv6' },
];

const address = (b: Uint8Array, at: number, limit: number) =>
  at + 16 <= limit ? b.subarray(at, at + 16) : undefined;

export const IPV6_FIELDS: FieldDef[] = [
  field('ipv6', 'ipv6.version', 'Version', 'uint8', (l, b) => {
    const first = u8(b, l.offset, l.limit);
    return first === undefined ? undefined : first >> 4;
  }),
  field(
    'ipv6',
    'ipv6.tclass',
    'Traffic Class',
    'uint32',
    (l, b) => {
      const value = u32(b, l.offset, l.limit);
      return value === undefined ? undefined : (value >>> 20) & 0xff;
    },
    { hexDigits: 8 },
  ),
  field(
    'ipv6',
    'ipv6.flow',
    'Flow Label',
    'uint24',
    (l, b) => {
      const value = u32(b, l.offset, l.limit);
      return value === undefined ? undefined : value & 0xfffff;
    },
    { hexDigits: 6 },
  ),
  field('ipv6', 'ipv6.plen', 'Payload Length', 'uint16', (l, b) => u16(b, l.offset + 4, l.limit)),
  field('ipv6', 'ipv6.nxt', 'Next Header', 'uint8', (l, b) => u8(b, l.offset + 6, l.limit)),
  field('ipv6', 'ipv6.hlim', 'Hop Limit', 'uint8', (l, b) => u8(b, l.offset + 7, l.limit)),
  field('ipv6', 'ipv6.src', 'Source Address', 'ipv6', (l, b) => address(b, l.offset + 8, l.limit)),
  field('ipv6', 'ipv6.dst', 'Destination Address', 'ipv6', (l, b) => address(b, l.offset + 24, l.limit)),
  multiField('ipv6', 'ipv6.addr', 'Source or Destination Address', 'ipv6', (l, b, visit) => {
    const src = address(b, l.offset + 8, l.limit);
    if (src !== undefined && visit(src)) return true;
    const dst = address(b, l.offset + 24, l.limit);
    return dst !== undefined && visit(dst);
  }),
];
