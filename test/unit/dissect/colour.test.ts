import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../main/capture/linktype.js';
import { COLOURING_RULE_BY_NAME, COLOURING_RULES } from '../../../main/dissect/colour.js';
import { summarizePacket } from '../../../main/dissect/dissect.js';
import {
  ARP_REQUEST,
  HTTP_GET,
  ICMP_PORT_UNREACHABLE,
  ICMPV6_ECHO,
  IPV6_HOP_BY_HOP_TCP,
  MDNS_QUERY,
  TCP_SYN,
  VLAN_UDP,
} from '../../fixtures/dissect/frames.js';
import { concat, hex } from '../../fixtures/hex.js';

const UNICAST = '02 00 00 00 00 02 02 00 00 00 00 01';
const colour = (frame: Uint8Array) => summarizePacket(LINKTYPE.ETHERNET, frame, frame.length).colour;

/** Ethernet + IPv4 with the given TTL, protocol and destination, then `payload`. */
function ipv4(
  ttl: number,
  protocol: number,
  destination: string,
  payload: string,
  ethDst = '02 00 00 00 00 02',
): Uint8Array {
  const body = hex(payload);
  const total = 20 + body.length;
  return concat(
    hex(`${ethDst} 02 00 00 00 00 01 08 00`),
    hex(
      `45 00 ${(total >> 8).toString(16).padStart(2, '0')} ${(total & 0xff).toString(16).padStart(2, '0')}` +
        ` 00 01 00 00 ${ttl.toString(16).padStart(2, '0')} ${protocol.toString(16).padStart(2, '0')} 00 00` +
        ` 0a 00 00 01 ${destination}`,
    ),
    body,
  );
}

const UDP_HI = '9c 40 27 0f 00 0a 00 00 68 69'; // 40000 → 9999, "hi"

describe('colouring rules', () => {
  it('are Wireshark’s twenty default rules, in order, with its colours', () => {
    expect(COLOURING_RULES.map((r) => r.name)).toEqual([
      'Bad TCP',
      'HSRP State Change',
      'Spanning Tree Topology  Change',
      'OSPF State Change',
      'ICMP errors',
      'ARP',
      'ICMP',
      'TCP RST',
      'SCTP ABORT',
      'TTL low or unexpected',
      'Checksum Errors',
      'SMB',
      'HTTP',
      'DCERPC',
      'Routing',
      'TCP SYN/FIN',
      'TCP',
      'UDP',
      'Broadcast',
      'System Event',
    ]);
    expect(COLOURING_RULE_BY_NAME.get('TCP')).toMatchObject({ background: '#e7e6ff', foreground: '#12272e' });
    expect(COLOURING_RULE_BY_NAME.get('Bad TCP')).toMatchObject({
      background: '#12272e',
      foreground: '#f78787',
      decided: 'never',
    });
    for (const rule of COLOURING_RULES) {
      expect(rule.background).toMatch(/^#[0-9a-f]{6}$/);
      expect(rule.foreground).toMatch(/^#[0-9a-f]{6}$/);
    }
  });

  it('common packets', () => {
    expect(colour(TCP_SYN)).toBe('TCP SYN/FIN');
    expect(colour(HTTP_GET)).toBe('HTTP');
    expect(colour(ARP_REQUEST)).toBe('ARP');
    expect(colour(ICMPV6_ECHO)).toBe('ICMP');
    expect(colour(ICMP_PORT_UNREACHABLE)).toBe('ICMP errors');
    expect(colour(MDNS_QUERY)).toBe('UDP');
    expect(colour(VLAN_UDP)).toBe('UDP');
  });

  it('TCP port 80 is HTTP before it is a SYN', () => {
    expect(colour(IPV6_HOP_BY_HOP_TCP)).toBe('HTTP');
  });

  it('a reset is TCP RST', () => {
    expect(
      colour(ipv4(64, 6, '0a 00 00 02', '9c 40 1f 90 00 00 00 01 00 00 00 00 50 04 00 00 00 00 00 00')),
    ).toBe('TCP RST');
  });

  it('TTL low or unexpected: TTL under 5 to a unicast address, or local multicast with TTL other than 1', () => {
    expect(colour(ipv4(4, 17, '0a 00 00 02', UDP_HI))).toBe('TTL low or unexpected');
    expect(colour(ipv4(5, 17, '0a 00 00 02', UDP_HI))).toBe('UDP');
    expect(colour(ipv4(2, 17, 'e0 00 00 05', UDP_HI))).toBe('TTL low or unexpected');
    expect(colour(ipv4(1, 17, 'e0 00 00 05', UDP_HI))).toBe('UDP');
    expect(colour(ipv4(2, 17, 'e0 00 00 fb', UDP_HI))).toBe('UDP'); // 224.0.0.251 (mDNS) is exempt
    expect(colour(ipv4(2, 17, 'ef 01 01 01', UDP_HI))).toBe('UDP'); // not local multicast
    expect(colour(ipv4(2, 89, '0a 00 00 02', '02 01 00 2c'))).toBe('Routing'); // OSPF is exempt
  });

  it('routing protocols, and their state changes', () => {
    expect(colour(ipv4(1, 2, 'e0 00 00 16', '22 00 00 00 00 00 00 00'))).toBe('Routing'); // IGMP
    expect(colour(ipv4(1, 89, 'e0 00 00 05', '02 01 00 2c'))).toBe('Routing'); // OSPF hello
    expect(colour(ipv4(1, 89, 'e0 00 00 05', '02 04 00 2c'))).toBe('OSPF State Change'); // OSPF LS update
    const hsrp = (state: string) =>
      `07 c1 07 c1 00 1c 00 00 00 00 ${state} 03 0a 64 01 00 63 69 73 63 6f 00 00 00 0a 00 00 fe`;
    expect(colour(ipv4(1, 17, 'e0 00 00 02', hsrp('10')))).toBe('Routing'); // active
    expect(colour(ipv4(1, 17, 'e0 00 00 02', hsrp('04')))).toBe('HSRP State Change'); // listen
    expect(
      colour(ipv4(64, 6, '0a 00 00 02', '9c 40 00 b3 00 00 00 01 00 00 00 01 50 18 10 00 00 00 00 00 ff ff')),
    ).toBe('Routing'); // BGP
  });

  it('spanning-tree topology change, SCTP abort, SMB', () => {
    const tcn = hex(
      '01 80 c2 00 00 00 02 00 00 00 00 01 00 07' + // 802.3 to the STP address, length 7
        '42 42 03' + // LLC: STP SAPs, UI
        '00 00 00 80' + // protocol 0, version 0, BPDU type 0x80 (topology change notification)
        '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
    );
    expect(colour(tcn.slice(0, 60))).toBe('Spanning Tree Topology  Change');
    const sctp = (chunk: string) =>
      ipv4(64, 132, '0a 00 00 02', `0f 1c 0f 1c 00 00 00 00 00 00 00 00 ${chunk} 00 04`);
    expect(colour(sctp('06 00'))).toBe('SCTP ABORT');
    expect(colour(sctp('01 00'))).toBeNull();
    expect(
      colour(
        ipv4(64, 6, '0a 00 00 02', '9c 40 01 bd 00 00 00 01 00 00 00 01 50 18 10 00 00 00 00 00 00 00 00 2f'),
      ),
    ).toBe('SMB');
    expect(
      colour(ipv4(64, 6, '0a 00 00 02', '9c 40 01 bd 00 00 00 01 00 00 00 00 50 02 10 00 00 00 00 00')),
    ).toBe('TCP SYN/FIN');
  });

  it('broadcast and multicast frames nothing else colours are Broadcast; the rest get none', () => {
    const other = (dst: string) => hex(`${dst} 02 00 00 00 00 01 88 b5 ${'00 '.repeat(46)}`);
    expect(colour(other('ff ff ff ff ff ff'))).toBe('Broadcast');
    expect(colour(other('01 00 5e 00 00 01'))).toBe('Broadcast');
    expect(colour(other('02 00 00 00 00 02'))).toBeNull();
    expect(colour(hex(`${UNICAST} 88 b5`))).toBeNull();
  });
});
