/** UDP (RFC 768): ports, length, checksum. */
import { hexNumber, read16, u16 } from './bytes.js';
import { type FieldDef, field, multiField, type ProtocolDef } from './field.js';
import { shortfall, TreeBuilder } from './tree.js';
import type { DissectionNode, UdpLayer } from './types.js';

/**
 * `claimedEnd`: where the IP datagram says the UDP datagram ends. `fragment`: the IP datagram is
 * the first fragment of a larger one, so the UDP length may point past it.
 */
export function parseUdp(
  bytes: Uint8Array,
  offset: number,
  claimedEnd: number,
  inner = false,
  fragment = false,
): UdpLayer {
  const captured = bytes.length;
  const limit = Math.min(claimedEnd, captured);
  const stated = u16(bytes, offset + 4, limit);
  // 0 is a jumbogram (RFC 2675) or a length the sender left out: the IP payload decides.
  const length = stated === undefined || stated === 0 ? claimedEnd - offset : stated;
  const layer: UdpLayer = {
    kind: 'udp',
    offset,
    limit,
    problem: shortfall('UDP header', offset, 8, claimedEnd, captured),
    inner,
    length,
    payloadOffset: offset + 8,
    payloadEnd: Math.min(offset + length, claimedEnd),
  };
  if (layer.problem || inner) return layer;
  if (length < 8) {
    // Wireshark shows the ports and the length, then stops.
    layer.problem = {
      kind: 'malformed',
      detail: `Bogus UDP length (${length}, must be at least 8)`,
      inInfo: true,
    };
    layer.payloadEnd = offset + 6;
  } else if (offset + length > claimedEnd && !fragment) {
    layer.problem = {
      kind: 'malformed',
      detail: `Bad length value ${length} > IP payload length`,
      inInfo: true,
    };
  } else if (fragment) {
    layer.payloadEnd = offset + length;
  }
  layer.limit = Math.min(layer.payloadEnd, captured);
  return layer;
}

/** "33333 → 53 Len=29". */
export function udpSummary(layer: UdpLayer, bytes: Uint8Array): string {
  const at = layer.offset;
  if (at + 4 > layer.limit) return '';
  const ports = `${read16(bytes, at)} → ${read16(bytes, at + 2)}`;
  if (layer.problem?.inInfo)
    return layer.length < 8
      ? `${ports} [BAD UDP LENGTH ${layer.length} < 8]`
      : `${ports} [BAD UDP LENGTH ${layer.length} > IP PAYLOAD LENGTH] Len=${layer.length - 8}`;
  return at + 8 <= layer.limit ? `${ports} Len=${Math.max(0, layer.length - 8)}` : ports;
}

export function udpTree(layer: UdpLayer, bytes: Uint8Array): DissectionNode {
  const at = layer.offset;
  const t = new TreeBuilder(layer.limit);
  t.add(at, 2, 'udp.srcport', () => `Source Port: ${read16(bytes, at)}`);
  t.add(at + 2, 2, 'udp.dstport', () => `Destination Port: ${read16(bytes, at + 2)}`);
  t.add(at + 4, 2, 'udp.length', () => `Length: ${read16(bytes, at + 4)}`);
  t.add(at + 6, 2, 'udp.checksum', () => `Checksum: ${hexNumber(read16(bytes, at + 6), 4)} [unverified]`);
  const ports =
    at + 4 <= layer.limit ? `, Src Port: ${read16(bytes, at)}, Dst Port: ${read16(bytes, at + 2)}` : '';
  return t.build(`User Datagram Protocol${ports}`, 'udp', at, Math.min(8, layer.limit - at));
}

export const UDP_PROTOCOLS: ProtocolDef[] = [{ abbrev: 'udp', name: 'User Datagram Protocol', layer: 'udp' }];

export const UDP_FIELDS: FieldDef[] = [
  field('udp', 'udp.srcport', 'Source Port', 'uint16', (l, b) => u16(b, l.offset, l.limit)),
  field('udp', 'udp.dstport', 'Destination Port', 'uint16', (l, b) => u16(b, l.offset + 2, l.limit)),
  multiField('udp', 'udp.port', 'Source or Destination Port', 'uint16', (l, b, visit) => {
    const src = u16(b, l.offset, l.limit);
    if (src !== undefined && visit(src)) return true;
    const dst = u16(b, l.offset + 2, l.limit);
    return dst !== undefined && visit(dst);
  }),
  field('udp', 'udp.length', 'Length', 'uint16', (l, b) => u16(b, l.offset + 4, l.limit)),
  field('udp', 'udp.checksum', 'Checksum', 'uint16', (l, b) => u16(b, l.offset + 6, l.limit), {
    hexDigits: 4,
  }),
];
