import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../main/capture/linktype.js';
import { dissectPacket, summarizePacket } from '../../../main/dissect/dissect.js';
import { ICMPV6_ECHO, IPV6_HOP_BY_HOP_TCP, TCP_SYN } from '../../fixtures/dissect/frames.js';
import { concat, hex } from '../../fixtures/hex.js';
import { highlighted, nodeFor } from './support.js';

const ETH_IPV4 = hex('02 00 00 00 00 02 02 00 00 00 00 01 08 00');
const ETH_IPV6 = hex('02 00 00 00 00 02 02 00 00 00 00 01 86 dd');
const ADDRESSES = '0a 00 00 01 0a 00 00 02'; // 10.0.0.1 → 10.0.0.2

describe('IPv4', () => {
  const d = dissectPacket(LINKTYPE.ETHERNET, TCP_SYN, TCP_SYN.length);

  it('lists the header fields as Wireshark does, each over its own bytes', () => {
    const ip = nodeFor(d.tree, 'ip');
    expect(ip).toMatchObject({
      label: 'Internet Protocol Version 4, Src: 10.0.0.1, Dst: 10.0.0.2',
      offset: 14,
      length: 20,
    });
    expect(ip.children?.map((c) => c.label)).toEqual([
      '0100 .... = Version: 4',
      '.... 0101 = Header Length: 20 bytes (5)',
      'Differentiated Services Field: 0x00 (DSCP: CS0, ECN: Not-ECT)',
      'Total Length: 60',
      'Identification: 0x0001 (1)',
      "010. .... = Flags: 0x2, Don't fragment",
      '...0 0000 0000 0000 = Fragment Offset: 0',
      'Time to Live: 64',
      'Protocol: TCP (6)',
      'Header Checksum: 0x26b9 [validation disabled]',
      'Source Address: 10.0.0.1',
      'Destination Address: 10.0.0.2',
    ]);
    expect(highlighted(TCP_SYN, nodeFor(d.tree, 'ip.src'))).toBe('0a000001');
  });

  it('gives fields in Wireshark’s representation', () => {
    expect(d.fields.display('ip.addr')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(d.fields.display('ip.flags')).toEqual(['0x02']);
    expect(d.fields.get('ip.flags.df')).toEqual([true]);
    expect(d.fields.display('ip.id')).toEqual(['0x0001']);
    expect(d.fields.get('ip.ttl')).toEqual([64]);
    expect(d.fields.get('ip.len')).toEqual([60]);
    expect(d.fields.get('ip.src')).toEqual([0x0a000001]);
    expect(d.fields.has('ip')).toBe(true);
    expect(d.fields.has('ipv6')).toBe(false);
  });

  it('a later fragment is not decoded above IP: "Fragmented IP protocol"', () => {
    const fragment = concat(
      ETH_IPV4,
      hex(
        '45 00 00 1c' + // IHL 5, total length 28
          '00 4d 00 0a' + // identification 0x004d; offset 10 × 8 = 80 bytes
          '40 11 00 00' + // TTL 64, UDP
          ADDRESSES,
      ),
      hex('78 78 78 78 78 78 78 78'), // 8 bytes of the middle of a datagram
    );
    const row = summarizePacket(LINKTYPE.ETHERNET, fragment, fragment.length);
    expect(row).toMatchObject({
      protocol: 'IPv4',
      info: 'Fragmented IP protocol (proto=UDP 17, off=80, ID=004d)',
    });
    const d2 = dissectPacket(LINKTYPE.ETHERNET, fragment, fragment.length);
    expect(d2.fields.has('udp')).toBe(false);
    expect(d2.fields.get('ip.frag_offset')).toEqual([10]);
  });

  it('a protocol it does not decode is named', () => {
    const gre = concat(
      ETH_IPV4,
      hex('45 00 00 18 00 01 00 00 40 2f 00 00'),
      hex(ADDRESSES),
      hex('00 00 08 00'),
    );
    expect(summarizePacket(LINKTYPE.ETHERNET, gre, gre.length)).toMatchObject({
      protocol: 'GRE',
      info: 'GRE (47)',
    });
    const other = concat(
      ETH_IPV4,
      hex('45 00 00 18 00 01 00 00 40 fd 00 00'),
      hex(ADDRESSES),
      hex('00 00 08 00'),
    );
    expect(summarizePacket(LINKTYPE.ETHERNET, other, other.length)).toMatchObject({
      protocol: 'IPv4',
      info: 'Unknown (253)',
    });
  });

  it('a bogus header length or total length is malformed, and stops after the bad field', () => {
    const shortIhl = concat(ETH_IPV4, hex(`44 00 00 14 00 01 00 00 40 06 00 00 ${ADDRESSES}`));
    const d1 = dissectPacket(LINKTYPE.ETHERNET, shortIhl, shortIhl.length);
    expect(d1.tree.at(-1)?.label).toBe('[Malformed Packet: IPv4]');
    expect(d1.tree.at(-1)?.children?.[0]?.label).toBe('Bogus IP header length (16, must be at least 20)');
    expect(d1.fields.get('ip.src')).toEqual([]);
    const shortTotal = concat(ETH_IPV4, hex(`45 00 00 0a 00 01 00 00 40 06 00 00 ${ADDRESSES}`));
    const d2 = dissectPacket(LINKTYPE.ETHERNET, shortTotal, shortTotal.length);
    expect(d2.tree.at(-1)?.children?.[0]?.label).toBe('Bogus IP length (10, less than header length 20)');
    expect(d2.fields.get('ip.len')).toEqual([10]);
    expect(d2.fields.get('ip.ttl')).toEqual([]);
    // Wireshark says what is wrong in Info itself, without "[Malformed Packet]".
    expect(d2.summary.info).toBe('Bogus IP length (10, less than header length 20)');
  });

  it('a total length of 0 (segmentation offload) takes the frame’s length', () => {
    const tso = concat(
      ETH_IPV4,
      hex(`45 00 00 00 00 01 40 00 40 11 00 00 ${ADDRESSES}`),
      hex('9c 40 27 0f 00 0a 00 00 68 69'),
    );
    const row = summarizePacket(LINKTYPE.ETHERNET, tso, tso.length);
    expect(row).toMatchObject({ protocol: 'UDP', info: '40000 → 9999 Len=2' });
  });
});

describe('IPv6', () => {
  it('lists the fixed header, with Wireshark’s traffic-class and flow-label pictures', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, ICMPV6_ECHO, ICMPV6_ECHO.length);
    const ip = nodeFor(d.tree, 'ipv6');
    expect(ip).toMatchObject({
      label: 'Internet Protocol Version 6, Src: 2001:db8::1, Dst: 2001:db8::2',
      offset: 14,
      length: 40,
    });
    expect(ip.children?.map((c) => c.label)).toEqual([
      '0110 .... = Version: 6',
      '.... 0000 0000 .... .... .... .... .... = Traffic Class: 0x00 (DSCP: CS0, ECN: Not-ECT)',
      '.... 0000 0000 0000 0000 0000 = Flow Label: 0x00000',
      'Payload Length: 12',
      'Next Header: ICMPv6 (58)',
      'Hop Limit: 64',
      'Source Address: 2001:db8::1',
      'Destination Address: 2001:db8::2',
    ]);
    expect(d.fields.display('ipv6.addr')).toEqual(['2001:db8::1', '2001:db8::2']);
    expect(d.fields.get('ipv6.nxt')).toEqual([58]);
    expect(d.fields.get('ip.version')).toEqual([6]);
  });

  it('walks extension headers to the upper layer; ipv6.nxt stays the first next header', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, IPV6_HOP_BY_HOP_TCP, IPV6_HOP_BY_HOP_TCP.length);
    expect(nodeFor(d.tree, 'ipv6').children?.at(-1)).toMatchObject({
      label: 'IPv6 Hop-by-Hop Option',
      offset: 54,
      length: 8,
    });
    expect(d.fields.get('ipv6.nxt')).toEqual([0]);
    expect(d.fields.get('tcp.dstport')).toEqual([80]);
    expect(d.summary.info).toBe('40000 → 80 [SYN] Seq=7 Win=1024 Len=0');
  });

  it('no next header, and a later fragment', () => {
    const none = concat(ETH_IPV6, hex(`60 00 00 00 00 00 3b 40 ${'00 '.repeat(32)}`));
    expect(summarizePacket(LINKTYPE.ETHERNET, none, none.length)).toMatchObject({
      protocol: 'IPv6',
      info: 'IPv6 no next header',
    });
    const fragment = concat(
      ETH_IPV6,
      hex(`60 00 00 00 00 10 2c 40 ${'00 '.repeat(32)}`), // payload 16, next header Fragment
      hex('11 00 00 49 00 00 00 09'), // next UDP; offset 9 × 8 = 72, M=1; ident 9
      hex('67 67 67 67 67 67 67 67'),
    );
    expect(summarizePacket(LINKTYPE.ETHERNET, fragment, fragment.length).info).toBe(
      'IPv6 fragment (off=72 more=y ident=0x00000009 nxt=17)',
    );
  });

  it('a wrong version nibble is malformed', () => {
    const wrong = concat(ETH_IPV6, hex(`45 00 00 00 00 00 3b 40 ${'00 '.repeat(32)}`));
    const d = dissectPacket(LINKTYPE.ETHERNET, wrong, wrong.length);
    expect(d.tree.at(-1)?.children?.[0]?.label).toBe('Bogus IPv6 version (4, must be 6)');
  });
});
