/**
 * Builds the frames the flow tests feed in. Checksums are left 0: the flow exporter never
 * verifies them, and the byte-annotated fixtures in the tests show the layouts field by field.
 */
export interface FrameSpec {
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  protocol: 'tcp' | 'udp' | 'icmp';
  srcPort?: number;
  dstPort?: number;
  /** TCP flags byte, or ICMP type × 256 + code. */
  tcpFlags?: number;
  icmpTypeCode?: number;
  payload?: number;
  tos?: number;
  /** 802.1Q tags, outermost first (the outermost is sent as 802.1ad when there are two). */
  vlans?: number[];
  /** Link type 1 (Ethernet) or 101 (raw IP). */
  link?: 1 | 101;
}

export function buildFrame(spec: FrameSpec): Uint8Array {
  const transport = transportOf(spec);
  const ip = spec.ipVersion === 4 ? ipv4(spec, transport) : ipv6(spec, transport);
  if (spec.link === 101) return ip;
  return Buffer.concat([ethernet(spec.ipVersion, spec.vlans ?? []), ip]);
}

/** What softflowd and our exporter count for a frame: its length minus the link header. */
export function linkHeaderLength(spec: FrameSpec): number {
  return spec.link === 101 ? 0 : 14 + 4 * (spec.vlans?.length ?? 0);
}

export function ethernet(ipVersion: 4 | 6, vlans: number[]): Buffer {
  const macs = Buffer.from('020000000002020000000001', 'hex');
  const tags = vlans.map((vid, i) => {
    const tag = Buffer.alloc(4);
    tag.writeUInt16BE(i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100, 0);
    tag.writeUInt16BE(vid, 2);
    return tag;
  });
  const type = Buffer.alloc(2);
  type.writeUInt16BE(ipVersion === 4 ? 0x0800 : 0x86dd, 0);
  return Buffer.concat([macs, ...tags, type]);
}

function transportOf(spec: FrameSpec): Buffer {
  const payload = Buffer.alloc(spec.payload ?? 0, 0x61);
  if (spec.protocol === 'icmp') {
    const header = Buffer.alloc(8);
    header.writeUInt16BE(spec.icmpTypeCode ?? 0x0800, 0);
    return Buffer.concat([header, payload]);
  }
  const header = Buffer.alloc(spec.protocol === 'tcp' ? 20 : 8);
  header.writeUInt16BE(spec.srcPort ?? 0, 0);
  header.writeUInt16BE(spec.dstPort ?? 0, 2);
  if (spec.protocol === 'tcp') {
    header[12] = 0x50; // data offset 5 words
    header[13] = spec.tcpFlags ?? 0x10;
  } else header.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([header, payload]);
}

function protocolNumber(spec: FrameSpec): number {
  if (spec.protocol === 'tcp') return 6;
  if (spec.protocol === 'udp') return 17;
  return spec.ipVersion === 4 ? 1 : 58;
}

function ipv4(spec: FrameSpec, transport: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header[1] = spec.tos ?? 0;
  header.writeUInt16BE(20 + transport.length, 2);
  header[8] = 64;
  header[9] = protocolNumber(spec);
  header.set(addressBytes(spec.src), 12);
  header.set(addressBytes(spec.dst), 16);
  return Buffer.concat([header, transport]);
}

function ipv6(spec: FrameSpec, transport: Buffer): Buffer {
  const header = Buffer.alloc(40);
  const tos = spec.tos ?? 0;
  header[0] = 0x60 | (tos >> 4);
  header[1] = (tos & 0x0f) << 4;
  header.writeUInt16BE(transport.length, 4);
  header[6] = protocolNumber(spec);
  header[7] = 64;
  header.set(addressBytes(spec.src), 8);
  header.set(addressBytes(spec.dst), 24);
  return Buffer.concat([header, transport]);
}

/** "10.0.0.1" or a full or "::"-abbreviated IPv6 address. */
export function addressBytes(text: string): Buffer {
  if (text.includes('.')) return Buffer.from(text.split('.').map(Number));
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  const bytes = Buffer.alloc(16);
  for (const [i, group] of all.entries()) bytes.writeUInt16BE(group, i * 2);
  return bytes;
}
