import { describe, expect, it } from 'vitest';
import { decodeGre, internetChecksum } from '../../../main/broker/decode/gre.js';
import { hex } from '../../fixtures/hex.js';

/** The inner Ethernet frame every TEB fixture below carries (18 bytes). */
const INNER = '02 00 00 00 00 02 02 00 00 00 00 01 08 00 de ad be ef';

describe('decodeGre: optional fields (RFC 2784 / RFC 2890)', () => {
  it('reads the 4-byte base header: no checksum, key or sequence', () => {
    const packet = hex(
      '00 00' + // flags: none; version 0
        '65 58' + // protocol type TEB (transparent Ethernet bridging)
        INNER,
    );
    expect(decodeGre(packet)).toEqual({
      ok: true,
      protocol: 0x6558,
      payloadKind: 'ethernet',
      key: undefined,
      sequence: undefined,
      checksumValid: undefined,
      payloadOffset: 4,
    });
  });

  it('reads the key (RFC 2890), which is the tunnel ID', () => {
    const packet = hex(
      '20 00' + // flags: K; version 0
        '65 58' + // protocol TEB
        '00 00 10 01' + // key 4097
        INNER,
    );
    expect(decodeGre(packet)).toMatchObject({ ok: true, key: 4097, sequence: undefined, payloadOffset: 8 });
  });

  it('reads a key with the top bit set as an unsigned number', () => {
    const packet = hex(
      '20 00' + // flags: K
        '65 58' + // protocol TEB
        'ff ff ff fe', // key 0xfffffffe
    );
    expect(decodeGre(packet)).toMatchObject({ ok: true, key: 0xfffffffe, payloadOffset: 8 });
  });

  it('reads a sequence number without a key', () => {
    const packet = hex(
      '10 00' + // flags: S; version 0
        '08 00' + // protocol IPv4
        '00 00 00 07' + // sequence 7
        '45 00 00 14', // start of the inner IPv4 packet
    );
    expect(decodeGre(packet)).toEqual({
      ok: true,
      protocol: 0x0800,
      payloadKind: 'ipv4',
      key: undefined,
      sequence: 7,
      checksumValid: undefined,
      payloadOffset: 8,
    });
  });

  it('reads key then sequence when both are present', () => {
    const packet = hex(
      '30 00' + // flags: K, S; version 0
        '86 dd' + // protocol IPv6
        '00 00 00 2a' + // key 42
        'ff ff ff ff' + // sequence 0xffffffff
        '60 00 00 00', // start of the inner IPv6 packet
    );
    expect(decodeGre(packet)).toEqual({
      ok: true,
      protocol: 0x86dd,
      payloadKind: 'ipv6',
      key: 42,
      sequence: 0xffffffff,
      checksumValid: undefined,
      payloadOffset: 12,
    });
  });

  it('ignores reserved bits 8-12 (RFC 2784: sent as zero, ignored on receipt)', () => {
    const packet = hex(
      '20 f8' + // flags: K; reserved bits 8-12 all set; version 0
        '65 58' + // protocol TEB
        '00 00 00 01', // key 1
    );
    expect(decodeGre(packet)).toMatchObject({ ok: true, key: 1, payloadOffset: 8 });
  });

  // RFC 2784 §2.3: bits 6-12 MUST be ignored on receipt; only bits 1-5 make a receiver discard.
  it('accepts bits 6 and 7 set, which RFC 2784 says receivers must ignore', () => {
    const packet = hex(
      '23 00' + // flags: K; bits 6 and 7 set (0x0300); version 0
        '65 58' + // protocol TEB
        '00 00 00 01', // key 1
    );
    expect(decodeGre(packet)).toMatchObject({ ok: true, key: 1, payloadOffset: 8 });
  });
});

describe('decodeGre: checksum', () => {
  const withChecksum = (checksum: string, inner = INNER) =>
    hex(
      'b0 00' + // flags: C, K, S; version 0
        '65 58' + // protocol TEB
        checksum + // checksum over GRE header and payload
        '00 00' + // reserved1
        '00 00 00 2a' + // key 42
        '00 00 00 07' + // sequence 7
        inner,
    );

  it('reports a correct checksum as valid and skips checksum, key and sequence', () => {
    expect(decodeGre(withChecksum('40 d5'))).toEqual({
      ok: true,
      protocol: 0x6558,
      payloadKind: 'ethernet',
      key: 42,
      sequence: 7,
      checksumValid: true,
      payloadOffset: 16,
    });
  });

  it('reports a wrong checksum as invalid but still decodes the packet', () => {
    expect(decodeGre(withChecksum('40 d6'))).toMatchObject({ ok: true, checksumValid: false, key: 42 });
  });

  it('reports a corrupted payload byte as an invalid checksum', () => {
    const corrupted = INNER.replace('de ad', 'de ae');
    expect(decodeGre(withChecksum('40 d5', corrupted))).toMatchObject({ ok: true, checksumValid: false });
  });

  it('checksums an odd-length packet as if padded with a zero byte (RFC 1071)', () => {
    const packet = hex(
      '80 00' + // flags: C; version 0
        '08 00' + // protocol IPv4
        'dd 30' + // checksum
        '00 00' + // reserved1
        'ab cd ef', // 3 payload bytes
    );
    expect(decodeGre(packet)).toMatchObject({
      ok: true,
      checksumValid: true,
      key: undefined,
      payloadOffset: 8,
    });
  });

  it('internetChecksum of RFC 1071’s worked example is the complement of 0xddf2', () => {
    // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
    expect(internetChecksum(hex('00 01 f2 03 f4 f5 f6 f7'), 0, 8)).toBe(~0xddf2 & 0xffff);
  });
});

describe('decodeGre: rejected packets', () => {
  it('rejects version 1 (PPTP enhanced GRE) as bad-flags', () => {
    const packet = hex(
      '30 81' + // flags: K, S, A; version 1
        '88 0b' + // protocol PPP
        '00 04 00 01' + // payload length 4, call ID 1
        '00 00 00 01', // sequence 1
    );
    expect(decodeGre(packet)).toEqual({
      ok: false,
      reason: 'bad-flags',
      layer: 'gre',
      detail: 'version 1 (only 0 is GRE)',
    });
  });

  it('rejects the routing bit R (RFC 1701 source routing) as bad-flags', () => {
    const packet = hex(
      '40 00' + // flags: R; version 0
        '65 58' + // protocol TEB
        '00 00 00 00', // would be offset/routing in RFC 1701
    );
    expect(decodeGre(packet)).toEqual({
      ok: false,
      reason: 'bad-flags',
      layer: 'gre',
      detail: 'reserved flag bits set (0x4000)',
    });
  });

  it('rejects the strict source route bit s and recursion bit 5 as bad-flags', () => {
    expect(decodeGre(hex('08 00' + '65 58'))).toMatchObject({ reason: 'bad-flags', layer: 'gre' }); // flags: s
    expect(decodeGre(hex('04 00' + '65 58'))).toMatchObject({ reason: 'bad-flags', layer: 'gre' }); // flags: bit 5
  });

  it('reports a protocol type it does not carry as unknown', () => {
    const packet = hex(
      '00 00' + // flags: none; version 0
        '08 06' + // protocol ARP
        '00 01 08 00', // ARP bytes
    );
    expect(decodeGre(packet)).toEqual({
      ok: false,
      reason: 'unknown',
      layer: 'gre',
      detail: 'protocol type 0x0806',
    });
  });

  it('reports fewer than 4 bytes as truncated', () => {
    expect(decodeGre(hex('20 00 65'))).toEqual({
      ok: false,
      reason: 'truncated',
      layer: 'gre',
      need: 4,
      have: 3,
    });
  });

  it('reports a key that is cut off as truncated, needing 8 bytes', () => {
    const packet = hex(
      '20 00' + // flags: K
        '65 58' + // protocol TEB
        '00 00', // first half of the key
    );
    expect(decodeGre(packet)).toEqual({ ok: false, reason: 'truncated', layer: 'gre', need: 8, have: 6 });
  });

  it('needs 16 bytes when checksum, key and sequence are all announced', () => {
    const packet = hex(
      'b0 00 65 58' + // flags: C, K, S; protocol TEB
        '00 00 00 00' + // checksum, reserved1
        '00 00 00 2a', // key; the sequence is missing
    );
    expect(decodeGre(packet)).toEqual({ ok: false, reason: 'truncated', layer: 'gre', need: 16, have: 12 });
  });
});
