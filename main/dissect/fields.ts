/**
 * Every display-filter field and protocol name ClusterTap knows, and a packet's field values read
 * on demand (`PacketFields`): "ip.addr" → [10.0.0.1, 10.0.0.2], outer and quoted layers alike,
 * as Wireshark lists them.
 */
import { ARP_FIELDS, ARP_PROTOCOLS } from './arp.js';
import { formatIpv4, formatMac, ipv6At } from './bytes.js';
import { DNS_FIELDS, DNS_PROTOCOLS } from './dns.js';
import { ETHERNET_FIELDS, ETHERNET_PROTOCOLS } from './ethernet.js';
import { type FieldDef, type FieldValue, field, type ProtocolDef } from './field.js';
import { HTTP_FIELDS, HTTP_PROTOCOLS } from './http.js';
import { ICMP_FIELDS, ICMP_PROTOCOLS } from './icmp.js';
import { ICMPV6_FIELDS, ICMPV6_PROTOCOLS } from './icmpv6.js';
import { IPV4_FIELDS, IPV4_PROTOCOLS } from './ipv4.js';
import { IPV6_FIELDS, IPV6_PROTOCOLS } from './ipv6.js';
import { SLL_FIELDS, SLL_PROTOCOLS } from './linux-sll.js';
import { TCP_FIELDS, TCP_PROTOCOLS } from './tcp.js';
import type { Layer, ParsedPacket } from './types.js';
import { UDP_FIELDS, UDP_PROTOCOLS } from './udp.js';
import { VLAN_FIELDS, VLAN_PROTOCOLS } from './vlan.js';

const FRAME_FIELDS: FieldDef[] = [
  field('frame', 'frame.len', 'Frame length on the wire', 'uint32', (l) => l.wireLength),
  field('frame', 'frame.cap_len', 'Frame length stored into the capture file', 'uint32', (l) => l.limit),
];

const OTHER_PROTOCOLS: ProtocolDef[] = [
  { abbrev: 'frame', name: 'Frame', layer: 'frame' },
  { abbrev: 'data', name: 'Data', layer: 'data' },
];

/** Packet fields by abbreviation, in the order the field list shows them. */
export const PACKET_FIELDS: ReadonlyMap<string, FieldDef> = new Map(
  [
    FRAME_FIELDS,
    SLL_FIELDS,
    ETHERNET_FIELDS,
    VLAN_FIELDS,
    ARP_FIELDS,
    IPV4_FIELDS,
    IPV6_FIELDS,
    TCP_FIELDS,
    UDP_FIELDS,
    ICMP_FIELDS,
    ICMPV6_FIELDS,
    DNS_FIELDS,
    HTTP_FIELDS,
  ]
    .flat()
    .map((f) => [f.abbrev, f]),
);

export const PROTOCOLS: ReadonlyMap<string, ProtocolDef> = new Map(
  [
    OTHER_PROTOCOLS,
    SLL_PROTOCOLS,
    ETHERNET_PROTOCOLS,
    VLAN_PROTOCOLS,
    ARP_PROTOCOLS,
    IPV4_PROTOCOLS,
    IPV6_PROTOCOLS,
    TCP_PROTOCOLS,
    UDP_PROTOCOLS,
    ICMP_PROTOCOLS,
    ICMPV6_PROTOCOLS,
    DNS_PROTOCOLS,
    HTTP_PROTOCOLS,
  ]
    .flat()
    .map((p) => [p.abbrev, p]),
);

/** Calls `visit` with each value of the field in the packet, all layers; stops when it returns true. */
export function someValue(
  packet: ParsedPacket,
  def: FieldDef,
  visit: (value: FieldValue) => boolean,
): boolean {
  const { layers, bytes } = packet;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i] as Layer;
    if ((layer.kind === def.layer || layer.kind === def.otherLayer) && def.each(layer, bytes, visit))
      return true;
  }
  return false;
}

/** A protocol is present once one of its bytes was captured (Wireshark adds its item on the first read). */
export function protocolPresent(packet: ParsedPacket, def: ProtocolDef): boolean {
  for (const layer of packet.layers)
    if (layer.kind === def.layer && layer.limit > layer.offset && (!def.matches || def.matches(layer)))
      return true;
  return false;
}

/** A value as tshark -T fields prints it (0x0800, 02:00:00:00:00:01, 2001:db8::1, 1/0). */
export function formatFieldValue(def: FieldDef, value: FieldValue): string {
  switch (def.type) {
    case 'ipv4':
      return formatIpv4(value as number);
    case 'ipv6':
      return ipv6At(value as Uint8Array, 0);
    case 'ether':
      return formatMac(value as number);
    case 'bool':
      return value ? '1' : '0';
    case 'string':
      return value as string;
    default:
      return def.hexDigits
        ? `0x${(value as number).toString(16).padStart(def.hexDigits, '0')}`
        : String(value);
  }
}

/** A packet's field values, read from its layers when asked. */
export class PacketFields {
  constructor(private readonly packet: ParsedPacket) {}

  /** The values of a field ([] when absent or unknown); see FieldType for each type's representation. */
  get(abbrev: string): FieldValue[] {
    const def = PACKET_FIELDS.get(abbrev);
    if (!def) return [];
    const out: FieldValue[] = [];
    someValue(this.packet, def, (value) => {
      out.push(value);
      return false;
    });
    return out;
  }

  /** The values as text, as tshark -T fields -e prints them (joined by commas there). */
  display(abbrev: string): string[] {
    const def = PACKET_FIELDS.get(abbrev);
    return def ? this.get(abbrev).map((v) => formatFieldValue(def, v)) : [];
  }

  /** True when the field has a value or the protocol name is present. */
  has(abbrev: string): boolean {
    const protocol = PROTOCOLS.get(abbrev);
    if (protocol) return protocolPresent(this.packet, protocol);
    const def = PACKET_FIELDS.get(abbrev);
    return def !== undefined && someValue(this.packet, def, () => true);
  }

  /** Every field with a value, in field-list order. */
  entries(): Array<[string, string[]]> {
    const out: Array<[string, string[]]> = [];
    for (const abbrev of PACKET_FIELDS.keys()) {
      const values = this.display(abbrev);
      if (values.length > 0) out.push([abbrev, values]);
    }
    return out;
  }
}
