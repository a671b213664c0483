/**
 * The shapes every dissector shares. A packet is parsed once into a list of layers (cheap: a few
 * numbers each); the detail tree, the display-filter fields, the Protocol/Info columns and the
 * colouring rule are all read from those layers and the frame bytes, never from each other.
 */

/** One line of the detail pane; offset/length select the bytes the hex dump highlights. */
export interface DissectionNode {
  label: string;
  /** The Wireshark field or protocol abbreviation the line shows (`tcp.srcport`, `ip`). */
  abbrev?: string;
  offset: number;
  length: number;
  children?: DissectionNode[];
}

export type LayerKind =
  | 'frame'
  | 'sll'
  | 'eth'
  | 'vlan'
  | 'arp'
  | 'ip'
  | 'ipv6'
  | 'tcp'
  | 'udp'
  | 'icmp'
  | 'icmpv6'
  | 'dns'
  | 'http'
  | 'data';

/**
 * Why a layer stops early. `truncated`: the capture ends inside it (snap length), Wireshark's
 * "Packet size limited during capture". `malformed`: the packet's own lengths or values make no
 * sense, Wireshark's "Malformed Packet". `unreassembled`: the layer runs past the end of an IP
 * fragment (more fragments follow), Wireshark's "Unreassembled Packet".
 */
export interface LayerProblem {
  kind: 'truncated' | 'malformed' | 'unreassembled';
  detail: string;
  /**
   * Wireshark reports this one in the Info column itself ("Bogus IP header length …",
   * "[BAD UDP LENGTH 4 < 8]") instead of appending "[Malformed Packet]".
   */
  inInfo?: boolean;
}

interface LayerBase {
  /** First byte of this protocol's header in the frame. */
  offset: number;
  /**
   * End of the bytes this layer may read: what the enclosing layer says it spans, cut at the
   * captured length. A field that does not fit before it is absent, as in Wireshark.
   */
  limit: number;
  problem: LayerProblem | undefined;
  /** Inside the packet an ICMP error quotes (the columns keep the outer packet's values). */
  inner: boolean;
}

export interface FrameLayer extends LayerBase {
  kind: 'frame';
  wireLength: number;
}

export interface SllLayer extends LayerBase {
  kind: 'sll';
  version: 1 | 2;
  /** Protocol (an EtherType for the packets we follow), -1 when not captured. */
  protocol: number;
  payloadOffset: number;
}

export interface EthLayer extends LayerBase {
  kind: 'eth';
  /** EtherType, or the 802.3 length when ≤ 1500; -1 when not captured. */
  type: number;
  payloadOffset: number;
}

export interface VlanLayer extends LayerBase {
  kind: 'vlan';
  /** The tag protocol identifier that introduced this tag (0x8100, 0x88a8, 0x9100). */
  tpid: number;
  etype: number;
  payloadOffset: number;
}

export interface ArpLayer extends LayerBase {
  kind: 'arp';
  opcode: number;
  hwSize: number;
  protoSize: number;
  protoType: number;
}

export interface IpLayer extends LayerBase {
  kind: 'ip';
  headerLength: number;
  totalLength: number;
  protocol: number;
  /** Fragment offset in bytes. */
  fragmentOffset: number;
  moreFragments: boolean;
  payloadOffset: number;
  /** Where the IP datagram says its payload ends (may lie past the captured bytes). */
  payloadEnd: number;
}

export interface Ipv6Extension {
  type: number;
  offset: number;
  length: number;
}

export interface Ipv6Layer extends LayerBase {
  kind: 'ipv6';
  payloadLength: number;
  /** Next header after the extension headers: the upper-layer protocol. */
  protocol: number;
  extensions: Ipv6Extension[];
  /** From a fragment header: offset in bytes (0 when none). */
  fragmentOffset: number;
  moreFragments: boolean;
  payloadOffset: number;
  payloadEnd: number;
}

export interface TcpLayer extends LayerBase {
  kind: 'tcp';
  /** Where the IP datagram says the segment ends (may lie past the captured bytes). */
  end: number;
  headerLength: number;
  flags: number;
  /** Payload bytes as the IP length says (tcp.len), not as captured. */
  payloadLength: number;
  payloadOffset: number;
}

export interface UdpLayer extends LayerBase {
  kind: 'udp';
  length: number;
  payloadOffset: number;
  payloadEnd: number;
}

export interface IcmpLayer extends LayerBase {
  kind: 'icmp';
  type: number;
  code: number;
  /** Offset of the quoted IP header in an error message, -1 otherwise. */
  quoteOffset: number;
}

export interface Icmpv6Layer extends LayerBase {
  kind: 'icmpv6';
  type: number;
  code: number;
  quoteOffset: number;
}

export interface DnsQuestion {
  offset: number;
  length: number;
  name: string;
  nameLength: number;
  type: number;
  /** The class; for mDNS without its top bit (unicast-response / cache-flush), as Wireshark shows it. */
  class: number;
  rawClass: number;
}

export interface DnsRecord extends DnsQuestion {
  section: 'answer' | 'authority' | 'additional';
  ttl: number;
  dataOffset: number;
  dataLength: number;
  /** Address, name or text the record carries, as Wireshark's Info column shows it. */
  data: string;
}

export interface DnsLayer extends LayerBase {
  kind: 'dns';
  /** Multicast DNS (port 5353): Wireshark names it mdns, with the same dns.* fields. */
  mdns: boolean;
  /** Offset of the DNS message (after the 2-byte length over TCP). */
  messageOffset: number;
  id: number;
  flags: number;
  counts: [number, number, number, number];
  questions: DnsQuestion[];
  records: DnsRecord[];
}

export interface HttpHeader {
  offset: number;
  /** The line without its CRLF. */
  length: number;
  /** False for a last line the segment cuts before its line ending. */
  ended: boolean;
  name: string;
  value: string;
}

export interface HttpLayer extends LayerBase {
  kind: 'http';
  request: boolean;
  method: string;
  uri: string;
  version: string;
  code: number;
  phrase: string;
  firstLineLength: number;
  firstLineEnded: boolean;
  /**
   * Where the request line's method, URI and version (or the status line's version, code and
   * phrase) lie: [start, end) byte offsets.
   */
  parts: Array<[number, number]>;
  /** Header lines as flat [offset, length, ended (0/1)] triples; decoded on demand by httpHeaders(). */
  lines: number[];
  /** The decoded headers, once asked for. */
  decoded: HttpHeader[] | undefined;
  /** Offset of the empty line ending the headers, -1 when it was not seen. */
  blankLine: number;
  /** Offset just past that empty line, -1 when it was not seen. */
  bodyOffset: number;
}

export interface DataLayer extends LayerBase {
  kind: 'data';
}

export type Layer =
  | FrameLayer
  | SllLayer
  | EthLayer
  | VlanLayer
  | ArpLayer
  | IpLayer
  | Ipv6Layer
  | TcpLayer
  | UdpLayer
  | IcmpLayer
  | Icmpv6Layer
  | DnsLayer
  | HttpLayer
  | DataLayer;

export type LayerOf<K extends LayerKind> = Extract<Layer, { kind: K }>;

/** A frame parsed into its layers: what the summary, the colours and the display filter read. */
export interface ParsedPacket {
  linkType: number;
  bytes: Uint8Array;
  /** Length on the wire (pcap's original length); bytes.length is what was captured. */
  wireLength: number;
  /** Outermost first; layers of an ICMP error's quoted packet follow it, marked `inner`. */
  layers: Layer[];
}

/** Wireshark's Protocol, Source, Destination and Info columns. */
export interface PacketSummary {
  protocol: string;
  info: string;
  source: string;
  destination: string;
}

export function layerProblem(kind: LayerProblem['kind'], detail: string): LayerProblem {
  return { kind, detail };
}

/** The first layer of a kind, outer packet only. */
export function findLayer<K extends LayerKind>(packet: ParsedPacket, kind: K): LayerOf<K> | undefined {
  for (const layer of packet.layers) if (layer.kind === kind && !layer.inner) return layer as LayerOf<K>;
  return undefined;
}
