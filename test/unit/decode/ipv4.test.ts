import { describe, expect, it } from 'vitest';
import { decodeIpv4 } from '../../../main/broker/decode/ip.js';
import { hex } from '../../fixtures/hex.js';
import { IPV4_VXLAN } from '../../fixtures/packets.js';

const ADDRESSES =
  'c0 a8 01 01' + // source 192.168.1.1
  'c0 a8 01 02'; // destination 192.168.1.2

describe('decodeIpv4', () => {
  it('reads protocol, addresses and payload bounds of a UDP packet', () => {
    const result = decodeIpv4(IPV4_VXLAN);
    expect(result).toMatchObject({ ok: true, version: 4, protocol: 17, fragmented: false });
    expect(result).toMatchObject({ payloadOffset: 20, payloadEnd: 54 });
    if (!result.ok) throw new Error('unreachable');
    expect([...result.source]).toEqual([10, 0, 0, 1]);
    expect([...result.destination]).toEqual([10, 0, 0, 2]);
  });

  it('skips IP options: the payload starts at IHL × 4', () => {
    const packet = hex(
      '46' + // version 4, IHL 6 (24 bytes)
        '00' + // DSCP/ECN
        '00 1c' + // total length 28 = 24 header + 4 payload
        '00 00' + // identification
        '00 00' + // flags 0, fragment offset 0
        '40 2f' + // TTL 64, protocol 47 GRE
        '00 00' + // checksum (not verified)
        ADDRESSES +
        '01 01 01 00' + // options: NOP NOP NOP EOL
        '00 00 65 58', // payload: a GRE base header
    );
    expect(decodeIpv4(packet)).toMatchObject({ ok: true, protocol: 47, payloadOffset: 24, payloadEnd: 28 });
  });

  it('ends the payload where the total length says, not at the Ethernet padding', () => {
    const packet = hex(
      '45 00 00 18' + // version 4, IHL 5; total length 24 = 20 + 4
        '00 00 00 00' + // identification; flags, offset 0
        '40 01 00 00' + // TTL 64, protocol 1 ICMP; checksum
        ADDRESSES +
        '08 00 f7 ff' + // 4 payload bytes
        '00 00 00 00 00 00', // padding to the Ethernet minimum
    );
    expect(decodeIpv4(packet)).toMatchObject({ ok: true, protocol: 1, payloadOffset: 20, payloadEnd: 24 });
  });

  it('treats the DF bit alone as not fragmented, MF or an offset as fragmented', () => {
    const withFragmentField = (field: string) =>
      hex(
        '45 00 00 14' + // version 4, IHL 5; total length 20 (no payload)
          '12 34' + // identification
          field + // flags and fragment offset
          '40 11 00 00' + // TTL 64, protocol UDP; checksum
          ADDRESSES,
      );
    expect(decodeIpv4(withFragmentField('40 00'))).toMatchObject({ ok: true, fragmented: false }); // DF
    expect(decodeIpv4(withFragmentField('20 00'))).toMatchObject({ ok: true, fragmented: true }); // MF, offset 0
    expect(decodeIpv4(withFragmentField('00 b9'))).toMatchObject({ ok: true, fragmented: true }); // offset 185 × 8
    expect(decodeIpv4(withFragmentField('1f ff'))).toMatchObject({ ok: true, fragmented: true }); // largest offset
  });

  it('rejects a version other than 4 as bad-flags', () => {
    const packet = hex(
      '65 00 00 14' + // version 6, IHL 5; total length 20
        '00 00 00 00' + // identification; flags, offset
        '40 11 00 00' + // TTL 64, UDP; checksum
        ADDRESSES,
    );
    expect(decodeIpv4(packet)).toEqual({
      ok: false,
      reason: 'bad-flags',
      layer: 'ipv4',
      detail: 'version 6',
    });
  });

  it('rejects an IHL below 5 as bad-flags', () => {
    const packet = hex(
      '44 00 00 14' + // version 4, IHL 4 (16 bytes); total length 20
        '00 00 00 00' + // identification; flags, offset
        '40 11 00 00' + // TTL 64, UDP; checksum
        ADDRESSES,
    );
    expect(decodeIpv4(packet)).toEqual({
      ok: false,
      reason: 'bad-flags',
      layer: 'ipv4',
      detail: 'header length 16',
    });
  });

  it('rejects a total length below the header length as bad-flags', () => {
    const packet = hex(
      '46 00 00 14' + // version 4, IHL 6 (24 bytes); total length 20
        '00 00 00 00' + // identification; flags, offset
        '40 11 00 00' + // TTL 64, UDP; checksum
        ADDRESSES +
        '01 01 01 00', // options: NOP NOP NOP EOL
    );
    expect(decodeIpv4(packet)).toEqual({
      ok: false,
      reason: 'bad-flags',
      layer: 'ipv4',
      detail: 'total length 20 < header 24',
    });
  });

  it('reports fewer than 20 bytes as truncated', () => {
    const packet = hex(
      '45 00 00 14' + // version 4, IHL 5; total length 20
        '00 00 00 00' + // identification; flags, offset
        '40 11 00 00' + // TTL 64, UDP; checksum
        'c0 a8 01 01' + // source
        'c0 a8 01', // destination, one byte short
    );
    expect(decodeIpv4(packet)).toEqual({ ok: false, reason: 'truncated', layer: 'ipv4', need: 20, have: 19 });
  });

  it('reports a total length beyond the captured bytes as truncated', () => {
    const packet = hex(
      '45 00 05 dc' + // total length 1500
        '00 00 40 00' + // DF
        '40 11 00 00' + // UDP
        ADDRESSES +
        '00 01 00 02', // the first 4 of 1480 payload bytes
    );
    expect(decodeIpv4(packet)).toEqual({
      ok: false,
      reason: 'truncated',
      layer: 'ipv4',
      need: 1500,
      have: 24,
    });
  });

  it('returns addresses as views of the packet at the right place when decoding at an offset', () => {
    const packet = hex(
      'ff ff' + // 2 bytes that belong to someone else
        '45 00 00 14' + // version 4, IHL 5; total length 20
        '00 00 00 00' + // identification; flags, offset
        '40 11 00 00' + // TTL 64, UDP; checksum
        ADDRESSES,
    );
    const result = decodeIpv4(packet, 2);
    expect(result).toMatchObject({ ok: true, payloadOffset: 22, payloadEnd: 22 });
    if (!result.ok) throw new Error('unreachable');
    expect([...result.source]).toEqual([192, 168, 1, 1]);
    expect([...result.destination]).toEqual([192, 168, 1, 2]);
  });
});
