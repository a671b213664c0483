import { describe, expect, it } from 'vitest';
import { decodeEthernet } from '../../../main/broker/decode/ethernet.js';
import { hex } from '../../fixtures/hex.js';

const MACS =
  '02 00 00 00 00 aa' + // destination MAC
  '02 00 00 00 00 bb'; // source MAC

describe('decodeEthernet', () => {
  it('reads an untagged IPv4 frame', () => {
    const frame = hex(
      MACS +
        '08 00' + // ethertype IPv4
        '45 00', // start of the IP header
    );
    expect(decodeEthernet(frame)).toEqual({ ok: true, vlans: [], ethertype: 0x0800, payloadOffset: 14 });
  });

  it('accepts a header with nothing after it', () => {
    const frame = hex(`${MACS} 08 06`); // MACs, ethertype ARP, and the frame ends
    expect(decodeEthernet(frame)).toEqual({ ok: true, vlans: [], ethertype: 0x0806, payloadOffset: 14 });
  });

  it('reads an 802.1Q tag: VLAN ID without the PCP and DEI bits', () => {
    const frame = hex(
      MACS +
        '81 00' + // TPID 802.1Q
        'b0 64' + // TCI: PCP 5, DEI 1, VID 100
        '86 dd', // ethertype IPv6
    );
    expect(decodeEthernet(frame)).toEqual({ ok: true, vlans: [100], ethertype: 0x86dd, payloadOffset: 18 });
  });

  it('reads 802.1ad QinQ tags outermost first', () => {
    const frame = hex(
      MACS +
        '88 a8' + // TPID 802.1ad (service tag)
        '00 c8' + // TCI: VID 200
        '81 00' + // TPID 802.1Q (customer tag)
        '0f ff' + // TCI: VID 4095
        '08 00', // ethertype IPv4
    );
    expect(decodeEthernet(frame)).toEqual({
      ok: true,
      vlans: [200, 4095],
      ethertype: 0x0800,
      payloadOffset: 22,
    });
  });

  it('stops after four tags and reports the fifth TPID as the ethertype', () => {
    const frame = hex(
      MACS +
        '81 00 00 01' + // tag VID 1
        '81 00 00 02' + // tag VID 2
        '81 00 00 03' + // tag VID 3
        '81 00 00 04' + // tag VID 4
        '81 00 00 05' + // fifth tag: not unwrapped
        '08 00', // ethertype IPv4
    );
    expect(decodeEthernet(frame)).toEqual({
      ok: true,
      vlans: [1, 2, 3, 4],
      ethertype: 0x8100,
      payloadOffset: 30,
    });
  });

  it('reports a frame shorter than 14 bytes as truncated', () => {
    const frame = hex(`${MACS} 08`); // MACs and half an ethertype: 13 bytes
    expect(decodeEthernet(frame)).toEqual({
      ok: false,
      reason: 'truncated',
      layer: 'ethernet',
      need: 14,
      have: 13,
    });
  });

  it('reports a tag without the ethertype after it as truncated', () => {
    const frame = hex(
      MACS +
        '81 00' + // TPID 802.1Q
        '00 64', // TCI VID 100; the inner ethertype is missing
    );
    expect(decodeEthernet(frame)).toEqual({
      ok: false,
      reason: 'truncated',
      layer: 'ethernet',
      need: 18,
      have: 16,
    });
  });

  it('counts need and have from the offset when decoding inside a larger buffer', () => {
    const frame = hex(
      'ff ff ff ff' + // 4 bytes that belong to someone else
        MACS +
        '88 a8 00 0a' + // tag VID 10
        '81 00', // TPID of a second tag, then the buffer ends
    );
    expect(decodeEthernet(frame, 4)).toEqual({
      ok: false,
      reason: 'truncated',
      layer: 'ethernet',
      need: 22,
      have: 18,
    });
  });
});
