import { describe, expect, it } from 'vitest';
import { decodeIpv6 } from '../../../main/broker/decode/ip.js';
import { hex } from '../../fixtures/hex.js';
import { IPV6_GRE } from '../../fixtures/packets.js';

/** Fixed IPv6 header with the given payload length and next header (both as hex). */
const ipv6 = (payloadLength: string, nextHeader: string) =>
  '60 00 00 00' + // version 6, traffic class 0, flow label 0
  payloadLength + // payload length
  nextHeader + // next header
  '40' + // hop limit 64
  '20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01' + // source 2001:db8::1
  '20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02'; // destination 2001:db8::2

const UDP_HEADER = '00 01 00 02 00 08 00 00'; // ports 1 → 2, length 8, no checksum

describe('decodeIpv6', () => {
  it('reads next header, addresses and payload bounds', () => {
    const result = decodeIpv6(IPV6_GRE);
    expect(result).toMatchObject({ ok: true, version: 6, protocol: 47, fragmented: false });
    expect(result).toMatchObject({ payloadOffset: 40, payloadEnd: 66 });
    if (!result.ok) throw new Error('unreachable');
    expect(Buffer.from(result.source).toString('hex')).toBe('fd000000000000000000000000000001');
    expect(Buffer.from(result.destination).toString('hex')).toBe('fd000000000000000000000000000002');
  });

  it('walks hop-by-hop, routing and destination options headers to the transport header', () => {
    const packet = hex(
      ipv6('00 30', '00') + // payload length 48 = 8 + 24 + 8 + 8; next header 0 hop-by-hop
        '2b 00 01 04 00 00 00 00' + // hop-by-hop: next 43 routing, length 0 (8 bytes); PadN 4
        '3c 02 04 00 00 00 00 00' + // routing: next 60, length 2 (24 bytes), type 4 SRH, segments left 0
        '20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 09' + // SRH segment list[0]
        '11 00 01 04 00 00 00 00' + // destination options: next 17 UDP, length 0; PadN 4
        UDP_HEADER,
    );
    expect(decodeIpv6(packet)).toMatchObject({
      ok: true,
      protocol: 17,
      fragmented: false,
      payloadOffset: 80,
    });
    expect(decodeIpv6(packet)).toMatchObject({ payloadEnd: 88 });
  });

  it('uses the header extension length in 8-octet units beyond the first 8', () => {
    const packet = hex(
      ipv6('00 18', '00') + // payload length 24 = 16 + 8; next header hop-by-hop
        '11 01' + // hop-by-hop: next 17 UDP, length 1 (16 bytes)
        '01 0c 00 00 00 00 00 00 00 00 00 00 00 00' + // PadN 12
        UDP_HEADER,
    );
    expect(decodeIpv6(packet)).toMatchObject({ ok: true, protocol: 17, payloadOffset: 56, payloadEnd: 64 });
  });

  it('marks a first fragment as fragmented and skips the 8-byte fragment header', () => {
    const packet = hex(
      ipv6('00 10', '2c') + // payload length 16; next header 44 fragment
        '11 00' + // fragment: next 17 UDP, reserved
        '00 01' + // fragment offset 0, M (more fragments) set
        '00 00 00 2a' + // identification 42
        UDP_HEADER,
    );
    expect(decodeIpv6(packet)).toMatchObject({ ok: true, protocol: 17, fragmented: true, payloadOffset: 48 });
  });

  it('marks a later fragment as fragmented', () => {
    const packet = hex(
      ipv6('00 10', '2c') + // payload length 16; next header 44 fragment
        '11 00' + // fragment: next 17 UDP, reserved
        '05 c8' + // fragment offset 185 (1480 bytes), M clear: the last fragment
        '00 00 00 2a' + // identification 42
        'de ad be ef de ad be ef', // the middle of some UDP payload
    );
    expect(decodeIpv6(packet)).toMatchObject({ ok: true, protocol: 17, fragmented: true, payloadEnd: 56 });
  });

  // RFC 6946: an atomic fragment (offset 0, M clear) is a whole packet, processed in isolation.
  it('treats an atomic fragment (offset 0, M clear) as a whole packet', () => {
    const packet = hex(
      ipv6('00 10', '2c') + // payload length 16; next header 44 fragment
        '11 00' + // fragment: next 17 UDP, reserved
        '00 00' + // fragment offset 0, M clear
        '00 00 00 2a' + // identification 42
        UDP_HEADER,
    );
    expect(decodeIpv6(packet)).toMatchObject({
      ok: true,
      protocol: 17,
      fragmented: false,
      payloadOffset: 48,
    });
  });

  it('stops at the payload length, ignoring trailing bytes', () => {
    const packet = hex(
      ipv6('00 08', '11') + // payload length 8; next header UDP
        UDP_HEADER +
        '00 00 00 00', // 4 bytes of link-layer padding
    );
    expect(decodeIpv6(packet)).toMatchObject({ ok: true, protocol: 17, payloadOffset: 40, payloadEnd: 48 });
  });

  it('rejects a version other than 6 as bad-flags', () => {
    const packet = hex(`40${ipv6('00 00', '3b').slice(2)}`); // version nibble 4
    expect(decodeIpv6(packet)).toEqual({
      ok: false,
      reason: 'bad-flags',
      layer: 'ipv6',
      detail: 'version 4',
    });
  });

  it('reports fewer than 40 bytes as truncated', () => {
    const packet = hex(ipv6('00 00', '3b')).subarray(0, 39); // destination address one byte short
    expect(decodeIpv6(packet)).toEqual({ ok: false, reason: 'truncated', layer: 'ipv6', need: 40, have: 39 });
  });

  it('reports a payload length beyond the captured bytes as truncated', () => {
    const packet = hex(ipv6('00 64', '11') + UDP_HEADER); // payload length 100, only 8 captured
    expect(decodeIpv6(packet)).toEqual({
      ok: false,
      reason: 'truncated',
      layer: 'ipv6',
      need: 140,
      have: 48,
    });
  });

  it('reports an extension header that starts but does not fit in the payload as truncated', () => {
    const packet = hex(
      ipv6('00 04', '00') + // payload length 4; next header hop-by-hop
        '11 00 01 00', // half a hop-by-hop header
    );
    expect(decodeIpv6(packet)).toEqual({ ok: false, reason: 'truncated', layer: 'ipv6', need: 48, have: 44 });
  });

  it('reports an extension header longer than the payload as truncated', () => {
    const packet = hex(
      ipv6('00 08', '00') + // payload length 8; next header hop-by-hop
        '11 01 01 04 00 00 00 00', // hop-by-hop: next UDP, length 1 (16 bytes) but only 8 in the payload
    );
    expect(decodeIpv6(packet)).toEqual({ ok: false, reason: 'truncated', layer: 'ipv6', need: 56, have: 48 });
  });

  it('leaves an unknown next header (No Next Header 59) as the protocol', () => {
    const packet = hex(ipv6('00 00', '3b')); // next header 59, no payload
    expect(decodeIpv6(packet)).toMatchObject({ ok: true, protocol: 59, payloadOffset: 40, payloadEnd: 40 });
  });
});
