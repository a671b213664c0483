import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../main/capture/linktype.js';
import { dissectPacket, summarizePacket } from '../../../main/dissect/dissect.js';
import { ARP_REQUEST } from '../../fixtures/dissect/frames.js';
import { concat, hex } from '../../fixtures/hex.js';
import { highlighted, nodeFor } from './support.js';

const ETH_BROADCAST = hex('ff ff ff ff ff ff 02 00 00 00 00 01 08 06');

/** An Ethernet/IPv4 ARP body: opcode, sender MAC/IP, target MAC/IP. */
function arp(opcode: string, sha: string, spa: string, tha: string, tpa: string): Uint8Array {
  return concat(
    ETH_BROADCAST,
    hex(
      '00 01 08 00 06 04' + // Ethernet, IPv4, sizes 6 and 4
        opcode +
        sha +
        spa +
        tha +
        tpa,
    ),
  );
}

const row = (frame: Uint8Array) => summarizePacket(LINKTYPE.ETHERNET, frame, frame.length);

describe('ARP', () => {
  it('a request: "Who has 10.0.0.1? Tell 10.0.0.2", MAC columns, fields', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, ARP_REQUEST, ARP_REQUEST.length);
    expect(d.summary).toEqual({
      protocol: 'ARP',
      info: 'Who has 10.0.0.1? Tell 10.0.0.2',
      source: '02:00:00:00:00:01',
      destination: 'ff:ff:ff:ff:ff:ff',
    });
    expect(d.tree[2]).toMatchObject({
      label: 'Address Resolution Protocol (request)',
      offset: 14,
      length: 28,
    });
    expect(nodeFor(d.tree, 'arp.opcode').label).toBe('Opcode: request (1)');
    expect(highlighted(ARP_REQUEST, nodeFor(d.tree, 'arp.dst.proto_ipv4'))).toBe('0a000001');
    expect(d.fields.display('arp.src.proto_ipv4')).toEqual(['10.0.0.2']);
    expect(d.fields.display('arp.src.hw_mac')).toEqual(['02:00:00:00:00:01']);
    expect(d.fields.get('arp.opcode')).toEqual([1]);
    expect(d.colour).toBe('ARP');
  });

  it('a reply: "10.0.0.1 is at 02:00:00:00:00:02"', () => {
    const reply = arp('00 02', '02 00 00 00 00 02', '0a 00 00 01', '02 00 00 00 00 01', '0a 00 00 02');
    expect(row(reply).info).toBe('10.0.0.1 is at 02:00:00:00:00:02');
  });

  it('gratuitous, announcement and probe, as Wireshark words them', () => {
    const zero = '00 00 00 00 00 00';
    const mac = '02 00 00 00 00 01';
    expect(row(arp('00 01', mac, '0a 00 00 05', zero, '0a 00 00 05')).info).toBe(
      'ARP Announcement for 10.0.0.5',
    );
    expect(row(arp('00 01', mac, '0a 00 00 05', mac, '0a 00 00 05')).info).toBe(
      'Gratuitous ARP for 10.0.0.5 (Request)',
    );
    expect(row(arp('00 02', mac, '0a 00 00 05', zero, '0a 00 00 05')).info).toBe(
      'Gratuitous ARP for 10.0.0.5 (Reply)',
    );
    expect(row(arp('00 01', mac, '00 00 00 00', zero, '0a 00 00 05')).info).toBe(
      'Who has 10.0.0.5? (ARP Probe)',
    );
  });

  it('an unknown opcode is named, not guessed', () => {
    const odd = arp('00 63', '02 00 00 00 00 01', '0a 00 00 01', '00 00 00 00 00 00', '0a 00 00 02');
    expect(row(odd).info).toBe('Unknown ARP opcode 0x0063');
  });

  it('a body cut short keeps the fields that fit and says it was truncated', () => {
    const cut = ARP_REQUEST.slice(0, 14 + 20);
    const d = dissectPacket(LINKTYPE.ETHERNET, cut, ARP_REQUEST.length);
    expect(d.fields.display('arp.src.proto_ipv4')).toEqual(['10.0.0.2']);
    expect(d.fields.display('arp.dst.hw_mac')).toEqual([]);
    expect(d.fields.get('arp.opcode')).toEqual([1]);
    expect(d.tree.at(-1)?.label).toBe('[Packet size limited during capture: ARP truncated]');
    expect(d.summary.info).toBe('ARP request[Packet size limited during capture]');
  });
});
