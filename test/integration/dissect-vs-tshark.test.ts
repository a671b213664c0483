import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../main/capture/linktype.js';
import { encodeInterfaceDescription, encodeSectionHeader } from '../../main/capture/pcapng-blocks.js';
import { COLOURING_RULES } from '../../main/dissect/colour.js';
import { compileDisplayFilter } from '../../main/dissect/display-filter/display-filter.js';
import { type Dissection, dissectPacket, summarizePacket } from '../../main/dissect/dissect.js';
import { PACKET_FIELDS } from '../../main/dissect/fields.js';
import { sh, tempDir } from '../helpers/run.js';
import { epb } from '../unit/support/capture-files.js';

/**
 * ClusterTap's dissector against tshark: field values, the Protocol/Source/Destination/Info
 * columns, the colouring rule, and display-filter verdicts, over a varied corpus scapy builds
 * (every protocol we decode, tagged, fragmented, truncated and malformed packets, four link types).
 *
 * tshark runs with options that turn off what a per-packet dissector cannot do, so both sides
 * see the same thing:
 *   -n                                      no name resolution (addresses as numbers)
 *   tcp.relative_sequence_numbers:FALSE     we show absolute sequence numbers (no stream state)
 *   tcp.analyze_sequence_numbers:FALSE      no retransmission/duplicate-ACK analysis (Bad TCP)
 *   tcp.desegment_tcp_streams:FALSE         each segment on its own, no reassembly
 *   ip.defragment / ipv6.defragment:FALSE   each fragment on its own
 */
const PYTHON = '/usr/bin/python3';
const TSHARK = '/usr/bin/tshark';
const TSHARK_OPTIONS = [
  '-n',
  '-o',
  'tcp.relative_sequence_numbers:FALSE',
  '-o',
  'tcp.analyze_sequence_numbers:FALSE',
  '-o',
  'tcp.desegment_tcp_streams:FALSE',
  '-o',
  'ip.defragment:FALSE',
  '-o',
  'ipv6.defragment:FALSE',
];

/**
 * Prints {ethernet, raw, sll, sll2}: lists of {hex, wirelen, columns}. `columns: false` marks a
 * packet whose payload Wireshark decodes with a dissector ClusterTap does not have (OSPF, SCTP,
 * DHCP…): its fields and colour are still compared, its Protocol/Info columns are not.
 */
const TRAFFIC = String.raw`
import json, struct, sys
from scapy.all import (Ether, Dot1Q, Dot3, LLC, STP, IP, IPv6, TCP, UDP, ICMP, ARP, DNS, DNSQR, DNSRR,
    DNSRROPT, Raw, ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6ND_RS,
    ICMPv6ND_RA, ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, ICMPv6DestUnreach, IPv6ExtHdrHopByHop,
    IPv6ExtHdrDestOpt, IPv6ExtHdrRouting, IPv6ExtHdrFragment, IPOption_RR, SCTP, SCTPChunkAbort,
    SCTPChunkInit, fragment)
from scapy.layers.hsrp import HSRP
from scapy.contrib.igmp import IGMP
from scapy.contrib.ospf import OSPF_Hdr, OSPF_Hello, OSPF_LSUpd

A, B, C = '02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03'
BC = 'ff:ff:ff:ff:ff:ff'
out = {'ethernet': [], 'raw': [], 'sll': [], 'sll2': []}
def put(kind, p, cap=None, columns=True):
    b = bytes(p)
    out[kind].append({'hex': (b[:cap] if cap is not None else b).hex(), 'wirelen': len(b), 'columns': columns})
def add(p, cap=None, columns=True): put('ethernet', p, cap, columns)
def e(src=A, dst=B): return Ether(src=src, dst=dst)
def v4(src='10.0.0.1', dst='10.0.0.2', **kw): return IP(src=src, dst=dst, **kw)
def v6(src='2001:db8::1', dst='2001:db8::2', **kw): return IPv6(src=src, dst=dst, **kw)
GET = b'GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: clustertap\r\n\r\n'

# TCP: flag combinations, options, each on its own ports
add(e()/v4()/TCP(sport=51000, dport=443, flags='S', seq=1000, window=64240,
    options=[('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1, 0)), ('NOP', None), ('WScale', 7)]))
add(e(B, A)/v4('10.0.0.2', '10.0.0.1')/TCP(sport=443, dport=51000, flags='SA', seq=5000, ack=1001, window=65160))
add(e()/v4()/TCP(sport=51001, dport=443, flags='A', seq=1001, ack=5001, window=502))
add(e()/v4()/TCP(sport=51002, dport=443, flags='FA', seq=7, ack=9))
add(e()/v4(ttl=3)/TCP(sport=51003, dport=8443, flags='R', seq=1))
add(e()/v4()/TCP(sport=51004, dport=22, flags='RA', seq=1, ack=2))
add(e()/v4()/TCP(sport=51005, dport=5000, flags='PA', seq=10, ack=20)/Raw(b'x' * 100))
add(e()/v4()/TCP(sport=51006, dport=5001, flags='UA', urgptr=3)/Raw(b'urgent'))
add(e()/v4()/TCP(sport=51007, dport=5002, flags='SEC'))
add(e()/v4()/TCP(sport=51008, dport=5003, flags=''))
add(e()/v4()/TCP(sport=51009, dport=5004, flags=0x1ff))
add(e()/v4()/TCP(sport=51010, dport=5005, flags='A', ack=300, options=[('NOP', None), ('NOP', None), ('SAck', (100, 200, 300, 400))]))
add(e()/v4()/TCP(sport=51011, dport=5006, flags='PA', window=512)/Raw(b'y' * 1400))
# HTTP: found by content on any port; not on port 80 without an HTTP start
add(e()/v4()/TCP(sport=51020, dport=80, flags='PA', seq=1001, ack=5001)/Raw(GET))
add(e(B, A)/v4('10.0.0.2', '10.0.0.1')/TCP(sport=80, dport=51020, flags='PA')/Raw(
    b'HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 13\r\nServer: nginx\r\n\r\n<html></html>'))
add(e()/v4()/TCP(sport=51021, dport=8080, flags='PA')/Raw(
    b'POST /upload HTTP/1.1\r\nHost: api.example.com:8080\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\ndata'))
add(e(B, A)/v4('10.0.0.2', '10.0.0.1')/TCP(sport=3000, dport=51022, flags='PA')/Raw(b'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'))
add(e()/v4()/TCP(sport=51023, dport=12345, flags='PA')/Raw(b'DELETE /items/7 HTTP/1.0\r\nHost: example.com\r\n\r\n'))
add(e()/v4()/TCP(sport=51024, dport=8000, flags='PA')/Raw(b'GET /health HTTP/1.1\r\nHost: svc\r\n\r\n'))
add(e()/v4()/TCP(sport=51025, dport=80, flags='PA')/Raw(b'\x17\x03\x03\x00\x10' + b'z' * 16))
add(e()/v4()/TCP(sport=51026, dport=80, flags='S'))
# DNS and mDNS
add(e()/v4('10.0.0.1', '8.8.8.8')/UDP(sport=33333, dport=53)/DNS(id=0x1a2b, rd=1, qd=DNSQR(qname='example.com')))
add(e(B, A)/v4('8.8.8.8', '10.0.0.1')/UDP(sport=53, dport=33333)/DNS(id=0x1a2b, qr=1, rd=1, ra=1,
    qd=DNSQR(qname='example.com'), an=DNSRR(rrname='example.com', ttl=300, rdata='93.184.216.34')/DNSRR(rrname='example.com', ttl=300, rdata='93.184.216.35')))
add(e()/v4('10.0.0.1', '8.8.8.8')/UDP(sport=33334, dport=53)/DNS(id=2, rd=1, qd=DNSQR(qname='www.example.com', qtype='AAAA'), ar=DNSRROPT(rclass=4096)))
add(e(B, A)/v4('8.8.8.8', '10.0.0.1')/UDP(sport=53, dport=33334)/DNS(id=2, qr=1, rd=1, ra=1, qd=DNSQR(qname='www.example.com', qtype='AAAA'),
    an=DNSRR(rrname='www.example.com', type='CNAME', ttl=60, rdata='example.com')/DNSRR(rrname='example.com', type='AAAA', ttl=60, rdata='2001:db8::5')))
add(e(B, A)/v4('8.8.8.8', '10.0.0.1')/UDP(sport=53, dport=33335)/DNS(id=3, qr=1, rcode=3, qd=DNSQR(qname='nx.example.com')))
add(e(B, A)/v4('8.8.8.8', '10.0.0.1')/UDP(sport=53, dport=33336)/DNS(id=4, qr=1, qd=DNSQR(qname='4.3.2.1.in-addr.arpa', qtype='PTR'),
    an=DNSRR(rrname='4.3.2.1.in-addr.arpa', type='PTR', rdata='host.example.com')))
add(e(B, A)/v4('8.8.8.8', '10.0.0.1')/UDP(sport=53, dport=33337)/DNS(id=5, qr=1, qd=DNSQR(qname='example.com', qtype='NS'),
    an=DNSRR(rrname='example.com', type='NS', rdata='ns1.example.com')/DNSRR(rrname='example.com', type='TXT', rdata=['v=spf1 -all'])))
dns_tcp = bytes(DNS(id=6, rd=1, qd=DNSQR(qname='tcp.example.com')))
add(e()/v4('10.0.0.1', '8.8.8.8')/TCP(sport=51030, dport=53, flags='PA')/Raw(struct.pack('!H', len(dns_tcp)) + dns_tcp))
add(e(A, '01:00:5e:00:00:fb')/v4('10.0.0.7', '224.0.0.251', ttl=255)/UDP(sport=5353, dport=5353)/DNS(qd=DNSQR(qname='_http._tcp.local', qtype='PTR')))
add(e(A, '01:00:5e:00:00:fb')/v4('10.0.0.7', '224.0.0.251', ttl=255)/UDP(sport=5353, dport=5353)/DNS(qd=DNSQR(qname='_ipp._tcp.local', qtype='PTR', qclass=0x8001)))
add(e(A, '01:00:5e:00:00:fb')/v4('10.0.0.7', '224.0.0.251', ttl=255)/UDP(sport=5353, dport=5353)/DNS(qr=1, aa=1, an=DNSRR(rrname='host.local', rclass=0x8001, ttl=120, rdata='10.0.0.7')))
# ARP
add(e(A, BC)/ARP(op=1, hwsrc=A, psrc='10.0.0.2', pdst='10.0.0.1'))
add(e(B, A)/ARP(op=2, hwsrc=B, psrc='10.0.0.1', hwdst=A, pdst='10.0.0.2'))
add(e(A, BC)/ARP(op=1, hwsrc=A, psrc='10.0.0.5', hwdst=A, pdst='10.0.0.5'))
add(e(A, BC)/ARP(op=1, hwsrc=A, psrc='10.0.0.5', pdst='10.0.0.5'))
add(e(A, BC)/ARP(op=2, hwsrc=A, psrc='10.0.0.5', pdst='10.0.0.5'))
add(e(A, BC)/ARP(op=1, hwsrc=A, psrc='0.0.0.0', pdst='10.0.0.9'))
# ICMP
add(e()/v4()/ICMP(type=8, id=0x1234, seq=1)/Raw(b'abcdefgh' * 4))
add(e(B, A)/v4('10.0.0.2', '10.0.0.1')/ICMP(type=0, id=0x1234, seq=1)/Raw(b'abcdefgh' * 4), columns=False)  # "(request in N)"
add(e()/v4('10.0.0.254', '10.0.0.1')/ICMP(type=3, code=3)/IP(src='10.0.0.1', dst='10.0.0.9')/UDP(sport=33338, dport=53))
add(e()/v4('10.0.0.254', '10.0.0.1')/ICMP(type=3, code=4, nexthopmtu=1400)/IP(src='10.0.0.1', dst='10.0.0.9', flags='DF')/TCP(sport=51040, dport=443))
add(e()/v4('10.0.0.254', '10.0.0.1')/ICMP(type=11, code=0)/IP(src='10.0.0.1', dst='192.168.1.9', ttl=1)/TCP(sport=51041, dport=80, flags='S'))
add(e()/v4()/ICMP(type=13, id=7, seq=2))
# IPv4 odds: options, fragments, protocols we only name, TTLs, multicast, broadcast
add(e()/v4(options=[IPOption_RR(routers=['1.2.3.4'])])/TCP(sport=51050, dport=5010, flags='S'))
for frag in fragment(v4('10.0.0.1', '10.0.0.53', id=77)/UDP(sport=5000, dport=53)/Raw(b'f' * 2000), fragsize=1480):
    add(e()/frag)
add(e()/v4(proto=253)/Raw(b'opaque'))
add(e(A, '01:00:5e:00:00:16')/v4('10.0.0.5', '224.0.0.22', ttl=1)/IGMP(type=0x16, gaddr='239.1.1.1'), columns=False)
add(e(A, '01:00:5e:00:00:05')/v4('10.0.0.5', '224.0.0.5', ttl=1)/OSPF_Hdr(src='10.0.0.5')/OSPF_Hello(), columns=False)
add(e(A, '01:00:5e:00:00:05')/v4('10.0.0.5', '224.0.0.5', ttl=1)/OSPF_Hdr(src='10.0.0.5')/OSPF_LSUpd(), columns=False)
add(e(A, '01:00:5e:00:00:02')/v4('10.0.0.5', '224.0.0.2', ttl=1)/UDP(sport=1985, dport=1985)/HSRP(state=16), columns=False)
add(e(A, '01:00:5e:00:00:02')/v4('10.0.0.5', '224.0.0.2', ttl=1)/UDP(sport=1985, dport=1985)/HSRP(state=4), columns=False)
add(e()/v4()/SCTP(sport=3868, dport=3868)/SCTPChunkInit(), columns=False)
add(e()/v4()/SCTP(sport=3868, dport=3868)/SCTPChunkAbort(), columns=False)
add(e()/v4()/TCP(sport=51060, dport=179, flags='PA')/Raw(b'\xff' * 16 + b'\x00\x13\x04'), columns=False)
add(e()/v4()/TCP(sport=51061, dport=139, flags='PA')/Raw(b'\x85\x00\x00\x00'), columns=False)
add(e()/v4('10.0.0.1', '10.0.0.255')/UDP(sport=137, dport=137)/Raw(bytes.fromhex('8a1b0110000100000000000020434b4141414141414141414141414141414141414141414141414141414141410000200001')), columns=False)
add(e()/v4(ttl=2)/UDP(sport=40000, dport=9999)/Raw(b'low ttl'))
add(e(A, '01:00:5e:00:00:09')/v4('10.0.0.1', '224.0.0.9', ttl=2)/UDP(sport=40001, dport=9998)/Raw(b'odd ttl'))
add(e(A, '01:00:5e:01:01:01')/v4('10.0.0.1', '239.1.1.1', ttl=1)/UDP(sport=40002, dport=9997)/Raw(b'm' * 20))
add(e(A, BC)/v4('0.0.0.0', '255.255.255.255')/UDP(sport=68, dport=67)/Raw(b'\x01' * 240), columns=False)
add(e()/v4('10.1.2.3', '10.9.8.7')/UDP(sport=4000, dport=1234)/Raw(b'z' * 1472))
# IPv6
add(e()/v6()/TCP(sport=40000, dport=443, flags='S', window=65535))
add(e(B, A)/v6('2001:db8::2', '2001:db8::1')/TCP(sport=443, dport=40000, flags='SA', ack=1))
add(e()/v6('2001:db8::1', '2001:db8:1::53')/UDP(sport=40001, dport=53)/DNS(id=9, rd=1, qd=DNSQR(qname='example.org', qtype='AAAA')))
add(e()/v6()/ICMPv6EchoRequest(id=5, seq=1, data=b'ping'))
add(e(B, A)/v6('2001:db8::2', '2001:db8::1')/ICMPv6EchoReply(id=5, seq=1, data=b'ping'), columns=False)  # "(request in N)"
add(e(A, '33:33:ff:00:00:02')/v6('fe80::1', 'ff02::1:ff00:2', hlim=255)/ICMPv6ND_NS(tgt='2001:db8::2')/ICMPv6NDOptSrcLLAddr(lladdr=A))
add(e(B, A)/v6('fe80::2', 'fe80::1', hlim=255)/ICMPv6ND_NA(tgt='fe80::2', R=0, S=1, O=1)/ICMPv6NDOptDstLLAddr(lladdr=B))
add(e(A, '33:33:00:00:00:02')/v6('fe80::1', 'ff02::2', hlim=255)/ICMPv6ND_RS()/ICMPv6NDOptSrcLLAddr(lladdr=A))
add(e(C, '33:33:00:00:00:01')/v6('fe80::1', 'ff02::1', hlim=255)/ICMPv6ND_RA()/ICMPv6NDOptSrcLLAddr(lladdr=C))
add(e()/v6('2001:db8::ff', '2001:db8::1')/ICMPv6DestUnreach(code=4)/IPv6(src='2001:db8::1', dst='2001:db8::9')/UDP(sport=40002, dport=9))
add(e()/v6()/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()/TCP(sport=40010, dport=8080, flags='S'))
add(e()/v6()/IPv6ExtHdrRouting(addresses=['2001:db8::99'])/UDP(sport=40011, dport=9000)/Raw(b'routed'))
add(e()/v6()/IPv6ExtHdrFragment(id=9, m=1, offset=0, nh=17)/UDP(sport=40012, dport=9001, len=80)/Raw(b'g' * 64))
add(e()/v6()/IPv6ExtHdrFragment(id=9, m=0, offset=9, nh=17)/Raw(b'g' * 16))
add(e()/v6(nh=59))
# 802.1Q
add(e()/Dot1Q(vlan=100)/v4('10.0.0.1', '10.0.0.53')/UDP(sport=33339, dport=53)/DNS(id=10, rd=1, qd=DNSQR(qname='vlan.example')))
add(e(A, BC)/Dot1Q(vlan=100)/ARP(op=1, hwsrc=A, psrc='10.0.0.1', pdst='10.0.0.3'), columns=False)  # "(duplicate use of … detected!)": ARP state
add(e()/Dot1Q(vlan=200, prio=5)/v6()/TCP(sport=40020, dport=443, flags='SA'))
add(e()/Dot1Q(vlan=10)/Dot1Q(vlan=20)/v4()/TCP(sport=40021, dport=22, flags='S'))
# EtherTypes nothing decodes, spanning tree
add(Ether(src=C, dst=B, type=0x88b5)/Raw(b'local experimental' * 3))
add(Ether(src=C, dst=B, type=0x1234)/Raw(b'q' * 46))
add(Ether(src=C, dst=BC, type=0x88b6)/Raw(b'r' * 46))
add(Dot3(src=C, dst='01:80:c2:00:00:00')/LLC()/STP(bpdutype=0x80), columns=False)
# snap-length cuts: Ethernet only, inside IPv4, inside TCP, after TCP, inside DNS, inside HTTP
add(e()/v4()/TCP(sport=51070, dport=80, flags='PA')/Raw(GET), cap=14)
add(e()/v4()/TCP(sport=51071, dport=80, flags='PA')/Raw(GET), cap=30)
add(e()/v4()/TCP(sport=51072, dport=80, flags='PA')/Raw(GET), cap=40)
add(e()/v4()/TCP(sport=51073, dport=5020, flags='PA')/Raw(b'w' * 1400), cap=54)
add(e()/v4('10.0.0.1', '8.8.8.8')/UDP(sport=33340, dport=53)/DNS(id=11, qd=DNSQR(qname='cut.example.com')), cap=60)
add(e()/v4()/TCP(sport=51074, dport=80, flags='PA')/Raw(GET), cap=70)
add(e()/v6()/IPv6ExtHdrHopByHop()/TCP(sport=40030, dport=80)/Raw(b'd' * 1200), cap=60, columns=False)  # Info names the cut extension header
add(e()/v4()/TCP(sport=51075, dport=443, flags='S', options=[('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1, 0)), ('NOP', None), ('WScale', 7)]), cap=64)
# malformed: the packet's own lengths are wrong
add(bytes(e()/v4()/TCP(sport=51080, dport=5030))[:20])
add(Raw(bytes(e()/v4()/UDP(sport=40040, dport=9996))[:14] + bytes.fromhex('44000014000100004011000000') + b'\x00' * 7))
add(e()/v4()/UDP(sport=40041, dport=9995, len=4)/Raw(b'abcd'))
add(e()/v4()/UDP(sport=40042, dport=9994, len=200)/Raw(b'short'))
add(e()/v4()/TCP(sport=51081, dport=5031, dataofs=4))

# raw IP (LINKTYPE 101), Linux cooked v1 and v2
for p in [v4()/TCP(sport=51090, dport=80, flags='PA')/Raw(GET), v6()/UDP(sport=40050, dport=53)/DNS(id=12, qd=DNSQR(qname='raw.example')),
          v4('10.0.0.254', '10.0.0.1')/ICMP(type=3, code=1)/IP(src='10.0.0.1', dst='10.0.0.99')/UDP(sport=1, dport=2), v6()/ICMPv6EchoRequest()]:
    put('raw', p)
put('raw', v4()/TCP(sport=51091, dport=80, flags='PA')/Raw(b'x' * 1400), cap=40)
for p in [v4()/UDP(sport=40060, dport=9999)/Raw(b'hi'), v4('10.0.0.1', '8.8.8.8')/UDP(sport=40061, dport=53)/DNS(id=13, qd=DNSQR(qname='sll.example')),
          v6()/TCP(sport=40062, dport=443, flags='S')]:
    proto = 0x0800 if p.version == 4 else 0x86dd
    put('sll', struct.pack('!HHH8sH', 4, 1, 6, bytes.fromhex('020000000001') + b'\0\0', proto) + bytes(p))
    put('sll2', struct.pack('!HHIHBB8s', proto, 0, 3, 1, 0, 6, bytes.fromhex('020000000002') + b'\0\0') + bytes(p))
arp = bytes(ARP(op=1, hwsrc=B, psrc='10.0.0.2', pdst='10.0.0.1'))
# (duplicate use of … detected!): Wireshark remembers 10.0.0.2's MAC from the Ethernet corpus' ARP
put('sll', struct.pack('!HHH8sH', 0, 1, 6, bytes.fromhex('020000000002') + b'\0\0', 0x0806) + arp, columns=False)
put('sll2', struct.pack('!HHIHBB8s', 0x0806, 0, 2, 1, 1, 6, bytes.fromhex('020000000002') + b'\0\0') + arp, columns=False)
json.dump(out, sys.stdout)
`;

const KINDS = {
  ethernet: LINKTYPE.ETHERNET,
  raw: LINKTYPE.RAW,
  sll: LINKTYPE.LINUX_SLL,
  sll2: LINKTYPE.LINUX_SLL2,
} as const;
type Kind = keyof typeof KINDS;

interface Packet {
  hex: string;
  wirelen: number;
  columns: boolean;
}

/** One packet of the corpus: its frame number in the capture tshark reads is its index + 1. */
interface Entry {
  kind: Kind;
  linkType: number;
  packet: Packet;
  dissection: Dissection;
}

/** The fields the brief names; every other field ClusterTap knows is compared as well. */
const REQUIRED_FIELDS = [
  'frame.len',
  'eth.src',
  'eth.dst',
  'eth.type',
  'vlan.id',
  'arp.opcode',
  'ip.src',
  'ip.dst',
  'ip.addr',
  'ip.proto',
  'ip.ttl',
  'ip.len',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.addr',
  'ipv6.nxt',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.port',
  'tcp.flags.syn',
  'tcp.flags.ack',
  'tcp.flags.fin',
  'tcp.flags.reset',
  'tcp.flags.push',
  'tcp.seq',
  'tcp.ack',
  'tcp.len',
  'tcp.window_size_value',
  'udp.srcport',
  'udp.dstport',
  'udp.port',
  'udp.length',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'dns.qry.name',
  'dns.flags.response',
  'dns.a',
  'http.request.method',
  'http.request.uri',
  'http.response.code',
  'http.host',
];
const ALL_FIELDS = [...new Set([...REQUIRED_FIELDS, ...PACKET_FIELDS.keys()])];

/** ~50 filters over every protocol and operator; tshark 4.0 wants commas in sets. */
const FILTERS = [
  'tcp',
  'udp',
  'dns',
  'mdns',
  'http',
  'arp',
  'icmp',
  'icmpv6',
  'vlan',
  'ipv6',
  'ip.addr == 10.0.0.1',
  'ip.addr != 10.0.0.1',
  'ip.src == 10.0.0.0/24 && ip.dst == 192.168.0.0/16',
  'ipv6.addr == 2001:db8::/32',
  'ipv6.dst == ff02::1',
  'tcp.port == 80 || tcp.port == 443',
  'tcp.port in {80, 443, 8000..8100}',
  'udp.port == 53 and not icmp',
  'tcp.flags.syn == 1 and tcp.flags.ack == 0',
  'tcp.flags.reset == 1',
  'tcp.flags & 0x12 == 0x12',
  'tcp.flags & 0x03',
  'tcp.len > 0',
  'tcp.seq == 1000',
  'tcp.window_size_value < 1024',
  'udp.length >= 100',
  'frame.len > 1000 or frame.len < 60',
  'ip.ttl < 5',
  'ip.proto == 17 && !dns',
  'eth.dst == ff:ff:ff:ff:ff:ff',
  'eth.addr == 02:00:00:00:00:03',
  'eth.type == 0x86dd',
  'vlan.id == 100',
  'arp.opcode == 2',
  'icmp.type == 3 && icmp.code == 3',
  'icmpv6.type in {128, 129}',
  'dns.qry.name == "example.com"',
  'dns.qry.name contains "example"',
  'dns.flags.response == 1 && dns.a == 93.184.216.34',
  'dns.qry.name matches "^_.*LOCAL$"',
  'http.request.method == "GET"',
  'http.request.uri contains "index"',
  'http.response.code >= 400',
  'http.host == "example.com"',
  'tcp contains "HTTP/1.1"',
  'frame contains 47:45:54:20',
  '!(tcp || udp)',
  'ip and not (tcp or udp or icmp)',
  'tcp.srcport == tcp.dstport or udp.srcport == udp.dstport',
  'ip.len > 576 || ipv6.plen > 576',
  'tcp.port != 80',
  'ip.flags.mf == 1 || ip.frag_offset > 0',
  'icmp.type in {3..5, 11}',
  'ip.dst == 224.0.0.0/4',
  'frame.number in {3..7} && tcp',
];

/** Filters both must reject, with tshark 4.0's message (ours quotes the unknown name, as Wireshark ≥ 4.2 does). */
const INVALID_FILTERS: Array<[string, string]> = [
  ['foo', '"foo" is neither a field nor a protocol name.'],
  ['tcp.port == abc', '"abc" is not a valid number.'],
  ['ip.addr == 10.0.0.300', '"10.0.0.300" is not a valid hostname or IPv4 address.'],
  [
    'tcp.port contains "a"',
    'tcp.port (type=Unsigned integer (2 bytes)) cannot participate in contains comparison.',
  ],
  ['ip.proto == tcp', 'ip.proto and tcp are not of compatible types.'],
  ['tcp.port ==', 'Unexpected end of filter expression.'],
  ['(tcp', 'Unexpected end of filter expression.'],
  ['tcp)', '")" was unexpected in this context.'],
  ['eth.src == 02:00:00', '"02:00:00" contains too few bytes to be a valid Ethernet address.'],
  ['tcp.port == 70000', '"70000" too big for this field, maximum 65535.'],
  ['ip.src == 10.0.0.0/33', 'Netmask bits in a CIDR IPv4 address should be <= 32, not 33'],
  ['http.host == "a', 'The final quote was missing from a quoted string.'],
  ['ip.src == "10.0.0.1"', 'IPv4 address cannot be converted from a string ("10.0.0.1").'],
];

function requireTool(file: string, why: string): void {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${why}`);
}

const dir = tempDir('ct-dissect');
const file = path.join(dir, 'corpus.pcapng');
const entries: Entry[] = [];

function tshark(args: string[]): string {
  return sh(TSHARK, ['-r', file, ...TSHARK_OPTIONS, ...args]);
}

/** tshark -T fields output as rows of columns, frame.number first. */
function tsharkFields(fields: string[], extra: string[] = []): string[][] {
  const args = [...extra, '-T', 'fields', '-E', 'separator=/t', '-E', 'aggregator=,'];
  for (const f of ['frame.number', ...fields]) args.push('-e', f);
  const rows = tshark(args)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
  expect(rows).toHaveLength(entries.length);
  return rows;
}

const where = (number: string | number) => {
  const entry = entries[Number(number) - 1];
  return `#${number} (${entry?.kind})`;
};

/**
 * One pcapng with an interface per link type, so one tshark run reads the whole corpus. Each
 * packet is dissected here straight from the bytes scapy printed.
 */
beforeAll(() => {
  requireTool(PYTHON, 'the corpus is generated with scapy (apt-get install python3-scapy)');
  requireTool(
    TSHARK,
    'field values, columns and filter verdicts are compared with tshark (apt-get install tshark)',
  );
  const traffic = JSON.parse(sh(PYTHON, ['-'], TRAFFIC)) as Record<Kind, Packet[]>;
  const kinds = Object.keys(KINDS) as Kind[];
  const blocks: Buffer[] = [encodeSectionHeader({ application: 'ClusterTap dissector test' })];
  for (const kind of kinds)
    blocks.push(
      encodeInterfaceDescription({ linkType: KINDS[kind], snapLength: 262144, name: kind, tsResolution: 6 }),
    );
  kinds.forEach((kind, interfaceId) => {
    for (const packet of traffic[kind]) {
      const data = Buffer.from(packet.hex, 'hex');
      blocks.push(epb(interfaceId, 0, entries.length * 1000, data, packet.wirelen));
      const linkType = KINDS[kind];
      entries.push({ kind, linkType, packet, dissection: dissectPacket(linkType, data, packet.wirelen) });
    }
  });
  fs.writeFileSync(file, Buffer.concat(blocks));
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Frames where our value of each field differs from tshark's. */
function fieldMismatches(fields: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const row of tsharkFields(fields)) {
    const d = (entries[Number(row[0]) - 1] as Entry).dissection;
    fields.forEach((f, i) => {
      const theirs = row[i + 1] ?? '';
      const ours = d.fields.display(f).join(',');
      if (ours === theirs) return;
      out[f] = [...(out[f] ?? []), `${where(row[0] as string)}: tshark "${theirs}", ours "${ours}"`];
    });
  }
  return out;
}

describe('dissection equals tshark', () => {
  it('has a varied corpus: four link types, truncated and malformed packets', () => {
    for (const kind of Object.keys(KINDS))
      expect(entries.filter((e) => e.kind === kind).length, kind).toBeGreaterThanOrEqual(4);
    expect(entries.length).toBeGreaterThanOrEqual(110);
    expect(entries.filter((e) => e.packet.hex.length / 2 < e.packet.wirelen).length).toBeGreaterThanOrEqual(
      8,
    );
    const lines = (pattern: RegExp) =>
      entries.filter((e) => e.dissection.tree.some((n) => pattern.test(n.label))).length;
    expect(lines(/^\[Packet size limited during capture/)).toBeGreaterThanOrEqual(7);
    expect(lines(/^\[Malformed Packet/)).toBeGreaterThanOrEqual(5);
  });

  it('every field ClusterTap knows has tshark’s values in every packet', () => {
    expect(fieldMismatches(ALL_FIELDS)).toEqual({});
  });

  it('each field the brief names has a value in some packet, so agreeing means something', () => {
    const empty = REQUIRED_FIELDS.filter((f) =>
      entries.every((e) => e.dissection.fields.display(f).length === 0),
    );
    expect(empty).toEqual([]);
  });

  it('Protocol, Source, Destination and Info columns equal tshark’s', () => {
    const differences: string[] = [];
    let compared = 0;
    for (const [number, protocol, source, destination, info] of tsharkFields([
      '_ws.col.Protocol',
      '_ws.col.Source',
      '_ws.col.Destination',
      '_ws.col.Info',
    ])) {
      const entry = entries[Number(number) - 1] as Entry;
      if (!entry.packet.columns) continue;
      compared++;
      const theirs = { protocol, source, destination, info };
      const { protocol: p, source: s, destination: d, info: i } = entry.dissection.summary;
      const ours = { protocol: p, source: s, destination: d, info: i };
      if (JSON.stringify(ours) !== JSON.stringify(theirs))
        differences.push(
          `${where(number as string)}: tshark ${JSON.stringify(theirs)}, ours ${JSON.stringify(ours)}`,
        );
    }
    expect(compared).toBeGreaterThanOrEqual(90);
    expect(differences).toEqual([]);
  });

  it('the fast summary path gives the same columns and colour as the full dissection', () => {
    for (const { linkType, packet, dissection } of entries) {
      const row = summarizePacket(linkType, Buffer.from(packet.hex, 'hex'), packet.wirelen);
      expect(row).toEqual({ ...dissection.summary, colour: dissection.colour });
    }
  });

  it('the colouring rule equals tshark --color’s for every packet', () => {
    const differences: string[] = [];
    for (const [number, rule = ''] of tsharkFields(['frame.coloring_rule.name'], ['--color'])) {
      const ours = entries[Number(number) - 1]?.dissection.colour ?? '';
      if (ours !== rule) differences.push(`${where(number as string)}: tshark "${rule}", ours "${ours}"`);
    }
    expect(differences).toEqual([]);
    const used = new Set(entries.map((e) => e.dissection.colour));
    expect(used.size).toBeGreaterThanOrEqual(14);
  });

  it('the colour table is Wireshark’s colorfilters file', () => {
    const colorfilters = '/usr/share/wireshark/colorfilters';
    requireTool(colorfilters, 'installed with tshark');
    const rules = fs
      .readFileSync(colorfilters, 'utf8')
      .split('\n')
      .map((line) => /^@(.*?)@(.*)@\[(\d+),(\d+),(\d+)\]\[(\d+),(\d+),(\d+)\]/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => {
        const css = (values: string[]) =>
          `#${values.map((v) => (Number(v) >> 8).toString(16).padStart(2, '0')).join('')}`;
        return { name: m[1], filter: m[2], background: css(m.slice(3, 6)), foreground: css(m.slice(6, 9)) };
      });
    expect(
      COLOURING_RULES.map(({ name, filter, background, foreground }) => ({
        name,
        filter,
        background,
        foreground,
      })),
    ).toEqual(rules);
  });
});

describe('display-filter verdicts equal tshark -Y', () => {
  it.each(FILTERS)('%s', (text) => {
    const compiled = compileDisplayFilter(text);
    if (!compiled.ok) throw new Error(`${text}: ${compiled.error}`);
    const theirs = tshark(['-Y', text, '-T', 'fields', '-e', 'frame.number'])
      .split('\n')
      .filter(Boolean)
      .map(Number);
    const ours = entries
      .map((e, i) => (compiled.filter(e.dissection, { frameNumber: i + 1 }) ? i + 1 : 0))
      .filter((n) => n > 0);
    expect(ours).toEqual(theirs);
    expect(
      ours.length,
      'the filter selects some packets but not all, so agreeing means something',
    ).toBeGreaterThan(0);
    expect(ours.length).toBeLessThan(entries.length);
  });

  it.each(INVALID_FILTERS)('rejects %s as tshark does', (text, message) => {
    let tsharkError = '';
    try {
      execFileSync(TSHARK, ['-r', file, '-Y', text], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      tsharkError = String((error as { stderr?: Buffer }).stderr ?? '');
    }
    const first = /tshark: (.*)/.exec(tsharkError)?.[1]?.trim() ?? '';
    // tshark 4.0 leaves the unknown name unquoted; later Wireshark quotes it, as we do.
    expect(first.replace(/^(\S+) is neither/, '"$1" is neither')).toBe(message);
    const compiled = compileDisplayFilter(text);
    expect(compiled.ok ? 'compiled' : compiled.error).toBe(message);
  });
});
