/** Ethernet II and IEEE 802.3 headers: dst(6) src(6) type-or-length(2). */
import { hexNumber, mac48, macAt, read16, u16 } from './bytes.js';
import { type FieldDef, field, multiField, type ProtocolDef } from './field.js';
import { node, shortfall, TreeBuilder } from './tree.js';
import type { DissectionNode, EthLayer } from './types.js';

const ETHERTYPE_NAMES: Record<number, string> = {
  2048: 'IPv4',
  2054: 'ARP',
  2114: 'Wake on LAN',
  8944: 'IEEE 1722 Audio Video Bridging Transport Protocol',
  32821: 'RARP',
  33024: '802.1Q Virtual LAN',
  34525: 'IPv6',
  34824: 'IEEE 802.3 Ethernet Pause',
  34825: 'Slow Protocols',
  34887: 'MPLS label switched packet',
  34888: 'MPLS multicast label switched packet',
  34915: 'PPPoE Discovery',
  34916: 'PPPoE Session',
  34958: '802.1X Authentication',
  34984: '802.1ad Provider Bridge (Q-in-Q)',
  34997: 'Local Experimental Ethertype 1',
  34998: 'Local Experimental Ethertype 2',
  35020: '802.1 Link Layer Discovery Protocol (LLDP)',
  35045: '802.1AE (MACsec)',
  35063: 'PTPv2 over Ethernet (IEEE1588)',
  35078: 'Fibre Channel over Ethernet',
  36864: 'Configuration Test Protocol (loopback)',
  37120: 'VLAN-tagged frame (Q-in-Q)',
};

/** "IPv4 (0x0800)", or just the hex when the type has no name. */
export function ethertypeLabel(type: number): string {
  const name = ETHERTYPE_NAMES[type];
  return name === undefined ? `Unknown (${hexNumber(type, 4)})` : `${name} (${hexNumber(type, 4)})`;
}

export function ethertypeName(type: number): string | undefined {
  return ETHERTYPE_NAMES[type];
}

export function parseEthernet(bytes: Uint8Array, claimedEnd: number): EthLayer {
  const limit = Math.min(claimedEnd, bytes.length);
  return {
    kind: 'eth',
    offset: 0,
    limit,
    problem: shortfall('Ethernet header', 0, 14, claimedEnd, bytes.length),
    inner: false,
    type: limit >= 14 ? read16(bytes, 12) : -1,
    payloadOffset: 14,
  };
}

/** True for an 802.3 frame: the type field is a length. */
export function isLengthField(type: number): boolean {
  return type >= 0 && type <= 1500;
}

function addressNode(bytes: Uint8Array, at: number, abbrev: string): () => DissectionNode[] {
  return () => {
    const first = bytes[at] as number;
    const local = (first & 2) !== 0;
    const group = (first & 1) !== 0;
    return [
      node(`Address: ${macAt(bytes, at)}`, at, 6, 'eth.addr'),
      node(
        `.... ..${local ? 1 : 0}. .... .... .... .... = LG bit: ${local ? 'Locally administered address (this is NOT the factory default)' : 'Globally unique address (factory default)'}`,
        at,
        3,
        `${abbrev}.lg`,
      ),
      node(
        `.... ...${group ? 1 : 0} .... .... .... .... = IG bit: ${group ? 'Group address (multicast/broadcast)' : 'Individual address (unicast)'}`,
        at,
        3,
        `${abbrev}.ig`,
      ),
    ];
  };
}

export function ethernetTree(layer: EthLayer, bytes: Uint8Array): DissectionNode {
  const t = new TreeBuilder(layer.limit);
  t.add(0, 6, 'eth.dst', () => `Destination: ${macAt(bytes, 0)}`, addressNode(bytes, 0, 'eth.dst'));
  t.add(6, 6, 'eth.src', () => `Source: ${macAt(bytes, 6)}`, addressNode(bytes, 6, 'eth.src'));
  const lengthField = isLengthField(layer.type);
  t.add(12, 2, lengthField ? 'eth.len' : 'eth.type', () =>
    lengthField ? `Length: ${layer.type}` : `Type: ${ethertypeLabel(layer.type)}`,
  );
  const src = layer.limit >= 12 ? `, Src: ${macAt(bytes, 6)}` : '';
  const dst = layer.limit >= 6 ? `, Dst: ${macAt(bytes, 0)}` : '';
  const title = lengthField ? 'IEEE 802.3 Ethernet' : 'Ethernet II';
  return t.build(`${title}${src}${dst}`, 'eth', 0, Math.min(14, layer.limit));
}

/** Wireshark's Protocol/Info for a frame whose EtherType nothing above decodes. */
export function ethernetSummary(layer: EthLayer): { protocol: string; info: string } {
  if (layer.type < 0) return { protocol: 'Ethernet', info: 'Ethernet II' };
  if (isLengthField(layer.type)) return { protocol: 'LLC', info: 'IEEE 802.3 Ethernet' };
  return { protocol: hexNumber(layer.type, 4), info: ETHERTYPE_NAMES[layer.type] ?? 'Ethernet II' };
}

export const ETHERNET_PROTOCOLS: ProtocolDef[] = [{ abbrev: 'eth', name: 'Ethernet', layer: 'eth' }];

export const ETHERNET_FIELDS: FieldDef[] = [
  field('eth', 'eth.dst', 'Destination', 'ether', (l, b) => mac48(b, 0, l.limit)),
  field('eth', 'eth.src', 'Source', 'ether', (l, b) => mac48(b, 6, l.limit)),
  multiField('eth', 'eth.addr', 'Address', 'ether', (l, b, visit) => {
    const dst = mac48(b, 0, l.limit);
    if (dst !== undefined && visit(dst)) return true;
    const src = mac48(b, 6, l.limit);
    return src !== undefined && visit(src);
  }),
  field(
    'eth',
    'eth.type',
    'Type',
    'uint16',
    (l, b) => {
      const type = u16(b, 12, l.limit);
      return type !== undefined && !isLengthField(type) ? type : undefined;
    },
    { hexDigits: 4 },
  ),
  field('eth', 'eth.len', 'Length', 'uint16', (l, b) => {
    const length = u16(b, 12, l.limit);
    return length !== undefined && isLengthField(length) ? length : undefined;
  }),
];
