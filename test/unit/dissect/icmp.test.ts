import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../main/capture/linktype.js';
import { dissectPacket, summarizePacket } from '../../../main/dissect/dissect.js';
import {
  ICMP_ECHO,
  ICMP_PORT_UNREACHABLE,
  ICMPV6_ECHO,
  ICMPV6_NEIGHBOR_SOLICITATION,
} from '../../fixtures/dissect/frames.js';
import { concat, hex } from '../../fixtures/hex.js';
import { nodeFor } from './support.js';

describe('ICMP', () => {
  it('an echo request: the type padded to 20 characters, ids in both byte orders, the TTL', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, ICMP_ECHO, ICMP_ECHO.length);
    expect(d.summary).toMatchObject({
      protocol: 'ICMP',
      info: 'Echo (ping) request  id=0x1234, seq=1/256, ttl=64',
    });
    expect(nodeFor(d.tree, 'icmp').children?.map((c) => c.label)).toEqual([
      'Type: 8 (Echo (ping) request)',
      'Code: 0',
      'Checksum: 0x5435 [unverified]',
      'Identifier (BE): 4660 (0x1234)',
      'Identifier (LE): 13330 (0x3412)',
      'Sequence Number (BE): 1 (0x0001)',
      'Sequence Number (LE): 256 (0x0100)',
      'Data (8 bytes)',
    ]);
    expect(d.fields.get('icmp.ident')).toEqual([0x1234]);
    expect(d.fields.get('icmp.seq_le')).toEqual([256]);
    expect(d.colour).toBe('ICMP');
  });

  it('an error names type and code, and quotes the offending packet under ICMP', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, ICMP_PORT_UNREACHABLE, ICMP_PORT_UNREACHABLE.length);
    expect(d.summary).toEqual({
      protocol: 'ICMP',
      info: 'Destination unreachable (Port unreachable)',
      source: '10.0.0.254',
      destination: '10.0.0.1',
    });
    const icmp = nodeFor(d.tree, 'icmp');
    expect(icmp.children?.slice(-2).map((c) => c.label)).toEqual([
      'Internet Protocol Version 4, Src: 10.0.0.1, Dst: 10.0.0.9',
      'User Datagram Protocol, Src Port: 33333, Dst Port: 53',
    ]);
    // Like Wireshark, the quoted headers' fields are the packet's fields too.
    expect(d.fields.display('ip.src')).toEqual(['10.0.0.254', '10.0.0.1']);
    expect(d.fields.get('udp.dstport')).toEqual([53]);
    expect(d.fields.has('udp')).toBe(true);
    expect(d.fields.has('dns')).toBe(false);
    expect(d.colour).toBe('ICMP errors');
  });

  it('a quote cut short is not a problem of the packet', () => {
    const cut = ICMP_PORT_UNREACHABLE.slice(0, ICMP_PORT_UNREACHABLE.length - 4);
    const d = dissectPacket(LINKTYPE.ETHERNET, cut, cut.length);
    expect(d.fields.get('udp.srcport')).toEqual([33333]);
    expect(d.fields.get('udp.length')).toEqual([]);
    expect(d.summary.info).toBe('Destination unreachable (Port unreachable)');
  });

  it('time exceeded and unknown codes', () => {
    const header = hex(
      '02 00 00 00 00 02 02 00 00 00 00 01 08 00 45 00 00 1c 00 01 00 00 40 01 00 00 0a 00 00 fe 0a 00 00 01',
    );
    const exceeded = concat(header, hex('0b 00 00 00 00 00 00 00'));
    expect(summarizePacket(LINKTYPE.ETHERNET, exceeded, exceeded.length).info).toBe(
      'Time-to-live exceeded (Time to live exceeded in transit)',
    );
    const oddCode = concat(header, hex('03 63 00 00 00 00 00 00'));
    expect(summarizePacket(LINKTYPE.ETHERNET, oddCode, oddCode.length).info).toBe(
      'Destination unreachable (Unknown code: 99)',
    );
  });
});

describe('ICMPv6', () => {
  it('an echo request with the hop limit', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, ICMPV6_ECHO, ICMPV6_ECHO.length);
    expect(d.summary.info).toBe('Echo (ping) request id=0x0005, seq=1, hop limit=64');
    expect(nodeFor(d.tree, 'icmpv6.type').label).toBe('Type: Echo (ping) request (128)');
    expect(d.fields.display('icmpv6.echo.identifier')).toEqual(['0x0005']);
  });

  it('neighbour solicitation names the target and the source link-layer address option', () => {
    const d = dissectPacket(
      LINKTYPE.ETHERNET,
      ICMPV6_NEIGHBOR_SOLICITATION,
      ICMPV6_NEIGHBOR_SOLICITATION.length,
    );
    expect(d.summary.info).toBe('Neighbor Solicitation for 2001:db8::2 from 02:00:00:00:00:01');
    expect(d.fields.display('icmpv6.nd.ns.target_address')).toEqual(['2001:db8::2']);
    expect(d.colour).toBe('ICMP');
  });
});
