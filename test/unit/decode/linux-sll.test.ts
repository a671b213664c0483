import { describe, expect, it } from 'vitest';
import { decodeSll, decodeSll2 } from '../../../main/broker/decode/linux-sll.js';
import { hex } from '../../fixtures/hex.js';

describe('decodeSll (LINKTYPE_LINUX_SLL, 16 bytes)', () => {
  it('reads a packet received by the host', () => {
    const header = hex(
      '00 00' + // packet type PACKET_HOST
        '00 01' + // ARPHRD_ETHER
        '00 06' + // address length 6
        '02 00 00 00 00 bb 00 00' + // address, padded to 8
        '08 00' + // protocol IPv4
        '45', // start of the IP header
    );
    expect(decodeSll(header)).toEqual({ ok: true, packetType: 0, ethertype: 0x0800, payloadOffset: 16 });
  });

  it('reads a packet the host sent (PACKET_OUTGOING = 4)', () => {
    const header = hex(
      '00 04' + // packet type PACKET_OUTGOING
        '00 01' + // ARPHRD_ETHER
        '00 06' + // address length 6
        '02 00 00 00 00 bb 00 00' + // address
        '86 dd', // protocol IPv6
    );
    expect(decodeSll(header)).toEqual({ ok: true, packetType: 4, ethertype: 0x86dd, payloadOffset: 16 });
  });

  it('reports 15 bytes as truncated', () => {
    const header = hex('00 00' + '00 01' + '00 06' + '02 00 00 00 00 bb 00 00' + '08'); // protocol cut in half
    expect(decodeSll(header)).toEqual({ ok: false, reason: 'truncated', layer: 'sll', need: 16, have: 15 });
  });
});

describe('decodeSll2 (LINKTYPE_LINUX_SLL2, 20 bytes)', () => {
  it('reads the protocol at 0 and the one-byte packet type at 10', () => {
    const header = hex(
      '86 dd' + // protocol IPv6
        '00 00' + // reserved
        '00 00 00 03' + // interface index 3
        '00 01' + // ARPHRD_ETHER
        '04' + // packet type PACKET_OUTGOING
        '06' + // address length 6
        '02 00 00 00 00 bb 00 00' + // address
        '60', // start of the IP header
    );
    expect(decodeSll2(header)).toEqual({ ok: true, packetType: 4, ethertype: 0x86dd, payloadOffset: 20 });
  });

  it('decodes at an offset', () => {
    const header = hex(
      'ee ee ee ee ee' + // 5 bytes that belong to someone else
        '08 00' + // protocol IPv4
        '00 00' + // reserved
        '00 00 00 01' + // interface index 1
        '00 01' + // ARPHRD_ETHER
        '00' + // packet type PACKET_HOST
        '06' + // address length
        '02 00 00 00 00 bb 00 00', // address
    );
    expect(decodeSll2(header, 5)).toEqual({ ok: true, packetType: 0, ethertype: 0x0800, payloadOffset: 25 });
  });

  it('reports 19 bytes as truncated', () => {
    const header = hex('08 00' + '00 00' + '00 00 00 01' + '00 01' + '00' + '06' + '02 00 00 00 00 bb 00'); // address short
    expect(decodeSll2(header)).toEqual({ ok: false, reason: 'truncated', layer: 'sll2', need: 20, have: 19 });
  });
});
