/** ICMP for IPv4 (RFC 792): type, code, checksum; echo identifiers; the packet an error quotes. */
import { hexNumber, hexString, read16, u8, u16 } from './bytes.js';
import { type FieldDef, field, type ProtocolDef } from './field.js';
import { node, shortfall, TreeBuilder } from './tree.js';
import type { DissectionNode, IcmpLayer } from './types.js';

const TYPES: Record<number, string> = {
  0: 'Echo (ping) reply',
  3: 'Destination unreachable',
  4: 'Source quench (flow control)',
  5: 'Redirect',
  8: 'Echo (ping) request',
  9: 'Router advertisement',
  10: 'Router solicitation',
  11: 'Time-to-live exceeded',
  12: 'Parameter problem',
  13: 'Timestamp request',
  14: 'Timestamp reply',
  15: 'Information request',
  16: 'Information reply',
  17: 'Address mask request',
  18: 'Address mask reply',
};

const CODES: Record<number, string[]> = {
  3: [
    'Network unreachable',
    'Host unreachable',
    'Protocol unreachable',
    'Port unreachable',
    'Fragmentation needed',
    'Source route failed',
    'Destination network unknown',
    'Destination host unknown',
    'Source host isolated',
    'Network administratively prohibited',
    'Host administratively prohibited',
    'Network unreachable for TOS',
    'Host unreachable for TOS',
    'Communication administratively filtered',
    'Host precedence violation',
    'Precedence cutoff in effect',
  ],
  5: [
    'Redirect for network',
    'Redirect for host',
    'Redirect for TOS and network',
    'Redirect for TOS and host',
  ],
  11: ['Time to live exceeded in transit', 'Fragment reassembly time exceeded'],
  12: ['Pointer indicates the error', 'Required option missing', 'Bad length'],
};

/** Types whose body quotes the IP header and first bytes of the offending packet. */
export const ICMP_ERROR_TYPES: ReadonlySet<number> = new Set([3, 4, 5, 11, 12]);
/** Types with an identifier and sequence number after the checksum. */
const ID_SEQ_TYPES: ReadonlySet<number> = new Set([0, 8, 13, 14, 15, 16, 17, 18]);

export function parseIcmp(bytes: Uint8Array, offset: number, claimedEnd: number, inner = false): IcmpLayer {
  const limit = Math.min(claimedEnd, bytes.length);
  const type = u8(bytes, offset, limit) ?? -1;
  const error = ICMP_ERROR_TYPES.has(type);
  return {
    kind: 'icmp',
    offset,
    limit,
    problem: shortfall(
      'ICMP header',
      offset,
      error || ID_SEQ_TYPES.has(type) ? 8 : 4,
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
  return TYPES[type] ?? 'Unknown ICMP (obsolete or malformed?)';
}

function codeText(type: number, code: number): string | undefined {
  const codes = CODES[type];
  return codes === undefined ? undefined : (codes[code] ?? `Unknown code: ${code}`);
}

/**
 * "Echo (ping) request  id=0x1234, seq=1/256, ttl=64": the type padded to 20 characters, as
 * Wireshark pads it. `ttl`: the TTL of the IP header carrying the message.
 */
export function icmpSummary(layer: IcmpLayer, bytes: Uint8Array, ttl: number | undefined): string {
  if (layer.type < 0) return '';
  let info = typeText(layer.type).padEnd(20, ' ');
  const code = codeText(layer.type, layer.code);
  if (code) info += ` (${code})`;
  if (ID_SEQ_TYPES.has(layer.type) && layer.offset + 8 <= layer.limit) {
    const id = read16(bytes, layer.offset + 4);
    const seq = read16(bytes, layer.offset + 6);
    info += ` id=${hexNumber(id, 4)}, seq=${seq}/${((seq & 0xff) << 8) | (seq >> 8)}`;
    if (ttl !== undefined) info += `, ttl=${ttl}`;
  }
  return info;
}

export function icmpTree(layer: IcmpLayer, bytes: Uint8Array, quoted: DissectionNode[]): DissectionNode {
  const at = layer.offset;
  const t = new TreeBuilder(layer.limit);
  t.add(at, 1, 'icmp.type', () => `Type: ${layer.type} (${typeText(layer.type)})`);
  t.add(at + 1, 1, 'icmp.code', () => {
    const code = codeText(layer.type, layer.code);
    return code ? `Code: ${layer.code} (${code})` : `Code: ${layer.code}`;
  });
  t.add(at + 2, 2, 'icmp.checksum', () => `Checksum: ${hexNumber(read16(bytes, at + 2), 4)} [unverified]`);
  if (ID_SEQ_TYPES.has(layer.type)) {
    const both = (value: number) => `${value} (${hexNumber(value, 4)})`;
    const swapped = (value: number) => ((value & 0xff) << 8) | (value >> 8);
    t.add(at + 4, 2, 'icmp.ident', () => `Identifier (BE): ${both(read16(bytes, at + 4))}`);
    t.add(at + 4, 2, 'icmp.ident_le', () => `Identifier (LE): ${both(swapped(read16(bytes, at + 4)))}`);
    t.add(at + 6, 2, 'icmp.seq', () => `Sequence Number (BE): ${both(read16(bytes, at + 6))}`);
    t.add(at + 6, 2, 'icmp.seq_le', () => `Sequence Number (LE): ${both(swapped(read16(bytes, at + 6)))}`);
    if (t.complete && at + 8 < layer.limit)
      t.push(
        node(`Data (${layer.limit - at - 8} bytes)`, at + 8, layer.limit - at - 8, 'data', [
          node(
            `Data: ${hexString(bytes, at + 8, Math.min(layer.limit, at + 8 + 64))}${layer.limit - at - 8 > 64 ? '…' : ''}`,
            at + 8,
            layer.limit - at - 8,
            'data.data',
          ),
        ]),
      );
  } else if (ICMP_ERROR_TYPES.has(layer.type)) {
    t.add(
      at + 4,
      4,
      undefined,
      () => `${layer.type === 5 ? 'Gateway address' : 'Unused'}: ${hexString(bytes, at + 4, at + 8)}`,
    );
    for (const quote of quoted) t.push(quote);
  }
  return t.build('Internet Control Message Protocol', 'icmp', at, layer.limit - at);
}

export const ICMP_PROTOCOLS: ProtocolDef[] = [
  { abbrev: 'icmp', name: 'Internet Control Message Protocol', layer: 'icmp' },
];

const idSeq = (l: IcmpLayer, b: Uint8Array, rel: number, swap: boolean) => {
  if (!ID_SEQ_TYPES.has(l.type)) return undefined;
  const value = u16(b, l.offset + rel, l.limit);
  return value === undefined || !swap ? value : ((value & 0xff) << 8) | (value >> 8);
};

export const ICMP_FIELDS: FieldDef[] = [
  field('icmp', 'icmp.type', 'Type', 'uint8', (l, b) => u8(b, l.offset, l.limit)),
  field('icmp', 'icmp.code', 'Code', 'uint8', (l, b) => u8(b, l.offset + 1, l.limit)),
  field('icmp', 'icmp.checksum', 'Checksum', 'uint16', (l, b) => u16(b, l.offset + 2, l.limit), {
    hexDigits: 4,
  }),
  field('icmp', 'icmp.ident', 'Identifier (BE)', 'uint16', (l, b) => idSeq(l, b, 4, false)),
  field('icmp', 'icmp.ident_le', 'Identifier (LE)', 'uint16', (l, b) => idSeq(l, b, 4, true)),
  field('icmp', 'icmp.seq', 'Sequence Number (BE)', 'uint16', (l, b) => idSeq(l, b, 6, false)),
  field('icmp', 'icmp.seq_le', 'Sequence Number (LE)', 'uint16', (l, b) => idSeq(l, b, 6, true)),
];
