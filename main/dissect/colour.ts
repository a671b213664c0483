/**
 * Wireshark's default colouring rules (its `colorfilters` file, first match wins), each decided
 * from the parsed layers as far as a per-packet decoder can. Rules that need state or protocols
 * ClusterTap does not decode never match: Bad TCP (TCP analysis), Checksum Errors (Wireshark
 * does not verify checksums by default either), DCERPC (heuristic), System Event (not packets).
 */
import { read16 } from './bytes.js';
import type { IpLayer, ParsedPacket } from './types.js';

export type ColouringRuleName =
  | 'Bad TCP'
  | 'HSRP State Change'
  | 'Spanning Tree Topology  Change'
  | 'OSPF State Change'
  | 'ICMP errors'
  | 'ARP'
  | 'ICMP'
  | 'TCP RST'
  | 'SCTP ABORT'
  | 'TTL low or unexpected'
  | 'Checksum Errors'
  | 'SMB'
  | 'HTTP'
  | 'DCERPC'
  | 'Routing'
  | 'TCP SYN/FIN'
  | 'TCP'
  | 'UDP'
  | 'Broadcast'
  | 'System Event';

export interface ColouringRule {
  /** As in Wireshark's file (note the two spaces in "Spanning Tree Topology  Change"). */
  name: ColouringRuleName;
  /** Wireshark's display filter for the rule. */
  filter: string;
  /** CSS colours, Wireshark's 16-bit channels shifted to 8 bits as Wireshark draws them. */
  background: string;
  foreground: string;
  /** `never`: ClusterTap cannot decide the rule and never applies it; `partly`: see colourOf. */
  decided: 'yes' | 'partly' | 'never';
}

const DARK = '#12272e';

/** In Wireshark's order: the first rule that matches colours the row. */
export const COLOURING_RULES: readonly ColouringRule[] = [
  {
    name: 'Bad TCP',
    filter:
      'tcp.analysis.flags && !tcp.analysis.window_update && !tcp.analysis.keep_alive && !tcp.analysis.keep_alive_ack',
    background: DARK,
    foreground: '#f78787',
    decided: 'never',
  },
  {
    name: 'HSRP State Change',
    filter: 'hsrp.state != 8 && hsrp.state != 16',
    background: DARK,
    foreground: '#fffc9c',
    decided: 'yes',
  },
  {
    name: 'Spanning Tree Topology  Change',
    filter: 'stp.type == 0x80',
    background: DARK,
    foreground: '#fffc9c',
    decided: 'yes',
  },
  {
    name: 'OSPF State Change',
    filter: 'ospf.msg != 1',
    background: DARK,
    foreground: '#fffc9c',
    decided: 'yes',
  },
  {
    name: 'ICMP errors',
    filter: 'icmp.type in { 3..5, 11 } || icmpv6.type in { 1..4 }',
    background: DARK,
    foreground: '#b7f774',
    decided: 'yes',
  },
  { name: 'ARP', filter: 'arp', background: '#faf0d7', foreground: DARK, decided: 'yes' },
  { name: 'ICMP', filter: 'icmp || icmpv6', background: '#fce0ff', foreground: DARK, decided: 'yes' },
  {
    name: 'TCP RST',
    filter: 'tcp.flags.reset eq 1',
    background: '#a40000',
    foreground: '#fffc9c',
    decided: 'yes',
  },
  {
    name: 'SCTP ABORT',
    filter: 'sctp.chunk_type eq ABORT',
    background: '#a40000',
    foreground: '#fffc9c',
    decided: 'yes',
  },
  {
    name: 'TTL low or unexpected',
    filter:
      '(ip.dst != 224.0.0.0/4 && ip.ttl < 5 && !pim && !ospf) || (ip.dst == 224.0.0.0/24 && ip.dst != 224.0.0.251 && ip.ttl != 1 && !(vrrp || carp))',
    background: '#a40000',
    foreground: '#ecf0eb',
    decided: 'yes',
  },
  {
    name: 'Checksum Errors',
    filter:
      'eth.fcs.status=="Bad" || ip.checksum.status=="Bad" || tcp.checksum.status=="Bad" || udp.checksum.status=="Bad" || sctp.checksum.status=="Bad" || mstp.checksum.status=="Bad" || cdp.checksum.status=="Bad" || edp.checksum.status=="Bad" || wlan.fcs.status=="Bad" || stt.checksum.status=="Bad"',
    background: DARK,
    foreground: '#f78787',
    decided: 'never',
  },
  {
    name: 'SMB',
    filter: 'smb || nbss || nbns || netbios',
    background: '#feffd0',
    foreground: DARK,
    decided: 'partly',
  },
  {
    name: 'HTTP',
    filter: 'http || tcp.port == 80 || http2',
    background: '#e4ffc7',
    foreground: DARK,
    decided: 'partly',
  },
  { name: 'DCERPC', filter: 'dcerpc', background: '#c797ff', foreground: DARK, decided: 'never' },
  {
    name: 'Routing',
    filter: 'hsrp || eigrp || ospf || bgp || cdp || vrrp || carp || gvrp || igmp || ismp',
    background: '#fff3d6',
    foreground: DARK,
    decided: 'partly',
  },
  {
    name: 'TCP SYN/FIN',
    filter: 'tcp.flags & 0x02 || tcp.flags.fin == 1',
    background: '#a0a0a0',
    foreground: DARK,
    decided: 'yes',
  },
  { name: 'TCP', filter: 'tcp', background: '#e7e6ff', foreground: DARK, decided: 'yes' },
  { name: 'UDP', filter: 'udp', background: '#daeeff', foreground: DARK, decided: 'yes' },
  { name: 'Broadcast', filter: 'eth[0] & 1', background: '#ffffff', foreground: '#babdb6', decided: 'yes' },
  {
    name: 'System Event',
    filter: 'systemd_journal || sysdig',
    background: '#e6e6e6',
    foreground: '#2d6f9a',
    decided: 'never',
  },
];

export const COLOURING_RULE_BY_NAME: ReadonlyMap<ColouringRuleName, ColouringRule> = new Map(
  COLOURING_RULES.map((rule) => [rule.name, rule]),
);

const IP = { IGMP: 2, EIGRP: 88, OSPF: 89, PIM: 103, VRRP: 112, SCTP: 132 } as const;
const HSRP_PORTS: ReadonlySet<number> = new Set([1985]);
/** LLC/SNAP header of CDP frames: DSAP/SSAP 0xaa, UI, Cisco OUI, protocol 0x2000. */
const CDP_SNAP = [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00];

/** What colourOf needs, gathered in one pass over the layers. */
interface Facts {
  outerIp: IpLayer | undefined;
  tcpFlagsAny: number;
  tcp: boolean;
  udp: boolean;
  tcpPort80: boolean;
  icmpError: boolean;
  icmp: boolean;
  arp: boolean;
  http: boolean;
}

function gather(packet: ParsedPacket): Facts {
  const facts: Facts = {
    outerIp: undefined,
    tcpFlagsAny: 0,
    tcp: false,
    udp: false,
    tcpPort80: false,
    icmpError: false,
    icmp: false,
    arp: false,
    http: false,
  };
  const { bytes } = packet;
  for (const layer of packet.layers) {
    switch (layer.kind) {
      case 'ip':
        if (!layer.inner && !facts.outerIp) facts.outerIp = layer;
        break;
      case 'tcp':
        facts.tcp = true;
        if (layer.offset + 14 <= layer.limit) facts.tcpFlagsAny |= layer.flags;
        if (
          layer.offset + 4 <= layer.limit &&
          (read16(bytes, layer.offset) === 80 || read16(bytes, layer.offset + 2) === 80)
        )
          facts.tcpPort80 = true;
        break;
      case 'udp':
        facts.udp = true;
        break;
      case 'icmp':
        facts.icmp = true;
        if ((layer.type >= 3 && layer.type <= 5) || layer.type === 11) facts.icmpError = true;
        break;
      case 'icmpv6':
        facts.icmp = true;
        if (layer.type >= 1 && layer.type <= 4) facts.icmpError = true;
        break;
      case 'arp':
        facts.arp = true;
        break;
      case 'http':
        facts.http = true;
        break;
    }
  }
  return facts;
}

/** The IP payload's first byte offset and end, when the outer IP carries `protocol` unfragmented. */
function ipPayload(facts: Facts, protocol: number): [number, number] | undefined {
  const ip = facts.outerIp;
  if (!ip || ip.problem || ip.protocol !== protocol || ip.fragmentOffset > 0) return undefined;
  return [ip.payloadOffset, ip.limit];
}

/** The outer UDP or TCP layer with a port in `ports` and a payload, as [payload offset, end]. */
function appPayload(
  packet: ParsedPacket,
  kind: 'tcp' | 'udp',
  ports: ReadonlySet<number>,
): [number, number] | undefined {
  for (const layer of packet.layers) {
    if (layer.inner || layer.kind !== kind || layer.problem) continue;
    const { bytes } = packet;
    if (!ports.has(read16(bytes, layer.offset)) && !ports.has(read16(bytes, layer.offset + 2)))
      return undefined;
    const end =
      layer.kind === 'tcp' ? Math.min(layer.limit, layer.payloadOffset + layer.payloadLength) : layer.limit;
    return layer.payloadOffset < end ? [layer.payloadOffset, end] : undefined;
  }
  return undefined;
}

function hsrpState(packet: ParsedPacket): number | undefined {
  const payload = appPayload(packet, 'udp', HSRP_PORTS);
  if (!payload || payload[0] + 3 > payload[1] || packet.bytes[payload[0]] !== 0) return undefined;
  return packet.bytes[payload[0] + 2];
}

function isStpTopologyChange(packet: ParsedPacket): boolean {
  const eth = packet.layers[1];
  const b = packet.bytes;
  return (
    eth?.kind === 'eth' &&
    eth.type >= 0 &&
    eth.type <= 1500 &&
    eth.limit >= 21 &&
    b[14] === 0x42 &&
    b[15] === 0x42 &&
    b[16] === 0x03 &&
    b[17] === 0 &&
    b[18] === 0 &&
    b[20] === 0x80
  );
}

function isCdp(packet: ParsedPacket): boolean {
  const eth = packet.layers[1];
  const b = packet.bytes;
  return (
    eth?.kind === 'eth' &&
    eth.type >= 0 &&
    eth.type <= 1500 &&
    eth.limit >= 22 &&
    CDP_SNAP.every((v, i) => b[14 + i] === v)
  );
}

function hasSctpAbort(packet: ParsedPacket, facts: Facts): boolean {
  const payload = ipPayload(facts, IP.SCTP);
  if (!payload) return false;
  const [start, end] = payload;
  const b = packet.bytes;
  for (let at = start + 12, chunks = 0; at + 4 <= end && chunks < 64; chunks++) {
    if (b[at] === 6) return true;
    const length = read16(b, at + 2);
    if (length < 4) return false;
    at += (length + 3) & ~3;
  }
  return false;
}

/** The TTL rule's expression, with Wireshark's any/all semantics over every IPv4 header. */
function ttlLowOrUnexpected(packet: ParsedPacket, facts: Facts): boolean {
  const b = packet.bytes;
  let headers = 0;
  let anyMulticast = false;
  let anyTtlBelow5 = false;
  let anyLocalMulticast = false;
  let anyMdns = false;
  let anyTtl1 = false;
  for (const l of packet.layers) {
    if (l.kind !== 'ip' || l.offset + 20 > l.limit) continue;
    headers++;
    const dst = read16(b, l.offset + 16) * 0x10000 + read16(b, l.offset + 18);
    const ttl = b[l.offset + 8] as number;
    if (dst >>> 28 === 0xe) anyMulticast = true;
    if (dst >>> 8 === 0xe00000) anyLocalMulticast = true;
    if (dst === 0xe00000fb) anyMdns = true;
    if (ttl < 5) anyTtlBelow5 = true;
    if (ttl === 1) anyTtl1 = true;
  }
  if (headers === 0) return false;
  const proto = facts.outerIp && !facts.outerIp.problem ? facts.outerIp.protocol : -1;
  if (!anyMulticast && anyTtlBelow5 && proto !== IP.PIM && proto !== IP.OSPF) return true;
  return anyLocalMulticast && !anyMdns && !anyTtl1 && proto !== IP.VRRP;
}

const SMB_UDP_PORTS: ReadonlySet<number> = new Set([137, 138]);
const SMB_TCP_PORTS: ReadonlySet<number> = new Set([139, 445]);
const BGP_PORTS: ReadonlySet<number> = new Set([179]);

/**
 * The first of Wireshark's default colouring rules that matches, or null. Partly decided rules:
 * SMB = NetBIOS name/datagram service (UDP 137/138) or a session-service payload (TCP 139/445);
 * HTTP = our HTTP layer or TCP port 80 (http2 not decoded); Routing = HSRP, EIGRP, OSPF, BGP
 * payload, CDP, VRRP/CARP and IGMP (GVRP and ISMP not decoded).
 */
export function colourOf(packet: ParsedPacket): ColouringRuleName | null {
  const facts = gather(packet);
  const state = hsrpState(packet);
  if (state !== undefined && state !== 8 && state !== 16) return 'HSRP State Change';
  if (isStpTopologyChange(packet)) return 'Spanning Tree Topology  Change';
  const ospf = ipPayload(facts, IP.OSPF);
  if (ospf && ospf[0] + 2 <= ospf[1] && packet.bytes[ospf[0] + 1] !== 1) return 'OSPF State Change';
  if (facts.icmpError) return 'ICMP errors';
  if (facts.arp) return 'ARP';
  if (facts.icmp) return 'ICMP';
  if (facts.tcpFlagsAny & 0x004) return 'TCP RST';
  if (hasSctpAbort(packet, facts)) return 'SCTP ABORT';
  if (ttlLowOrUnexpected(packet, facts)) return 'TTL low or unexpected';
  if (appPayload(packet, 'udp', SMB_UDP_PORTS) || appPayload(packet, 'tcp', SMB_TCP_PORTS)) return 'SMB';
  if (facts.http || facts.tcpPort80) return 'HTTP';
  const proto =
    facts.outerIp && !facts.outerIp.problem && facts.outerIp.fragmentOffset === 0
      ? facts.outerIp.protocol
      : -1;
  if (
    state !== undefined ||
    proto === IP.EIGRP ||
    proto === IP.OSPF ||
    proto === IP.VRRP ||
    proto === IP.IGMP ||
    appPayload(packet, 'tcp', BGP_PORTS) ||
    isCdp(packet)
  )
    return 'Routing';
  if (facts.tcpFlagsAny & 0x003) return 'TCP SYN/FIN';
  if (facts.tcp) return 'TCP';
  if (facts.udp) return 'UDP';
  const eth = packet.layers[1];
  if (eth?.kind === 'eth' && eth.limit >= 1 && (packet.bytes[0] as number) & 1) return 'Broadcast';
  return null;
}
