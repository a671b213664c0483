/** IPv4 (RFC 791): a 20–60 byte header; the total length bounds everything above it. */
import { bitPicture, hexNumber, ipv4At, read16, u8, u16, u32 } from './bytes.js';
import { type FieldDef, field, multiField, type ProtocolDef } from './field.js';
import { node, shortfall, TreeBuilder } from './tree.js';
import type { DissectionNode, IpLayer, LayerProblem } from './types.js';

/** Wireshark's names for IP protocol numbers ("Protocol: TCP (6)"). */
const IP_PROTOCOLS: Record<number, string> = {
  0: 'IPv6 Hop-by-Hop Option',
  1: 'ICMP',
  2: 'IGMP',
  4: 'IPIP',
  6: 'TCP',
  17: 'UDP',
  41: 'IPv6',
  43: 'Routing Header for IPv6',
  44: 'Fragment Header for IPv6',
  47: 'GRE',
  50: 'Encap Security Payload',
  51: 'Authentication Header',
  58: 'ICMPv6',
  59: 'IPv6 No Next Header',
  60: 'Destination Options for IPv6',
  88: 'EIGRP',
  89: 'OSPF IGP',
  103: 'PIM',
  112: 'VRRP',
  115: 'Layer 2 Tunneling Protocol',
  132: 'SCTP',
  136: 'UDPlite',
  137: 'MPLS in IP',
};

/** The Protocol column for IP payloads ClusterTap names but does not decode. */
const IP_PROTOCOL_COLUMN: Record<number, string> = {
  2: 'IGMP',
  4: 'IPIP',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  88: 'EIGRP',
  89: 'OSPF',
  103: 'PIM',
  112: 'VRRP',
  115: 'L2TP',
  132: 'SCTP',
};

export function ipProtocolName(protocol: number): string {
  return IP_PROTOCOLS[protocol] ?? 'Unknown';
}

export function ipProtocolLabel(protocol: number): string {
  return `${ipProtocolName(protocol)} (${protocol})`;
}

export function ipProtocolColumn(protocol: number): string | undefined {
  return IP_PROTOCOL_COLUMN[protocol];
}

const DSCP_NAMES: Record<number, string> = {
  0: 'CS0',
  8: 'CS1',
  10: 'AF11',
  12: 'AF12',
  14: 'AF13',
  16: 'CS2',
  18: 'AF21',
  20: 'AF22',
  22: 'AF23',
  24: 'CS3',
  26: 'AF31',
  28: 'AF32',
  30: 'AF33',
  32: 'CS4',
  34: 'AF41',
  36: 'AF42',
  38: 'AF43',
  40: 'CS5',
  44: 'VOICE-ADMIT',
  46: 'EF',
  48: 'CS6',
  56: 'CS7',
};
const ECN_SHORT = ['Not-ECT', 'ECT(1)', 'ECT(0)', 'CE'];
const ECN_LONG = [
  'Not ECN-Capable Transport',
  "ECN-Capable Transport codepoint '01'",
  "ECN-Capable Transport codepoint '10'",
  'Congestion Experienced',
];

/** "0x00 (DSCP: CS0, ECN: Not-ECT)", shared with IPv6's traffic class. */
export function dsfieldText(value: number): string {
  const dscp = value >> 2;
  return `${hexNumber(value, 2)} (DSCP: ${DSCP_NAMES[dscp] ?? `Unknown (${dscp})`}, ECN: ${ECN_SHORT[value & 3]})`;
}

export function dsfieldChildren(
  value: number,
  at: number,
  length: number,
  picture: (mask: number) => string,
) {
  const dscp = value >> 2;
  return [
    node(
      `${picture(0xfc)} = Differentiated Services Codepoint: ${dscp === 0 ? 'Default' : (DSCP_NAMES[dscp] ?? 'Unknown')} (${dscp})`,
      at,
      length,
    ),
    node(
      `${picture(0x03)} = Explicit Congestion Notification: ${ECN_LONG[value & 3]} (${value & 3})`,
      at,
      length,
    ),
  ];
}

/**
 * An IPv4 header at `offset`. The datagram ends at the total length (or at `claimedEnd` when the
 * frame is shorter, or when the length is 0 as segmentation offload leaves it).
 */
export function parseIpv4(bytes: Uint8Array, offset: number, claimedEnd: number, inner = false): IpLayer {
  const captured = bytes.length;
  const first = u8(bytes, offset, Math.min(claimedEnd, captured));
  const version = first === undefined ? 4 : first >> 4;
  const headerLength = first === undefined ? 20 : (first & 0x0f) * 4;
  const statedLength = u16(bytes, offset + 2, Math.min(claimedEnd, captured));
  const totalLength = statedLength === undefined || statedLength === 0 ? claimedEnd - offset : statedLength;
  const end = Math.min(offset + totalLength, claimedEnd);
  const layer: IpLayer = {
    kind: 'ip',
    offset,
    limit: Math.min(end, captured),
    problem: undefined,
    inner,
    headerLength,
    totalLength,
    protocol: u8(bytes, offset + 9, Math.min(end, captured)) ?? -1,
    fragmentOffset: 0,
    moreFragments: false,
    payloadOffset: offset + headerLength,
    payloadEnd: end,
  };
  layer.problem = ipv4Problem(
    version,
    headerLength,
    totalLength,
    statedLength,
    offset,
    end,
    claimedEnd,
    captured,
  );
  // Wireshark stops right after a field that is wrong: version/IHL (byte 0) or the total length.
  if (version !== 4 || headerLength < 20) {
    layer.limit = Math.min(layer.limit, offset + 1);
    return layer;
  }
  if (statedLength !== undefined && totalLength < headerLength) {
    layer.limit = Math.min(layer.limit, offset + 4);
    return layer;
  }
  const flags = u16(bytes, offset + 6, layer.limit);
  if (flags !== undefined) {
    layer.fragmentOffset = (flags & 0x1fff) * 8;
    layer.moreFragments = (flags & 0x2000) !== 0;
  }
  return layer;
}

function ipv4Problem(
  version: number,
  headerLength: number,
  totalLength: number,
  statedLength: number | undefined,
  offset: number,
  end: number,
  claimedEnd: number,
  captured: number,
): LayerProblem | undefined {
  if (version !== 4)
    return { kind: 'malformed', detail: `Bogus IPv4 version (${version}, must be 4)`, inInfo: true };
  if (headerLength < 20)
    return {
      kind: 'malformed',
      detail: `Bogus IP header length (${headerLength}, must be at least 20)`,
      inInfo: true,
    };
  if (statedLength !== undefined && totalLength < headerLength)
    return {
      kind: 'malformed',
      detail: `Bogus IP length (${totalLength}, less than header length ${headerLength})`,
      inInfo: true,
    };
  return shortfall('IPv4 header', offset, headerLength, Math.min(end, claimedEnd), captured);
}

/** True when this datagram carries a non-first fragment: nothing above IP can be decoded. */
export function isLaterFragment(layer: IpLayer): boolean {
  return layer.fragmentOffset > 0;
}

/** "Fragmented IP protocol (proto=UDP 17, off=1480, ID=004d)". */
export function ipv4FragmentInfo(layer: IpLayer, bytes: Uint8Array): string {
  const id = u16(bytes, layer.offset + 4, layer.limit) ?? 0;
  return `Fragmented IP protocol (proto=${ipProtocolName(layer.protocol)} ${layer.protocol}, off=${layer.fragmentOffset}, ID=${id.toString(16).padStart(4, '0')})`;
}

export function ipv4Tree(layer: IpLayer, bytes: Uint8Array): DissectionNode {
  const at = layer.offset;
  const t = new TreeBuilder(layer.limit);
  const byte = (i: number) => bytes[at + i] as number;
  t.add(at, 1, 'ip.version', () => `${bitPicture(byte(0), 0xf0, 8)} = Version: ${byte(0) >> 4}`);
  t.add(
    at,
    1,
    'ip.hdr_len',
    () =>
      `${bitPicture(byte(0), 0x0f, 8)} = Header Length: ${layer.headerLength} bytes (${layer.headerLength / 4})`,
  );
  t.add(
    at + 1,
    1,
    'ip.dsfield',
    () => `Differentiated Services Field: ${dsfieldText(byte(1))}`,
    () => dsfieldChildren(byte(1), at + 1, 1, (mask) => bitPicture(byte(1), mask, 8)),
  );
  t.add(at + 2, 2, 'ip.len', () => `Total Length: ${read16(bytes, at + 2)}`);
  t.add(at + 4, 2, 'ip.id', () => {
    const id = read16(bytes, at + 4);
    return `Identification: ${hexNumber(id, 4)} (${id})`;
  });
  t.add(
    at + 6,
    1,
    'ip.flags',
    () => {
      const flags = byte(6) >> 5;
      const names = [
        flags & 4 ? 'Reserved' : '',
        flags & 2 ? "Don't fragment" : '',
        flags & 1 ? 'More fragments' : '',
      ]
        .filter(Boolean)
        .join(', ');
      return `${bitPicture(byte(6), 0xe0, 8)} = Flags: ${hexNumber(flags, 1)}${names ? `, ${names}` : ''}`;
    },
    () => {
      const f = byte(6);
      const set = (mask: number) => (f & mask ? 'Set' : 'Not set');
      return [
        node(`${bitPicture(f, 0x80, 8)} = Reserved bit: ${set(0x80)}`, at + 6, 1, 'ip.flags.rb'),
        node(`${bitPicture(f, 0x40, 8)} = Don't fragment: ${set(0x40)}`, at + 6, 1, 'ip.flags.df'),
        node(`${bitPicture(f, 0x20, 8)} = More fragments: ${set(0x20)}`, at + 6, 1, 'ip.flags.mf'),
      ];
    },
  );
  t.add(
    at + 6,
    2,
    'ip.frag_offset',
    () => `${bitPicture(read16(bytes, at + 6), 0x1fff, 16)} = Fragment Offset: ${layer.fragmentOffset}`,
  );
  t.add(at + 8, 1, 'ip.ttl', () => `Time to Live: ${byte(8)}`);
  t.add(at + 9, 1, 'ip.proto', () => `Protocol: ${ipProtocolLabel(byte(9))}`);
  t.add(
    at + 10,
    2,
    'ip.checksum',
    () => `Header Checksum: ${hexNumber(read16(bytes, at + 10), 4)} [validation disabled]`,
  );
  t.add(at + 12, 4, 'ip.src', () => `Source Address: ${ipv4At(bytes, at + 12)}`);
  t.add(at + 16, 4, 'ip.dst', () => `Destination Address: ${ipv4At(bytes, at + 16)}`);
  if (layer.headerLength > 20)
    t.add(
      at + 20,
      layer.headerLength - 20,
      'ip.options',
      () => `Options: (${layer.headerLength - 20} bytes)`,
    );
  const addresses =
    at + 20 <= layer.limit ? `, Src: ${ipv4At(bytes, at + 12)}, Dst: ${ipv4At(bytes, at + 16)}` : '';
  return t.build(
    `Internet Protocol Version 4${addresses}`,
    'ip',
    at,
    Math.min(layer.headerLength, layer.limit - at),
  );
}

export const IPV4_PROTOCOLS: ProtocolDef[] = [
  { abbrev: 'ip', name: 'Internet Protocol Version 4', layer: 'ip' },
];

export const IPV4_FIELDS: FieldDef[] = [
  {
    abbrev: 'ip.version',
    name: 'Version',
    type: 'uint8',
    layer: 'ip',
    otherLayer: 'ipv6',
    each: (l, b, visit) => {
      const first = u8(b, l.offset, l.limit);
      return first !== undefined && visit(first >> 4);
    },
  },
  field('ip', 'ip.hdr_len', 'Header Length', 'uint8', (l) =>
    l.offset < l.limit ? l.headerLength : undefined,
  ),
  field(
    'ip',
    'ip.dsfield',
    'Differentiated Services Field',
    'uint8',
    (l, b) => u8(b, l.offset + 1, l.limit),
    {
      hexDigits: 2,
    },
  ),
  field('ip', 'ip.dsfield.dscp', 'Differentiated Services Codepoint', 'uint8', (l, b) => {
    const value = u8(b, l.offset + 1, l.limit);
    return value === undefined ? undefined : value >> 2;
  }),
  field('ip', 'ip.dsfield.ecn', 'Explicit Congestion Notification', 'uint8', (l, b) => {
    const value = u8(b, l.offset + 1, l.limit);
    return value === undefined ? undefined : value & 3;
  }),
  field('ip', 'ip.len', 'Total Length', 'uint16', (l, b) => u16(b, l.offset + 2, l.limit)),
  field('ip', 'ip.id', 'Identification', 'uint16', (l, b) => u16(b, l.offset + 4, l.limit), { hexDigits: 4 }),
  field(
    'ip',
    'ip.flags',
    'Flags',
    'uint8',
    (l, b) => {
      const value = u8(b, l.offset + 6, l.limit);
      return value === undefined ? undefined : value >> 5;
    },
    { hexDigits: 2 },
  ),
  field('ip', 'ip.flags.rb', 'Reserved bit', 'bool', (l, b) => flagBit(l, b, 0x80)),
  field('ip', 'ip.flags.df', "Don't fragment", 'bool', (l, b) => flagBit(l, b, 0x40)),
  field('ip', 'ip.flags.mf', 'More fragments', 'bool', (l, b) => flagBit(l, b, 0x20)),
  field('ip', 'ip.frag_offset', 'Fragment Offset', 'uint16', (l, b) => {
    const value = u16(b, l.offset + 6, l.limit);
    return value === undefined ? undefined : value & 0x1fff;
  }),
  field('ip', 'ip.ttl', 'Time to Live', 'uint8', (l, b) => u8(b, l.offset + 8, l.limit)),
  field('ip', 'ip.proto', 'Protocol', 'uint8', (l, b) => u8(b, l.offset + 9, l.limit)),
  field('ip', 'ip.checksum', 'Header Checksum', 'uint16', (l, b) => u16(b, l.offset + 10, l.limit), {
    hexDigits: 4,
  }),
  field('ip', 'ip.src', 'Source Address', 'ipv4', (l, b) => u32(b, l.offset + 12, l.limit)),
  field('ip', 'ip.dst', 'Destination Address', 'ipv4', (l, b) => u32(b, l.offset + 16, l.limit)),
  multiField('ip', 'ip.addr', 'Source or Destination Address', 'ipv4', (l, b, visit) => {
    const src = u32(b, l.offset + 12, l.limit);
    if (src !== undefined && visit(src)) return true;
    const dst = u32(b, l.offset + 16, l.limit);
    return dst !== undefined && visit(dst);
  }),
];

function flagBit(l: IpLayer, b: Uint8Array, mask: number): boolean | undefined {
  const value = u8(b, l.offset + 6, l.limit);
  return value === undefined ? undefined : (value & mask) !== 0;
}
