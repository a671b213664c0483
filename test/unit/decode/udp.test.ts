import { describe, expect, it } from 'vitest';
import { decodeUdp } from '../../../main/broker/decode/udp.js';
import { hex } from '../../fixtures/hex.js';

describe('decodeUdp', () => {
  it('reads the ports and bounds the payload by the length field', () => {
    const datagram = hex(
      'c3 50' + // source port 50000
        '12 b5' + // destination port 4789
        '00 0c' + // length 12 = 8 header + 4 payload
        '00 00' + // checksum: none
        '01 02 03 04', // payload
    );
    expect(decodeUdp(datagram, 0)).toEqual({
      ok: true,
      sourcePort: 50000,
      destinationPort: 4789,
      payloadOffset: 8,
      payloadEnd: 12,
    });
  });

  it('ignores bytes after the length field says the datagram ends (link-layer padding)', () => {
    const datagram = hex(
      '00 35' + // source port 53
        '21 18' + // destination port 8472 (Flannel VXLAN)
        '00 09' + // length 9 = 8 header + 1 payload
        'ab cd' + // checksum
        '01' + // payload
        '00 00 00 00 00', // Ethernet padding
    );
    expect(decodeUdp(datagram, 0)).toMatchObject({ ok: true, destinationPort: 8472, payloadEnd: 9 });
  });

  it('accepts an empty payload (length 8)', () => {
    const datagram = hex('00 01' + '00 02' + '00 08' + '00 00'); // ports 1 → 2, length 8, no checksum
    expect(decodeUdp(datagram, 0)).toMatchObject({ ok: true, payloadOffset: 8, payloadEnd: 8 });
  });

  it('stops at the enclosing IP payload end, not at the buffer end', () => {
    const packet = hex(
      'ee ee' + // 2 bytes before (the caller's IP header, abridged)
        '00 01' + // source port 1
        '12 b5' + // destination port 4789
        '00 10' + // length 16: claims 8 payload bytes
        '00 00' + // checksum
        '01 02 03 04' + // 4 payload bytes inside the IP payload
        'ff ff ff ff', // 4 bytes after the IP payload (e.g. padding)
    );
    expect(decodeUdp(packet, 2, 14)).toEqual({
      ok: false,
      reason: 'truncated',
      layer: 'udp',
      need: 16,
      have: 12,
    });
    expect(decodeUdp(packet, 2)).toMatchObject({ ok: true, payloadOffset: 10, payloadEnd: 18 });
  });

  it('rejects a length below the header size as bad-flags', () => {
    const datagram = hex('00 01' + '00 02' + '00 07' + '00 00'); // length 7 < 8
    expect(decodeUdp(datagram, 0)).toEqual({
      ok: false,
      reason: 'bad-flags',
      layer: 'udp',
      detail: 'length 7 < 8',
    });
  });

  it('reports fewer than 8 bytes as truncated', () => {
    const datagram = hex('00 01' + '00 02' + '00 08'); // checksum missing
    expect(decodeUdp(datagram, 0)).toEqual({
      ok: false,
      reason: 'truncated',
      layer: 'udp',
      need: 8,
      have: 6,
    });
  });
});
