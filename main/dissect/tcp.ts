/**
 * TCP (RFC 9293): ports, sequence numbers, flags, window and options. Sequence numbers are the
 * absolute ones on the wire: Wireshark shows numbers relative to the first segment it saw of
 * the stream, which a per-packet decoder cannot know (tshark -o tcp.relative_sequence_numbers:FALSE
 * shows what we show).
 */
import { bitPicture, hexNumber, read16, read32, u8, u16, u32 } from './bytes.js';
import { type FieldDef, field, multiField, type ProtocolDef } from './field.js';
import { node, shortfall, TreeBuilder } from './tree.js';
import type { DissectionNode, TcpLayer } from './types.js';

export const TCP_FLAG = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  AE: 0x100,
} as const;

const FLAG_NAMES: Array<[number, string]> = [
  [TCP_FLAG.FIN, 'FIN'],
  [TCP_FLAG.SYN, 'SYN'],
  [TCP_FLAG.RST, 'RST'],
  [TCP_FLAG.PSH, 'PSH'],
  [TCP_FLAG.ACK, 'ACK'],
  [TCP_FLAG.URG, 'URG'],
  [TCP_FLAG.ECE, 'ECE'],
  [TCP_FLAG.CWR, 'CWR'],
  [TCP_FLAG.AE, 'AE'],
  [0xe00, 'Reserved'],
];

/** `claimedEnd`: where the IP datagram says the segment ends. */
export function parseTcp(bytes: Uint8Array, offset: number, claimedEnd: number, inner = false): TcpLayer {
  const captured = bytes.length;
  const limit = Math.min(claimedEnd, captured);
  const word = u16(bytes, offset + 12, limit);
  const headerLength = word === undefined ? 20 : (word >> 12) * 4;
  const layer: TcpLayer = {
    kind: 'tcp',
    offset,
    limit,
    problem: undefined,
    inner,
    end: claimedEnd,
    headerLength,
    flags: word === undefined ? 0 : word & 0x0fff,
    payloadLength: Math.max(0, claimedEnd - offset - headerLength),
    payloadOffset: offset + headerLength,
  };
  if (word !== undefined && headerLength < 20) {
    layer.problem = {
      kind: 'malformed',
      detail: `Bogus TCP header length (${headerLength}, must be at least 20)`,
      inInfo: true,
    };
    // Wireshark shows the ports, the sequence number and the header length, then stops.
    layer.limit = Math.min(limit, offset + 8);
    return layer;
  }
  if (word !== undefined && offset + headerLength > claimedEnd && claimedEnd - offset >= 20) {
    layer.problem = {
      kind: 'malformed',
      detail: `Bogus TCP header length (${headerLength}, must be at most ${claimedEnd - offset})`,
      inInfo: true,
    };
    layer.limit = Math.min(limit, offset + 8);
    return layer;
  }
  layer.problem = shortfall('TCP header', offset, headerLength, claimedEnd, captured);
  return layer;
}

const FLAG_TEXT: string[] = [];

/** "SYN, ACK" (memoised: 4096 possible values, a handful in practice). */
export function tcpFlagNames(flags: number): string {
  const known = FLAG_TEXT[flags & 0xfff];
  if (known !== undefined) return known;
  let out = '';
  for (const [mask, name] of FLAG_NAMES) if (flags & mask) out += out ? `, ${name}` : name;
  FLAG_TEXT[flags & 0xfff] = out || '<None>';
  return out || '<None>';
}

export interface TcpOption {
  kind: number;
  offset: number;
  length: number;
}

/** The options in header order; stops at End of Option List or at a length that does not fit. */
export function tcpOptions(layer: TcpLayer, bytes: Uint8Array): TcpOption[] {
  const out: TcpOption[] = [];
  const end = Math.min(layer.offset + layer.headerLength, layer.limit);
  let at = layer.offset + 20;
  while (at < end) {
    const kind = bytes[at] as number;
    if (kind === 0) {
      out.push({ kind, offset: at, length: 1 });
      break;
    }
    if (kind === 1) {
      out.push({ kind, offset: at, length: 1 });
      at++;
      continue;
    }
    const length = u8(bytes, at + 1, end);
    if (length === undefined || length < 2 || at + length > end) break;
    out.push({ kind, offset: at, length });
    at += length;
  }
  return out;
}

/** What the Info column adds for an option ("MSS=1460", "SACK_PERM", "WS=128"), or ''. */
function optionInfo(option: TcpOption, bytes: Uint8Array): string {
  const at = option.offset;
  switch (option.kind) {
    case 2:
      return option.length === 4 ? ` MSS=${read16(bytes, at + 2)}` : '';
    case 3:
      return option.length === 3 ? ` WS=${2 ** Math.min(14, bytes[at + 2] as number)}` : '';
    case 4:
      return ' SACK_PERM';
    case 5: {
      let out = '';
      for (let i = at + 2; i + 8 <= at + option.length; i += 8)
        out += ` SLE=${read32(bytes, i)} SRE=${read32(bytes, i + 4)}`;
      return out;
    }
    case 8:
      return option.length === 10 ? ` TSval=${read32(bytes, at + 2)} TSecr=${read32(bytes, at + 6)}` : '';
    default:
      return '';
  }
}

const OPTION_NAMES: Record<number, string> = {
  0: 'End of Option List (EOL)',
  1: 'No-Operation (NOP)',
  2: 'Maximum segment size',
  3: 'Window scale',
  4: 'SACK permitted',
  5: 'SACK',
  8: 'Timestamps',
  28: 'User Timeout',
  29: 'TCP Authentication Option',
  30: 'Multipath TCP',
  34: 'TCP Fast Open Cookie',
};

function optionNode(option: TcpOption, bytes: Uint8Array): DissectionNode {
  const at = option.offset;
  const name = OPTION_NAMES[option.kind] ?? `Unknown (${option.kind})`;
  let label = `TCP Option - ${name}`;
  if (option.kind === 2 && option.length === 4) label += `: ${read16(bytes, at + 2)} bytes`;
  if (option.kind === 3 && option.length === 3) {
    const shift = bytes[at + 2] as number;
    label += `: ${shift} (multiply by ${2 ** Math.min(14, shift)})`;
  }
  if (option.kind === 8 && option.length === 10)
    label += `: TSval ${read32(bytes, at + 2)}, TSecr ${read32(bytes, at + 6)}`;
  const children = [node(`Kind: ${name} (${option.kind})`, at, 1, 'tcp.option_kind')];
  if (option.length > 1) children.push(node(`Length: ${option.length}`, at + 1, 1, 'tcp.option_len'));
  return node(label, at, option.length, undefined, children);
}

/** "443 → 51000 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0 MSS=1460 …", Wireshark's Info column. */
export function tcpSummary(layer: TcpLayer, bytes: Uint8Array): string {
  const at = layer.offset;
  const ports = at + 4 <= layer.limit ? `${read16(bytes, at)} → ${read16(bytes, at + 2)}` : '';
  if (layer.problem?.inInfo) {
    // A bogus data offset: Wireshark still shows flags, Seq and Win, then says what is wrong.
    if (at + 16 > Math.min(layer.end, bytes.length)) return ports;
    const flags = tcpFlagNames(read16(bytes, at + 12) & 0x0fff);
    const detail = layer.problem.detail;
    return `${ports} [${flags}] Seq=${read32(bytes, at + 4)} Win=${read16(bytes, at + 14)}, ${detail[0]?.toLowerCase()}${detail.slice(1)}`;
  }
  if (at + 20 > layer.limit || layer.headerLength < 20) return ports;
  const flags = layer.flags;
  let info = `${ports} [${tcpFlagNames(flags)}] Seq=${read32(bytes, at + 4)}`;
  if (flags & TCP_FLAG.ACK) info += ` Ack=${read32(bytes, at + 8)}`;
  info += ` Win=${read16(bytes, at + 14)}`;
  if (flags & TCP_FLAG.URG) info += ` Urg=${read16(bytes, at + 18)}`;
  info += ` Len=${layer.payloadLength}`;
  if (layer.headerLength > 20)
    for (const option of tcpOptions(layer, bytes)) info += optionInfo(option, bytes);
  return info;
}

export function tcpTree(layer: TcpLayer, bytes: Uint8Array): DissectionNode {
  const at = layer.offset;
  const t = new TreeBuilder(layer.limit);
  t.add(at, 2, 'tcp.srcport', () => `Source Port: ${read16(bytes, at)}`);
  t.add(at + 2, 2, 'tcp.dstport', () => `Destination Port: ${read16(bytes, at + 2)}`);
  t.add(at + 4, 4, 'tcp.seq', () => `Sequence Number: ${read32(bytes, at + 4)}`);
  t.add(at + 8, 4, 'tcp.ack', () => `Acknowledgment Number: ${read32(bytes, at + 8)}`);
  t.add(
    at + 12,
    1,
    'tcp.hdr_len',
    () =>
      `${bitPicture(bytes[at + 12] as number, 0xf0, 8)} = Header Length: ${layer.headerLength} bytes (${layer.headerLength / 4})`,
  );
  t.add(
    at + 12,
    2,
    'tcp.flags',
    () => `Flags: ${hexNumber(layer.flags, 3)} (${tcpFlagNames(layer.flags)})`,
    () => flagNodes(layer.flags, at + 12),
  );
  t.add(at + 14, 2, 'tcp.window_size_value', () => `Window: ${read16(bytes, at + 14)}`);
  t.add(at + 16, 2, 'tcp.checksum', () => `Checksum: ${hexNumber(read16(bytes, at + 16), 4)} [unverified]`);
  t.add(at + 18, 2, 'tcp.urgent_pointer', () => `Urgent Pointer: ${read16(bytes, at + 18)}`);
  if (layer.headerLength > 20) {
    const options = tcpOptions(layer, bytes);
    t.add(
      at + 20,
      layer.headerLength - 20,
      'tcp.options',
      () =>
        `Options: (${layer.headerLength - 20} bytes), ${options.map((o) => OPTION_NAMES[o.kind] ?? 'Unknown').join(', ')}`,
      () => options.map((o) => optionNode(o, bytes)),
    );
  }
  let title = 'Transmission Control Protocol';
  if (at + 4 <= layer.limit) title += `, Src Port: ${read16(bytes, at)}, Dst Port: ${read16(bytes, at + 2)}`;
  if (at + 20 <= layer.limit && layer.headerLength >= 20) {
    title += `, Seq: ${read32(bytes, at + 4)}`;
    if (layer.flags & TCP_FLAG.ACK) title += `, Ack: ${read32(bytes, at + 8)}`;
    title += `, Len: ${layer.payloadLength}`;
  }
  return t.build(title, 'tcp', at, Math.min(layer.headerLength, layer.limit - at));
}

function flagNodes(flags: number, at: number): DissectionNode[] {
  const bits: Array<[number, string, string]> = [
    [0xe00, 'Reserved', 'tcp.flags.res'],
    [TCP_FLAG.AE, 'Accurate ECN', 'tcp.flags.ae'],
    [TCP_FLAG.CWR, 'Congestion Window Reduced', 'tcp.flags.cwr'],
    [TCP_FLAG.ECE, 'ECN-Echo', 'tcp.flags.ece'],
    [TCP_FLAG.URG, 'Urgent', 'tcp.flags.urg'],
    [TCP_FLAG.ACK, 'Acknowledgment', 'tcp.flags.ack'],
    [TCP_FLAG.PSH, 'Push', 'tcp.flags.push'],
    [TCP_FLAG.RST, 'Reset', 'tcp.flags.reset'],
    [TCP_FLAG.SYN, 'Syn', 'tcp.flags.syn'],
    [TCP_FLAG.FIN, 'Fin', 'tcp.flags.fin'],
  ];
  return bits.map(([mask, name, abbrev]) =>
    node(`${bitPicture(flags, mask, 12)} = ${name}: ${flags & mask ? 'Set' : 'Not set'}`, at, 2, abbrev),
  );
}

export const TCP_PROTOCOLS: ProtocolDef[] = [
  { abbrev: 'tcp', name: 'Transmission Control Protocol', layer: 'tcp' },
];

/** True when byte 12 (data offset) was captured and lies inside the segment, even past a bogus header. */
function dataOffsetCaptured(l: TcpLayer, b: Uint8Array): boolean {
  return l.offset + 13 <= Math.min(l.end, b.length);
}

/** The flags when the byte holding them was captured. */
function flagsOf(l: TcpLayer, b: Uint8Array): number | undefined {
  const word = u16(b, l.offset + 12, l.limit);
  return word === undefined ? undefined : word & 0x0fff;
}

function flagField(abbrev: string, name: string, mask: number): FieldDef {
  return field('tcp', abbrev, name, 'bool', (l, b) => {
    const flags = flagsOf(l, b);
    return flags === undefined ? undefined : (flags & mask) !== 0;
  });
}

/** The option's value bytes offset, when the option is present and complete. */
function optionAt(l: TcpLayer, b: Uint8Array, kind: number, length: number): number | undefined {
  if (l.headerLength <= 20) return undefined;
  for (const option of tcpOptions(l, b))
    if (option.kind === kind && option.length === length) return option.offset + 2;
  return undefined;
}

export const TCP_FIELDS: FieldDef[] = [
  field('tcp', 'tcp.srcport', 'Source Port', 'uint16', (l, b) => u16(b, l.offset, l.limit)),
  field('tcp', 'tcp.dstport', 'Destination Port', 'uint16', (l, b) => u16(b, l.offset + 2, l.limit)),
  multiField('tcp', 'tcp.port', 'Source or Destination Port', 'uint16', (l, b, visit) => {
    const src = u16(b, l.offset, l.limit);
    if (src !== undefined && visit(src)) return true;
    const dst = u16(b, l.offset + 2, l.limit);
    return dst !== undefined && visit(dst);
  }),
  field('tcp', 'tcp.seq', 'Sequence Number', 'uint32', (l, b) => u32(b, l.offset + 4, l.limit)),
  field('tcp', 'tcp.seq_raw', 'Sequence Number (raw)', 'uint32', (l, b) =>
    l.inner ? undefined : u32(b, l.offset + 4, l.limit),
  ),
  field('tcp', 'tcp.ack', 'Acknowledgment Number', 'uint32', (l, b) => u32(b, l.offset + 8, l.limit)),
  field('tcp', 'tcp.ack_raw', 'Acknowledgment number (raw)', 'uint32', (l, b) =>
    u32(b, l.offset + 8, l.limit),
  ),
  field('tcp', 'tcp.hdr_len', 'Header Length', 'uint8', (l, b) =>
    dataOffsetCaptured(l, b) ? l.headerLength : undefined,
  ),
  field('tcp', 'tcp.flags', 'Flags', 'uint16', flagsOf, { hexDigits: 4 }),
  flagField('tcp.flags.res', 'Reserved', 0xe00),
  flagField('tcp.flags.ae', 'Accurate ECN', TCP_FLAG.AE),
  flagField('tcp.flags.cwr', 'Congestion Window Reduced', TCP_FLAG.CWR),
  flagField('tcp.flags.ece', 'ECN-Echo', TCP_FLAG.ECE),
  flagField('tcp.flags.urg', 'Urgent', TCP_FLAG.URG),
  flagField('tcp.flags.ack', 'Acknowledgment', TCP_FLAG.ACK),
  flagField('tcp.flags.push', 'Push', TCP_FLAG.PSH),
  flagField('tcp.flags.reset', 'Reset', TCP_FLAG.RST),
  flagField('tcp.flags.syn', 'Syn', TCP_FLAG.SYN),
  flagField('tcp.flags.fin', 'Fin', TCP_FLAG.FIN),
  field('tcp', 'tcp.window_size_value', 'Window', 'uint16', (l, b) => u16(b, l.offset + 14, l.limit)),
  field('tcp', 'tcp.checksum', 'Checksum', 'uint16', (l, b) => u16(b, l.offset + 16, l.limit), {
    hexDigits: 4,
  }),
  field('tcp', 'tcp.urgent_pointer', 'Urgent Pointer', 'uint16', (l, b) => u16(b, l.offset + 18, l.limit)),
  // Wireshark adds the segment length as soon as it has read the data offset (byte 12).
  field('tcp', 'tcp.len', 'TCP Segment Len', 'uint32', (l, b) =>
    dataOffsetCaptured(l, b) && !l.inner && l.offset + l.headerLength <= l.end ? l.payloadLength : undefined,
  ),
  field('tcp', 'tcp.options.mss_val', 'MSS Value', 'uint16', (l, b) => {
    const at = optionAt(l, b, 2, 4);
    return at === undefined ? undefined : read16(b, at);
  }),
  field('tcp', 'tcp.options.wscale.shift', 'Shift count', 'uint8', (l, b) => {
    const at = optionAt(l, b, 3, 3);
    return at === undefined ? undefined : b[at];
  }),
];
