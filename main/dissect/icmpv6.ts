/** ICMPv6 (RFC 4443, neighbour discovery RFC 4861): type, code, echo, ND targets and options. */
import { hexNumber, ipv6At, macAt, read16, u8, u16 } from './bytes.js';
import { type FieldDef, field, type ProtocolDef } from './field.js';
import { node, shortfall, TreeBuilder } from './tree.js';
import type { DissectionNode, Icmpv6Layer } from './types.js';

const TYPES: Record<number, string> = {
  1: 'Destination Unreachable',
  2: 'Packet Too Big',
  3: 'Time Exceeded',
  4: 'Parameter Problem',
  128: 'Echo (ping) request',
  129: 'Echo (ping) reply',
  130: 'Multicast Listener Query',
  131: 'Multicast Listener Report',
  132: 'Multicast Listener Done',
  133: 'Router Solicitation',
  134: 'Router Advertisement',
  135: 'Neighbor Solicitation',
  136: 'Neighbor Advertisement',
  137: 'Redirect',
  143: 'Multicast Listener Report Message v2',
};

const CODES: Record<number, string[]> = {
  1: [
    'no route to destination',
    'communication with destination administratively prohibited',
    'beyond scope of source address',
    'address unreachable',
    'Port unreachable',
    'source address failed ingress/egress policy',
    'reject route to destination',
  ],
  3: ['hop limit exceeded in transit', 'fragment reassembly time exceeded'],
  4: [
    'erroneous header field encountered',
    'unrecognized Next Header type encountered',
    'unrecognized IPv6 option encountered',
  ],
};

export const ICMPV6_ERROR_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4]);
const ECHO_TYPES: ReadonlySet<number> = new Set([128, 129]);
/** Neighbour-discovery messages: where their options start, relative to the ICMPv6 header. */
const ND_OPTIONS_AT: Record<number, number> = { 133: 8, 134: 16, 135: 24, 136: 24, 137: 40 };

export function parseIcmpv6(
  bytes: Uint8Array,
  offset: number,
  claimedEnd: number,
  inner = false,
): Icmpv6Layer {
  const limit = Math.min(claimedEnd, bytes.length);
  const type = u8(bytes, offset, limit) ?? -1;
  const error = ICMPV6_ERROR_TYPES.has(type);
  return {
    kind: 'icmpv6',
    offset,
    limit,
    problem: shortfall(
      'ICMPv6 header',
      offset,
      error || ECHO_TYPES.has(type) ? 8 : 4,
      claimedEnd,
      bytes.length,
    ),
    inner,
    type,
    code: u8(bytes, offset + 1, limit) ?? -1,
    quoteOffset: error && !inner && offset + 8 < limit ? offset + 8 : -1,
  };
}

function typeText(type: number): string {
  return TYPES[type] ?? `Unknown (${type})`;
}

function codeText(type: number, code: number): string | undefined {
  const codes = CODES[type];
  return codes === undefined ? undefined : (codes[code] ?? `Unknown (${code})`);
}

/** The link-layer address in a source (1) or target (2) link-layer address option, if any. */
function linkLayerOption(layer: Icmpv6Layer, bytes: Uint8Array, wanted: number): string | undefined {
  const start = ND_OPTIONS_AT[layer.type];
  if (start === undefined) return undefined;
  let at = layer.offset + start;
  while (at + 2 <= layer.limit) {
    const length = (bytes[at + 1] as number) * 8;
    if (length === 0 || at + length > layer.limit) return undefined;
    if (bytes[at] === wanted && length >= 8) return macAt(bytes, at + 2);
    at += length;
  }
  return undefined;
}

/** Wireshark's Info column ("Neighbor Solicitation for 2001:db8::2 from 02:00:00:00:00:01"). */
export function icmpv6Summary(layer: Icmpv6Layer, bytes: Uint8Array, hopLimit: number | undefined): string {
  if (layer.type < 0) return '';
  const at = layer.offset;
  let info = typeText(layer.type);
  const code = codeText(layer.type, layer.code);
  if (code) info += ` (${code})`;
  if (ECHO_TYPES.has(layer.type) && at + 8 <= layer.limit) {
    info += ` id=${hexNumber(read16(bytes, at + 4), 4)}, seq=${read16(bytes, at + 6)}`;
    if (hopLimit !== undefined) info += `, hop limit=${hopLimit}`;
  } else if (layer.type === 135 && at + 24 <= layer.limit) {
    info += ` for ${ipv6At(bytes, at + 8)}`;
    const from = linkLayerOption(layer, bytes, 1);
    if (from) info += ` from ${from}`;
  } else if (layer.type === 136 && at + 24 <= layer.limit) {
    const flags = bytes[at + 4] as number;
    const names = [flags & 0x80 ? 'rtr' : '', flags & 0x40 ? 'sol' : '', flags & 0x20 ? 'ovr' : '']
      .filter(Boolean)
      .join(', ');
    info += ` ${ipv6At(bytes, at + 8)} (${names})`;
    const target = linkLayerOption(layer, bytes, 2);
    if (target) info += ` is at ${target}`;
  } else if (layer.type === 133 || layer.type === 134) {
    const from = linkLayerOption(layer, bytes, 1);
    if (from) info += ` from ${from}`;
  }
  return info;
}

export function icmpv6Tree(layer: Icmpv6Layer, bytes: Uint8Array, quoted: DissectionNode[]): DissectionNode {
  const at = layer.offset;
  const t = new TreeBuilder(layer.limit);
  t.add(at, 1, 'icmpv6.type', () => `Type: ${typeText(layer.type)} (${layer.type})`);
  t.add(at + 1, 1, 'icmpv6.code', () => {
    const code = codeText(layer.type, layer.code);
    return code ? `Code: ${layer.code} (${code})` : `Code: ${layer.code}`;
  });
  t.add(at + 2, 2, 'icmpv6.checksum', () => `Checksum: ${hexNumber(read16(bytes, at + 2), 4)} [unverified]`);
  if (ECHO_TYPES.has(layer.type)) {
    t.add(at + 4, 2, 'icmpv6.echo.identifier', () => `Identifier: ${hexNumber(read16(bytes, at + 4), 4)}`);
    t.add(at + 6, 2, 'icmpv6.echo.sequence_number', () => `Sequence: ${read16(bytes, at + 6)}`);
    if (t.complete && at + 8 < layer.limit)
      t.push(node(`Data (${layer.limit - at - 8} bytes)`, at + 8, layer.limit - at - 8, 'data'));
  } else if (layer.type === 135 || layer.type === 136) {
    t.add(
      at + 4,
      4,
      undefined,
      () =>
        `${layer.type === 136 ? 'Flags' : 'Reserved'}: ${hexNumber(((bytes[at + 4] as number) << 24) >>> 0, 8)}`,
    );
    t.add(
      at + 8,
      16,
      `icmpv6.nd.${layer.type === 135 ? 'ns' : 'na'}.target_address`,
      () => `Target Address: ${ipv6At(bytes, at + 8)}`,
    );
  } else if (ICMPV6_ERROR_TYPES.has(layer.type)) {
    t.add(at + 4, 4, undefined, () =>
      layer.type === 2 ? `MTU: ${read16(bytes, at + 6)}` : 'Reserved: 00000000',
    );
    for (const quote of quoted) t.push(quote);
  }
  return t.build('Internet Control Message Protocol v6', 'icmpv6', at, layer.limit - at);
}

export const ICMPV6_PROTOCOLS: ProtocolDef[] = [
  { abbrev: 'icmpv6', name: 'Internet Control Message Protocol v6', layer: 'icmpv6' },
];

const target = (l: Icmpv6Layer, b: Uint8Array, type: number) =>
  l.type === type && l.offset + 24 <= l.limit ? b.subarray(l.offset + 8, l.offset + 24) : undefined;

export const ICMPV6_FIELDS: FieldDef[] = [
  field('icmpv6', 'icmpv6.type', 'Type', 'uint8', (l, b) => u8(b, l.offset, l.limit)),
  field('icmpv6', 'icmpv6.code', 'Code', 'uint8', (l, b) => u8(b, l.offset + 1, l.limit)),
  field('icmpv6', 'icmpv6.checksum', 'Checksum', 'uint16', (l, b) => u16(b, l.offset + 2, l.limit), {
    hexDigits: 4,
  }),
  field(
    'icmpv6',
    'icmpv6.echo.identifier',
    'Identifier',
    'uint16',
    (l, b) => (ECHO_TYPES.has(l.type) ? u16(b, l.offset + 4, l.limit) : undefined),
    { hexDigits: 4 },
  ),
  field('icmpv6', 'icmpv6.echo.sequence_number', 'Sequence', 'uint16', (l, b) =>
    ECHO_TYPES.has(l.type) ? u16(b, l.offset + 6, l.limit) : undefined,
  ),
  field('icmpv6', 'icmpv6.nd.ns.target_address', 'Target Address', 'ipv6', (l, b) => target(l, b, 135)),
  field('icmpv6', 'icmpv6.nd.na.target_address', 'Target Address', 'ipv6', (l, b) => target(l, b, 136)),
];
