import { describe, expect, it } from 'vitest';
import { decodeVxlan, encodeVxlanHeader } from '../../../main/broker/decode/vxlan.js';
import { hex } from '../../fixtures/hex.js';
import { INNER_FRAME, VXLAN_HEADER } from '../../fixtures/packets.js';

describe('decodeVxlan (RFC 7348)', () => {
  it('reads the VNI and points at the inner Ethernet frame', () => {
    const packet = hex(
      '08 00 00 00' + // flags: I bit (0x08) set; reserved
        '00 12 34 00' + // VNI 0x001234 = 4660; reserved
        '02 00 00 00 00 02 02 00 00 00 00 01 08 00 de ad be ef', // inner frame
    );
    expect(decodeVxlan(packet)).toEqual({ ok: true, vni: 4660, payloadOffset: 8 });
  });

  it('reads the largest VNI and ignores the reserved bits, as the RFC requires of receivers', () => {
    const packet = hex(
      'ff ff ff ff' + // flags: I bit and every R bit set; reserved bits all ones
        'ff ff ff ff', // VNI 0xffffff; reserved byte all ones
    );
    expect(decodeVxlan(packet)).toEqual({ ok: true, vni: 0xffffff, payloadOffset: 8 });
  });

  it('accepts a header with no inner frame (the frame length is the listener’s business)', () => {
    expect(decodeVxlan(VXLAN_HEADER)).toEqual({ ok: true, vni: 0x1234, payloadOffset: 8 });
  });

  it('rejects a header without the I flag as bad-flags', () => {
    const packet = hex(
      '00 00 00 00' + // flags: I bit clear
        '00 12 34 00', // VNI 4660
    );
    expect(decodeVxlan(packet)).toEqual({
      ok: false,
      reason: 'bad-flags',
      layer: 'vxlan',
      detail: 'I flag (valid VNI) is not set',
    });
  });

  it('rejects every R bit set but the I bit clear (0xf7)', () => {
    const packet = hex(
      'f7 00 00 00' + // flags: all bits except I
        '00 00 01 00', // VNI 1
    );
    expect(decodeVxlan(packet)).toMatchObject({ ok: false, reason: 'bad-flags', layer: 'vxlan' });
  });

  it('reports a header cut short as truncated, with what it needed and had', () => {
    const packet = hex(
      '08 00 00 00' + // flags: I
        '00 12 34', // VNI, reserved byte missing
    );
    expect(decodeVxlan(packet)).toEqual({ ok: false, reason: 'truncated', layer: 'vxlan', need: 8, have: 7 });
  });

  it('decodes at an offset and reports the payload offset in the same buffer', () => {
    const packet = hex(
      'aa bb cc' + // 3 bytes before the header (e.g. UDP belongs to the caller)
        '08 00 00 00' + // flags: I
        '00 00 2a 00' + // VNI 42
        '02 00', // start of the inner frame
    );
    expect(decodeVxlan(packet, 3)).toEqual({ ok: true, vni: 42, payloadOffset: 11 });
  });
});

describe('encodeVxlanHeader', () => {
  it('writes the I flag and the VNI, everything else zero', () => {
    expect(encodeVxlanHeader(0x123456)).toEqual(
      hex(
        '08 00 00 00' + // flags: I
          '12 34 56 00', // VNI 0x123456; reserved
      ),
    );
  });

  it('is read back by decodeVxlan for the edge VNIs', () => {
    for (const vni of [0, 1, 4096, 0xfffffe, 0xffffff]) {
      const frame = new Uint8Array([...encodeVxlanHeader(vni), ...INNER_FRAME]);
      expect(decodeVxlan(frame)).toEqual({ ok: true, vni, payloadOffset: 8 });
    }
  });
});
