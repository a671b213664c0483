import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCaptureFilter } from '../../main/broker/filter/capture-filter.js';
import type { CaptureRecord } from '../../main/capture/capture-record.js';
import { openCapture } from '../../main/capture/read-capture.js';
import { toSeconds } from '../../main/capture/timestamp.js';
import { sh, tempDir } from '../helpers/run.js';
import { pcapFile } from '../unit/support/capture-files.js';

/**
 * `-f EXPR` must select exactly the packets tcpdump selects. Scapy generates varied traffic
 * (tagged, fragmented, extension headers, truncated captures...); each record's timestamp is
 * its index, so the packets `tcpdump -r IN -w - EXPR` writes name the indices it selected.
 */
const PYTHON = '/usr/bin/python3';
const TCPDUMP = '/usr/bin/tcpdump';
const BASE_SECONDS = 1_000_000;

/** Prints {ethernet: [...], raw: [...]} of {hex: captured bytes, wirelen: original length}. */
const TRAFFIC = String.raw`
import json, sys
from scapy.all import (Ether, Dot1Q, Dot1AD, IP, IPv6, TCP, UDP, ICMP, ARP, DNS, DNSQR, DNSRR, Raw,
    ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6ND_NS, ICMPv6ND_RA, IPv6ExtHdrHopByHop,
    IPv6ExtHdrDestOpt, IPv6ExtHdrRouting, IPv6ExtHdrFragment, GRE, IPOption_RR, LLC, STP,
    PPPoE, SCTP, Dot3, fragment)
from scapy.contrib.mpls import MPLS
from scapy.contrib.igmp import IGMP

A, B, C = '02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03'
BC = 'ff:ff:ff:ff:ff:ff'
GET = b'GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n'
frames = []
def add(p, cap=None):
    b = bytes(p)
    frames.append({'hex': (b[:cap] if cap is not None else b).hex(), 'wirelen': len(b)})
def e(src=A, dst=B): return Ether(src=src, dst=dst)

# IPv4 TCP with each flag combination a filter may test
for flags, sport, dport in [('S', 40000, 80), ('SA', 80, 40000), ('A', 40000, 80), ('FA', 40000, 443),
                            ('R', 443, 40001), ('RA', 22, 50000), ('PA', 51000, 8080), ('U', 1500, 23),
                            ('SEC', 1999, 8050), ('F', 2000, 25), ('', 3000, 21)]:
    add(e()/IP(src='10.0.0.1', dst='192.168.1.10')/TCP(sport=sport, dport=dport, flags=flags))
add(e(B, A)/IP(src='192.168.1.10', dst='10.0.0.1')/TCP(sport=80, dport=40000, flags='PA')/Raw(b'HTTP/1.1 200 OK\r\n\r\n'))
add(e()/IP(src='10.0.0.1', dst='192.168.1.10')/TCP(sport=40002, dport=80, flags='PA')/Raw(GET))
add(e()/IP(src='10.0.0.1', dst='192.168.1.10', options=[IPOption_RR(routers=['1.2.3.4'])])/TCP(sport=40003, dport=8000, flags='PA', options=[('MSS', 1460), ('NOP', None), ('WScale', 7)])/Raw(GET))
add(e()/IP(src='172.16.5.4', dst='172.16.5.5')/TCP(sport=443, dport=1024, flags='PA')/Raw(b'\x17\x03\x03' + b'x' * 1400))
# UDP: DNS, mDNS multicast, DHCP broadcast, plain, jumbo
add(e()/IP(src='10.0.0.1', dst='8.8.8.8')/UDP(sport=33333, dport=53)/DNS(id=0x1234, rd=1, qd=DNSQR(qname='example.com')))
add(e(B, A)/IP(src='8.8.8.8', dst='10.0.0.1')/UDP(sport=53, dport=33333)/DNS(id=0x1234, qr=1, qd=DNSQR(qname='example.com'), an=DNSRR(rrname='example.com', rdata='93.184.216.34')))
add(e(C, '01:00:5e:00:00:fb')/IP(src='10.0.0.7', dst='224.0.0.251')/UDP(sport=5353, dport=5353)/DNS(qd=DNSQR(qname='_http._tcp.local')))
add(e(A, BC)/IP(src='0.0.0.0', dst='255.255.255.255')/UDP(sport=68, dport=67)/Raw(b'\x01' * 240))
add(e()/IP(src='10.1.2.3', dst='10.9.8.7')/UDP(sport=1500, dport=9999)/Raw(b'hello'))
add(e()/IP(src='10.1.2.3', dst='10.9.8.7')/UDP(sport=4000, dport=1234)/Raw(b'z' * 8950))
add(e(A, '01:00:5e:01:01:01')/IP(src='10.1.2.3', dst='239.1.1.1', ttl=1)/UDP(sport=7000, dport=7000)/Raw(b'm' * 20))
# ICMP, IGMP, GRE, SCTP
add(e()/IP(src='10.0.0.1', dst='10.0.0.2')/ICMP(type=8, id=1, seq=1)/Raw(b'ping' * 8))
add(e(B, A)/IP(src='10.0.0.2', dst='10.0.0.1')/ICMP(type=0, id=1, seq=1)/Raw(b'ping' * 8))
add(e()/IP(src='10.0.0.254', dst='10.0.0.1')/ICMP(type=3, code=3)/IP(src='10.0.0.1', dst='10.0.0.9')/UDP(sport=1, dport=2))
add(e(A, '01:00:5e:00:00:16')/IP(src='10.0.0.5', dst='224.0.0.22', ttl=1)/IGMP(type=0x16, gaddr='239.1.1.1'))
add(e()/IP(src='10.0.0.1', dst='10.0.0.2')/GRE(proto=0x0800)/IP(src='1.1.1.1', dst='2.2.2.2')/UDP(sport=53, dport=53))
add(e()/IP(src='10.0.0.1', dst='10.0.0.2')/SCTP(sport=3868, dport=3868))
# IPv4 fragments: first (MF, offset 0, has the UDP header) and later ones (no UDP header)
for frag in fragment(IP(src='10.0.0.1', dst='10.0.0.53', id=77)/UDP(sport=5000, dport=53)/Raw(b'f' * 3000), fragsize=1480):
    add(e()/frag)
# IPv6: TCP, UDP, ICMPv6, neighbour discovery, router advertisement
add(e()/IPv6(src='2001:db8::1', dst='2001:db8::2')/TCP(sport=40000, dport=443, flags='S'))
add(e(B, A)/IPv6(src='2001:db8::2', dst='2001:db8::1')/TCP(sport=443, dport=40000, flags='SA'))
add(e()/IPv6(src='2001:db8::1', dst='2001:db8:1::53')/UDP(sport=40000, dport=53)/DNS(qd=DNSQR(qname='example.org', qtype='AAAA')))
add(e()/IPv6(src='2001:db8::1', dst='2001:db8::2')/ICMPv6EchoRequest(id=5, seq=1))
add(e(B, A)/IPv6(src='2001:db8::2', dst='2001:db8::1')/ICMPv6EchoReply(id=5, seq=1))
add(e(A, '33:33:ff:00:00:02')/IPv6(src='fe80::1', dst='ff02::1:ff00:2')/ICMPv6ND_NS(tgt='2001:db8::2'))
add(e(C, '33:33:00:00:00:01')/IPv6(src='fe80::1', dst='ff02::1')/ICMPv6ND_RA())
add(e()/IPv6(src='fd00::10', dst='fd00::20')/TCP(sport=1234, dport=1500, flags='PA')/Raw(GET))
# IPv6 extension headers: hop-by-hop, destination options, routing; protochain must walk them
add(e()/IPv6(src='2001:db8::1', dst='2001:db8::2')/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()/TCP(sport=40010, dport=80, flags='S'))
add(e()/IPv6(src='2001:db8::1', dst='2001:db8::2')/IPv6ExtHdrRouting(addresses=['2001:db8::99'])/UDP(sport=40011, dport=53))
add(e()/IPv6(src='2001:db8::1', dst='2001:db8::2')/IPv6ExtHdrHopByHop()/ICMPv6EchoRequest())
# IPv6 fragment header: first fragment (offset 0) and a later one
add(e()/IPv6(src='2001:db8::1', dst='2001:db8::2')/IPv6ExtHdrFragment(id=9, m=1, offset=0, nh=17)/UDP(sport=5001, dport=53)/Raw(b'g' * 64))
add(e()/IPv6(src='2001:db8::1', dst='2001:db8::2')/IPv6ExtHdrFragment(id=9, m=0, offset=9, nh=17)/Raw(b'g' * 40))
add(e()/IPv6(src='2001:db8::1', dst='2001:db8::2')/IPv6ExtHdrFragment(id=10, m=1, offset=0)/ICMPv6EchoRequest()/Raw(b'h' * 32))
# ARP
add(e(A, BC)/ARP(op=1, hwsrc=A, psrc='10.0.0.1', pdst='10.0.0.2'))
add(e(B, A)/ARP(op=2, hwsrc=B, psrc='10.0.0.2', hwdst=A, pdst='10.0.0.1'))
# 802.1Q, 802.1ad QinQ, double 802.1Q
add(e()/Dot1Q(vlan=100)/IP(src='10.0.0.1', dst='10.0.0.2')/UDP(sport=33334, dport=53)/DNS(qd=DNSQR(qname='vlan.example')))
add(e()/Dot1Q(vlan=100)/IP(src='10.0.0.1', dst='192.168.1.10')/TCP(sport=40020, dport=80, flags='S'))
add(e()/Dot1Q(vlan=200, prio=5)/IPv6(src='2001:db8::1', dst='2001:db8::2')/TCP(sport=40021, dport=443, flags='SA'))
add(e(A, BC)/Dot1Q(vlan=100)/ARP(op=1, psrc='10.0.0.1', pdst='10.0.0.3'))
add(e()/Dot1AD(vlan=10)/Dot1Q(vlan=20)/IP(src='10.0.0.1', dst='10.0.0.2')/TCP(sport=40022, dport=22, flags='S'))
add(e()/Dot1Q(vlan=10)/Dot1Q(vlan=20)/IP(src='10.0.0.1', dst='10.0.0.2')/UDP(sport=1700, dport=53))
add(e()/Dot1Q(vlan=300)/IPv6(src='2001:db8::1', dst='2001:db8::2')/IPv6ExtHdrFragment(id=11, m=1, offset=0, nh=6)/TCP(sport=40023, dport=80, flags='S'))
# MPLS, PPPoE session, 802.3/LLC spanning tree, an unknown EtherType
add(e()/MPLS(label=16, s=1)/IP(src='10.0.0.1', dst='10.0.0.2')/TCP(sport=40024, dport=80, flags='S'))
# scapy would compress the PPP protocol field to one byte (0x21); libpcap expects two
add(e()/PPPoE(sessionid=1)/Raw(b'\x00\x21' + bytes(IP(src='10.0.0.1', dst='10.0.0.2')/UDP(sport=1600, dport=53))))
add(Dot3(src=C, dst='01:80:c2:00:00:00')/LLC()/STP())
add(Ether(src=C, dst=B, type=0x88b5)/Raw(b'local experimental' * 3))
# tiny frames: an Ethernet header only, one that claims IPv4 but stops inside it
add(Ether(src=A, dst=B, type=0x0800))
add(bytes(Ether(src=A, dst=B)/IP(src='10.0.0.1', dst='10.0.0.2')/TCP())[:20])
# truncated captures (caplen < len): ports captured but no payload; IP header only; Ethernet only
add(e()/IP(src='10.0.0.1', dst='192.168.1.10')/TCP(sport=40030, dport=80, flags='PA')/Raw(GET + b'a' * 1400), cap=54)
add(e()/IP(src='10.0.0.1', dst='192.168.1.10')/TCP(sport=40031, dport=80, flags='PA')/Raw(b'b' * 1400), cap=34)
add(e()/IP(src='10.0.0.1', dst='8.8.8.8')/UDP(sport=33335, dport=53)/Raw(b'c' * 900), cap=14)
add(e()/IPv6(src='2001:db8::1', dst='2001:db8::2')/IPv6ExtHdrHopByHop()/TCP(sport=40032, dport=80)/Raw(b'd' * 1200), cap=60)
add(e()/Dot1Q(vlan=100)/IP(src='10.0.0.1', dst='10.0.0.2')/UDP(sport=33336, dport=53)/Raw(b'e' * 100), cap=16)
# captures that end one byte inside a field: libpcap rejects them even under "not"
add(e()/IP(src='10.0.0.1', dst='8.8.4.4')/UDP(sport=33337, dport=53)/Raw(b'q' * 50), cap=37)
add(e()/IP(src='10.0.0.1', dst='192.168.1.10')/TCP(sport=40035, dport=80, flags='S')/Raw(b'r' * 10), cap=47)
add(e()/IP(src='10.0.0.1', dst='192.168.1.10')/TCP(sport=40036, dport=80, flags='S'), cap=13)

raw = []
def add_raw(p, cap=None):
    b = bytes(p)
    raw.append({'hex': (b[:cap] if cap is not None else b).hex(), 'wirelen': len(b)})
# the same IPv4 and IPv6 packets without their Ethernet header (complete captures only)
for f in frames:
    b = bytes.fromhex(f['hex'])
    if f['wirelen'] == len(b) and len(b) >= 14 and b[12:14] in (b'\x08\x00', b'\x86\xdd'):
        add_raw(Raw(b[14:]))
add_raw(IP(src='10.0.0.1', dst='192.168.1.10')/TCP(sport=40033, dport=80, flags='PA')/Raw(b'x' * 1400), cap=40)
add_raw(IP(src='10.0.0.1', dst='192.168.1.10')/TCP(sport=40034, dport=80), cap=20)
add_raw(IPv6(src='2001:db8::1', dst='2001:db8::2')/UDP(sport=1, dport=53)/Raw(b'y' * 2000), cap=44)
raw.append({'hex': '6f' + '00' * 39, 'wirelen': 40})  # version nibble 6, then garbage
raw.append({'hex': '00' * 28, 'wirelen': 28})  # neither IPv4 nor IPv6
raw.append({'hex': '45', 'wirelen': 1})
json.dump({'ethernet': frames, 'raw': raw}, sys.stdout)
`;

const ETHERNET_EXPRESSIONS = [
  'tcp',
  'udp',
  'icmp',
  'icmp6',
  'arp',
  'ip',
  'ip6',
  'sctp',
  'igmp',
  'proto gre',
  'stp',
  'llc',
  'host 10.0.0.1',
  'src host 10.0.0.1',
  'dst net 192.168.0.0/16',
  'net 10.0.0.0/8',
  'host 2001:db8::1',
  'net 2001:db8::/32',
  'ip6 dst host ff02::1',
  'port 80',
  'tcp port 443',
  'udp port 53',
  'port 53 or port 5353',
  'udp and not port 53',
  'portrange 1000-2000',
  'tcp portrange 20-25',
  'tcp dst portrange 8000-8100',
  'tcp[tcpflags] & (tcp-syn|tcp-fin) != 0',
  'tcp[tcpflags] == tcp-syn',
  'tcp[tcpflags] & tcp-rst != 0',
  'tcp[13] & 0x12 == 0x12',
  'tcp[tcpflags] & tcp-push != 0 and dst port 80',
  'tcp[tcpflags] & (tcp-ece|tcp-cwr) != 0',
  'ip[6:2] & 0x1fff != 0',
  'ip[6] & 0x20 != 0',
  'ip[0] & 0xf > 5',
  'ip[2:2] > 576',
  'greater 1000',
  'less 64',
  'len > 100 and len < 600',
  'ether host 02:00:00:00:00:01',
  'ether src 02:00:00:00:00:02 and not arp',
  'ether broadcast',
  'broadcast',
  'multicast',
  'ether multicast',
  'ip multicast',
  'ip6 multicast',
  'ether[0] & 1 != 0',
  'ip6 protochain 6',
  'ip6 protochain 17',
  'ip6 protochain 58',
  'ip protochain 17',
  'ip6[6] == 44',
  'ip6 and udp',
  'vlan',
  'vlan 100',
  'vlan and udp',
  'not vlan',
  'vlan 10 and vlan 20',
  'vlan and ip6',
  'vlan 300 and ip6 protochain 6',
  'ether[12:2] = 0x8100',
  'ether proto 0x88b5',
  'ether[12:2] <= 1500',
  'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420',
  'icmp[icmptype] == icmp-echo',
  'icmp6 and ip6[40] == 128',
  'udp[8:2] = 0x1234',
  'ip and (tcp or udp) and not net 10.0.0.0/8',
  'arp and ether dst ff:ff:ff:ff:ff:ff',
  'mpls and tcp',
  'pppoes and udp port 53',
  'ip[9] + ip[8] > 80',
  'tcp[0:2] % 7 == 3',
  'not port 53',
  'not tcp[13] & 2 != 0',
  'not ip',
  'ip[16:4] & 0x80000000 != 0',
];

const RAW_EXPRESSIONS = [
  'ip',
  'ip6',
  'tcp',
  'udp',
  'icmp6',
  'udp port 53',
  'host 10.0.0.1',
  'net 2001:db8::/32',
  'ip[6:2] & 0x1fff != 0',
  'greater 1000',
  'less 64',
  'tcp[tcpflags] & tcp-syn != 0',
  'ip6 protochain 6',
  'portrange 1000-2000',
  'ip[0] & 0xf > 5',
  'ip multicast',
  'len <= 60',
  'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420',
  'not ip and not ip6',
];

/** Expressions that must select some but not all packets, so agreeing with tcpdump means something. */
const MEANINGFUL = [
  'vlan',
  'not vlan',
  'vlan and udp',
  'vlan 10 and vlan 20',
  'tcp[tcpflags] & (tcp-syn|tcp-fin) != 0',
  'ip[6:2] & 0x1fff != 0',
  'greater 1000',
  'less 64',
  'ip6 protochain 6',
  'portrange 1000-2000',
  'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420',
  'icmp6',
  'udp port 53',
  'ether broadcast',
  'ether host 02:00:00:00:00:01',
  'stp',
  'pppoes and udp port 53',
];

function requireTool(file: string, why: string): void {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${why}`);
}

interface Traffic {
  ethernet: Array<{ hex: string; wirelen: number }>;
  raw: Array<{ hex: string; wirelen: number }>;
}

const dir = tempDir('ct-filter');
const files = { ethernet: path.join(dir, 'ethernet.pcap'), raw: path.join(dir, 'raw.pcap') };
const records = { ethernet: [] as CaptureRecord[], raw: [] as CaptureRecord[] };

async function readAll(file: string): Promise<CaptureRecord[]> {
  const capture = await openCapture(file);
  const out: CaptureRecord[] = [];
  for await (const record of capture.records) out.push(record);
  await capture.close();
  return out;
}

const indexOf = (record: CaptureRecord) => toSeconds(record.timestamp) - BASE_SECONDS;

beforeAll(async () => {
  requireTool(PYTHON, 'the traffic is generated with scapy (apt-get install python3-scapy)');
  requireTool(TCPDUMP, 'verdicts are compared with tcpdump (apt-get install tcpdump)');
  const traffic = JSON.parse(sh(PYTHON, ['-'], TRAFFIC)) as Traffic;
  for (const [kind, linkType] of [
    ['ethernet', 1],
    ['raw', 101],
  ] as const) {
    const spec = traffic[kind].map((packet, i) => ({
      seconds: BASE_SECONDS + i,
      fraction: 0,
      data: Buffer.from(packet.hex, 'hex'),
      originalLength: packet.wirelen,
    }));
    fs.writeFileSync(files[kind], pcapFile({ linkType, records: spec }));
    records[kind] = await readAll(files[kind]);
  }
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Indices of the packets tcpdump writes for the expression. */
async function tcpdumpSelects(file: string, expression: string): Promise<number[]> {
  const out = path.join(dir, 'selected.pcap');
  // -w - : the pcap on stdout, so privilege dropping (-Z) cannot stop tcpdump writing the file
  const selected = execFileSync(TCPDUMP, ['-r', file, '-w', '-', expression], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  });
  fs.writeFileSync(out, selected);
  return (await readAll(out)).map(indexOf);
}

function oursSelects(kind: 'ethernet' | 'raw', expression: string): number[] {
  const filter = compileCaptureFilter(expression, kind === 'ethernet' ? 1 : 101);
  return records[kind].filter((record) => filter.matches(record.data, record.originalLength)).map(indexOf);
}

describe('capture filter verdicts equal tcpdump', () => {
  it('has varied traffic, truncated captures included', () => {
    expect(records.ethernet.length).toBeGreaterThanOrEqual(60);
    expect(records.raw.length).toBeGreaterThanOrEqual(40);
    for (const kind of ['ethernet', 'raw'] as const)
      expect(records[kind].filter((r) => r.data.length < r.originalLength).length).toBeGreaterThanOrEqual(3);
  });

  it.each(ETHERNET_EXPRESSIONS)('Ethernet: %s', async (expression) => {
    expect(oursSelects('ethernet', expression)).toEqual(await tcpdumpSelects(files.ethernet, expression));
  });

  it.each(RAW_EXPRESSIONS)('raw IP: %s', async (expression) => {
    expect(oursSelects('raw', expression)).toEqual(await tcpdumpSelects(files.raw, expression));
  });

  it.each(MEANINGFUL)('"%s" selects some packets but not all', (expression) => {
    const selected = oursSelects('ethernet', expression).length;
    expect(selected).toBeGreaterThan(0);
    expect(selected).toBeLessThan(records.ethernet.length);
  });
});
