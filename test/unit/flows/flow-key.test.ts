import { describe, expect, it } from 'vitest';
import { FlowPacketParser } from '../../../main/broker/flows/flow-key.js';
import { concat, hex } from '../../fixtures/hex.js';
import { buildFrame } from './support/frames.js';

const ETHERNET_IPV4 =
  '02 00 00 00 00 02' + // destination MAC
  '02 00 00 00 00 01' + // source MAC
  '08 00'; // ethertype IPv4

/** 54 bytes: Ethernet / IPv4 / TCP SYN 10.0.0.1:40000 → 10.0.0.2:80. */
const TCP_SYN = hex(
  ETHERNET_IPV4 +
    '45 b8 00 28' + // version 4, IHL 5; TOS 0xb8; total length 40
    '00 01 40 00' + // identification 1; DF, offset 0
    '40 06 00 00' + // TTL 64; protocol 6 TCP; checksum (not checked)
    '0a 00 00 01' + // source 10.0.0.1
    '0a 00 00 02' + // destination 10.0.0.2
    '9c 40 00 50' + // source port 40000, destination port 80
    '00 00 03 e8 00 00 00 00' + // sequence 1000, acknowledgement 0
    '50 02 20 00' + // data offset 5; flags SYN; window 8192
    '00 00 00 00', // checksum, urgent pointer
);

const parser = new FlowPacketParser();
const parse = (linkType: number, frame: Uint8Array, originalLength = frame.length) =>
  parser.parse(linkType, frame, originalLength);

describe('FlowPacketParser', () => {
  it('keys a TCP packet on addresses, protocol and ports, and counts the frame minus Ethernet', () => {
    const result = parse(1, TCP_SYN);
    expect(result).toMatchObject({
      ok: true,
      ipVersion: 4,
      protocol: 6,
      srcPort: 40000,
      dstPort: 80,
      vlan: 0,
      tcpFlags: 0x02,
      tos: 0xb8,
      octets: 40,
    });
    if (!result.ok) throw new Error('unreachable');
    expect([...result.src]).toEqual([10, 0, 0, 1]);
    expect([...result.dst]).toEqual([10, 0, 0, 2]);
  });

  it('counts Ethernet padding as softflowd does (frame length − 14, not the IP total length)', () => {
    const padded = concat(TCP_SYN, hex('00 00 00 00 00 00')); // padded to the 60-byte minimum
    expect(parse(1, padded)).toMatchObject({ ok: true, octets: 46 });
  });

  it('takes the outermost VLAN ID of an 802.1Q or QinQ frame, and does not count the tags', () => {
    const tagged = hex(
      '02 00 00 00 00 02 02 00 00 00 00 01' + // MACs
        '81 00 20 64' + // 802.1Q: PCP 1, VID 100
        '08 00', // IPv4
    );
    const qinq = hex(
      '02 00 00 00 00 02 02 00 00 00 00 01' + // MACs
        '88 a8 00 c8' + // 802.1ad: VID 200
        '81 00 00 64' + // 802.1Q: VID 100
        '08 00', // IPv4
    );
    const ip = TCP_SYN.subarray(14);
    expect(parse(1, concat(tagged, ip))).toMatchObject({ ok: true, vlan: 100, octets: 40, srcPort: 40000 });
    expect(parse(1, concat(qinq, ip))).toMatchObject({ ok: true, vlan: 200, octets: 40, srcPort: 40000 });
  });

  it('reads raw IP (link type 101), IPv6 included, with the traffic class as TOS', () => {
    const udp6 = hex(
      '62 a0 00 00' + // version 6, traffic class 0x2a, flow label 0
        '00 0c 11 40' + // payload length 12; next header 17 UDP; hop limit 64
        'fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01' + // source fd00::1
        'fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02' + // destination fd00::2
        '13 88 13 89 00 0c 00 00' + // UDP 5000 → 5001, length 12
        'de ad be ef', // payload
    );
    expect(parse(101, udp6)).toMatchObject({
      ok: true,
      ipVersion: 6,
      protocol: 17,
      srcPort: 5000,
      dstPort: 5001,
      tos: 0x2a,
      octets: 52,
    });
  });

  it('puts ICMP and ICMPv6 type × 256 + code in the destination port, 0 in the source (softflowd, Cisco)', () => {
    const unreachable = buildFrame({
      ipVersion: 4,
      src: '10.0.0.4',
      dst: '10.0.0.1',
      protocol: 'icmp',
      icmpTypeCode: 0x0303,
    });
    const echo6 = buildFrame({
      ipVersion: 6,
      src: 'fd00::1',
      dst: 'fd00::2',
      protocol: 'icmp',
      icmpTypeCode: 0x8000,
    });
    expect(parse(1, unreachable)).toMatchObject({ ok: true, protocol: 1, srcPort: 0, dstPort: 0x0303 });
    expect(parse(1, echo6)).toMatchObject({ ok: true, protocol: 58, srcPort: 0, dstPort: 0x8000 });
  });

  it('keys a sliced frame from the bytes captured and counts its original length', () => {
    const full = buildFrame({
      ipVersion: 4,
      src: '10.0.0.1',
      dst: '10.0.0.2',
      protocol: 'tcp',
      srcPort: 1,
      dstPort: 2,
      payload: 1460,
    });
    expect(full.length).toBe(1514);
    expect(parse(1, full.subarray(0, 54), 1514)).toMatchObject({
      ok: true,
      srcPort: 1,
      dstPort: 2,
      octets: 1500,
    });
    // Again: the scratch buffer is reused.
    expect(parse(1, full.subarray(0, 54), 1514)).toMatchObject({ ok: true, srcPort: 1, dstPort: 2 });
  });

  it('counts a runt transport header with ports 0 (softflowd), and an IP header cut short as malformed', () => {
    expect(parse(1, TCP_SYN.subarray(0, 44), 54)).toMatchObject({
      ok: true,
      srcPort: 0,
      dstPort: 0,
      tcpFlags: 0,
    });
    expect(parse(1, TCP_SYN.subarray(0, 30), 54)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('keys IPv4 fragments after the first without ports; the first keeps them', () => {
    const fragment = (field: string) => {
      const frame = Buffer.from(TCP_SYN);
      frame.write(field.replace(/ /g, ''), 14 + 6, 'hex');
      return frame;
    };
    expect(parse(1, fragment('20 00'))).toMatchObject({ ok: true, srcPort: 40000, dstPort: 80 }); // MF, offset 0
    expect(parse(1, fragment('00 b9'))).toMatchObject({ ok: true, srcPort: 0, dstPort: 0, protocol: 6 }); // offset 185
  });

  it('keys every IPv6 fragment without ports (the decoder does not say which one is first)', () => {
    const fragmented = hex(
      '60 00 00 00 00 18 2c 40' + // version 6; payload length 24; next header 44 fragment; hop limit 64
        'fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01' + // source fd00::1
        'fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02' + // destination fd00::2
        '11 00 00 01 00 00 00 07' + // fragment: next 17 UDP, offset 0, M set; identification 7
        '13 88 13 89 00 10 00 00' + // UDP 5000 → 5001
        '00 00 00 00 00 00 00 00', // payload
    );
    expect(parse(101, fragmented)).toMatchObject({ ok: true, protocol: 17, srcPort: 0, dstPort: 0 });
  });

  it('calls ARP, unknown link types and non-IP raw packets not IP, and a cut Ethernet header malformed', () => {
    const arp = hex(`02 00 00 00 00 02 02 00 00 00 00 01 08 06 ${'00 '.repeat(28)}`);
    expect(parse(1, arp)).toEqual({ ok: false, reason: 'not-ip' });
    expect(parse(147, TCP_SYN)).toEqual({ ok: false, reason: 'not-ip' });
    expect(parse(1, TCP_SYN.subarray(0, 10))).toEqual({ ok: false, reason: 'malformed' });
    expect(parse(101, hex('00 01 02 03'))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('reads Linux cooked captures (SLL, link type 113)', () => {
    const sll = hex(
      '00 00' + // packet type: to us
        '00 01 00 06' + // ARPHRD_ETHER; address length 6
        '02 00 00 00 00 01 00 00' + // address, padded to 8
        '08 00', // protocol IPv4
    );
    expect(parse(113, concat(sll, TCP_SYN.subarray(14)))).toMatchObject({
      ok: true,
      srcPort: 40000,
      octets: 40,
    });
  });
});
