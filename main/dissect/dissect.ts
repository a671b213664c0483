/**
 * Packet dissection for the live view: `summarizePacket` for the packet list (columns and colour,
 * no tree), `dissectPacket` for the detail pane (the tree, every field, the columns and colour).
 * Pure functions over the frame bytes; a truncated or malformed packet yields a node saying so,
 * never an exception.
 */
import { LINKTYPE } from '../capture/linktype.js';
import { arpTree } from './arp.js';
import { hexString, plural } from './bytes.js';
import { type ColouringRuleName, colourOf } from './colour.js';
import { dnsTree } from './dns.js';
import { ethernetTree } from './ethernet.js';
import { PacketFields } from './fields.js';
import { httpTree } from './http.js';
import { icmpTree } from './icmp.js';
import { icmpv6Tree } from './icmpv6.js';
import { ipv4Tree } from './ipv4.js';
import { ipv6Tree } from './ipv6.js';
import { sllTree } from './linux-sll.js';
import { parsePacket } from './parse.js';
import { summarize } from './summary.js';
import { tcpTree } from './tcp.js';
import { node, problemNode } from './tree.js';
import type {
  ArpLayer,
  DissectionNode,
  IpLayer,
  Ipv6Layer,
  Layer,
  PacketSummary,
  ParsedPacket,
} from './types.js';
import { udpTree } from './udp.js';
import { vlanTree } from './vlan.js';

export interface Dissection extends ParsedPacket {
  /** Protocol layers, outermost first, each with its fields; problems as their own lines. */
  tree: DissectionNode[];
  fields: PacketFields;
  summary: PacketSummary;
  /** The Wireshark default colouring rule that matches (see COLOURING_RULES), or null. */
  colour: ColouringRuleName | null;
}

/** One row of the packet list. */
export interface PacketRow extends PacketSummary {
  colour: ColouringRuleName | null;
}

/** The packet list's columns and colour: the layers only, no tree and no field list. */
export function summarizePacket(linkType: number, bytes: Uint8Array, originalLength: number): PacketRow {
  const packet = parsePacket(linkType, bytes, originalLength);
  const row = summarize(packet) as PacketRow;
  row.colour = colourOf(packet);
  return row;
}

export function dissectPacket(linkType: number, bytes: Uint8Array, originalLength: number): Dissection {
  const packet = parsePacket(linkType, bytes, originalLength);
  return {
    linkType: packet.linkType,
    bytes: packet.bytes,
    wireLength: packet.wireLength,
    layers: packet.layers,
    tree: treeOf(packet),
    fields: new PacketFields(packet),
    summary: summarize(packet),
    colour: colourOf(packet),
  };
}

const ENCAPSULATIONS: Record<number, string> = {
  [LINKTYPE.ETHERNET]: 'Ethernet',
  [LINKTYPE.RAW]: 'Raw IP',
  [LINKTYPE.LINUX_SLL]: 'Linux cooked-mode capture v1',
  [LINKTYPE.LINUX_SLL2]: 'Linux cooked-mode capture v2',
  [LINKTYPE.IPV4]: 'Raw IPv4',
  [LINKTYPE.IPV6]: 'Raw IPv6',
};

function frameNode(packet: ParsedPacket): DissectionNode {
  const captured = packet.bytes.length;
  const wire = packet.wireLength;
  const bits = (n: number) => `${plural(n, 'byte')} (${n * 8} bits)`;
  return node(
    `Frame: ${bits(wire).replace(' (', ' on wire (')}, ${bits(captured).replace(' (', ' captured (')}`,
    0,
    captured,
    'frame',
    [
      node(`Encapsulation type: ${ENCAPSULATIONS[packet.linkType] ?? 'Unknown'} (${packet.linkType})`, 0, 0),
      node(`Frame Length: ${bits(wire)}`, 0, 0, 'frame.len'),
      node(`Capture Length: ${bits(captured)}`, 0, 0, 'frame.cap_len'),
    ],
  );
}

function dataNode(layer: Layer, bytes: Uint8Array): DissectionNode {
  const length = layer.limit - layer.offset;
  const shown = Math.min(length, 64);
  return node(`Data (${plural(length, 'byte')})`, layer.offset, length, 'data', [
    node(
      `Data: ${hexString(bytes, layer.offset, layer.offset + shown)}${length > shown ? '…' : ''}`,
      layer.offset,
      length,
      'data.data',
    ),
    node(`[Length: ${length}]`, layer.offset, length, 'data.len'),
  ]);
}

function layerNode(layer: Layer, packet: ParsedPacket, quoted: DissectionNode[]): DissectionNode | undefined {
  const { bytes } = packet;
  switch (layer.kind) {
    case 'frame':
      return frameNode(packet);
    case 'sll':
      return sllTree(layer, bytes);
    case 'eth':
      return ethernetTree(layer, bytes);
    case 'vlan':
      return vlanTree(layer, bytes);
    case 'arp':
      return arpTree(layer, bytes);
    case 'ip':
      return ipv4Tree(layer, bytes);
    case 'ipv6':
      return ipv6Tree(layer, bytes);
    case 'tcp':
      return tcpTree(layer, bytes);
    case 'udp':
      return udpTree(layer, bytes);
    case 'icmp':
      return icmpTree(layer, bytes, quoted);
    case 'icmpv6':
      return icmpv6Tree(layer, bytes, quoted);
    case 'dns':
      return dnsTree(layer, bytes);
    case 'http':
      return httpTree(layer, bytes);
    case 'data':
      return dataNode(layer, bytes);
  }
}

/**
 * Ethernet padding after the network layer (frames are padded to 60 bytes). Wireshark lists it
 * under Ethernet II; here it is its own line, so every node's bytes lie within its parent's.
 */
function paddingNode(packet: ParsedPacket): DissectionNode | undefined {
  const net = packet.layers.find(
    (l): l is IpLayer | Ipv6Layer | ArpLayer =>
      !l.inner && (l.kind === 'ip' || l.kind === 'ipv6' || l.kind === 'arp'),
  );
  if (!net || net.problem) return undefined;
  const end = net.kind === 'arp' ? net.offset + 8 + 2 * (net.hwSize + net.protoSize) : net.payloadEnd;
  const captured = packet.bytes.length;
  if (end >= captured) return undefined;
  return node(`Ethernet padding (${plural(captured - end, 'byte')})`, end, captured - end, undefined, [
    node(
      `Padding: ${hexString(packet.bytes, end, Math.min(captured, end + 64))}`,
      end,
      captured - end,
      'eth.padding',
    ),
  ]);
}

function treeOf(packet: ParsedPacket): DissectionNode[] {
  const out: DissectionNode[] = [];
  const problems: DissectionNode[] = [];
  const layers = packet.layers;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i] as Layer;
    if (layer.inner) continue;
    // An ICMP error's quoted layers follow it in the list; they become its children.
    const quoted: DissectionNode[] = [];
    while (i + 1 < layers.length && (layers[i + 1] as Layer).inner) {
      const inner = layerNode(layers[i + 1] as Layer, packet, []);
      if (inner) quoted.push(inner);
      i++;
    }
    const line = layerNode(layer, packet, quoted);
    if (!line) continue;
    out.push(line);
    if (layer.problem)
      problems.push(problemNode(layer.kind, layer.problem, layer.offset, layer.limit - layer.offset));
  }
  const padding = packet.layers[1]?.kind === 'eth' ? paddingNode(packet) : undefined;
  if (padding) out.push(padding);
  return [...out, ...problems];
}
