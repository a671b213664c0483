import { describe, expect, it } from 'vitest';
import { locateTunnel, type OuterOptions } from '../../../main/broker/decode/outer.js';
import { concat, hex } from '../../fixtures/hex.js';
import {
  ethernetHeader,
  INNER_FRAME,
  IPV4_GRE,
  IPV4_VXLAN,
  IPV6_GRE,
  sll2Header,
  sllHeader,
} from '../../fixtures/packets.js';

const BOTH: OuterOptions = { vxlanPorts: new Set([4789]), gre: true };

/** The inner frame the broker would hand on: what a user sees in the pcapng. */
function innerFrame(packet: Uint8Array, options = BOTH): Uint8Array {
  const outer = locateTunnel(1, packet, options);
  if (!outer.ok || outer.tunnel === 'none') throw new Error(`no tunnel: ${JSON.stringify(outer)}`);
  return packet.subarray(outer.payloadOffset, outer.payloadEnd);
}

describe('locateTunnel: VXLAN', () => {
  it('finds VXLAN in Ethernet / IPv4 / UDP 4789 and the inner frame exactly', () => {
    const packet = concat(ethernetHeader('ipv4'), IPV4_VXLAN);
    const outer = locateTunnel(1, packet, BOTH);
    expect(outer).toMatchObject({
      ok: true,
      tunnel: 'vxlan',
      tunnelId: 4660,
      payloadKind: 'ethernet',
      payloadOffset: 50, // 14 Ethernet + 20 IPv4 + 8 UDP + 8 VXLAN
      payloadEnd: 68,
      outgoing: false,
    });
    if (!outer.ok || outer.tunnel === 'none') throw new Error('unreachable');
    expect([...outer.peer]).toEqual([10, 0, 0, 1]);
    expect(innerFrame(packet)).toEqual(INNER_FRAME);
  });

  it('excludes Ethernet padding after the IP packet from the inner frame', () => {
    const packet = concat(ethernetHeader('ipv4'), IPV4_VXLAN, hex('00 00 00 00')); // 4 bytes of padding
    expect(innerFrame(packet)).toEqual(INNER_FRAME);
  });

  it('finds VXLAN behind an 802.1Q tag', () => {
    const packet = concat(
      hex(
        '02 00 00 00 00 aa 02 00 00 00 00 bb' + // MACs
          '81 00 00 64' + // 802.1Q tag VID 100
          '08 00', // ethertype IPv4
      ),
      IPV4_VXLAN,
    );
    expect(locateTunnel(1, packet, BOTH)).toMatchObject({ ok: true, tunnel: 'vxlan', payloadOffset: 54 });
  });

  it('passes UDP to a port that is not a VXLAN port through as not-a-tunnel', () => {
    const packet = concat(ethernetHeader('ipv4'), IPV4_VXLAN);
    expect(locateTunnel(1, packet, { vxlanPorts: new Set([8472]), gre: true })).toEqual({
      ok: true,
      tunnel: 'none',
    });
    expect(locateTunnel(1, packet, { vxlanPorts: new Set(), gre: true })).toEqual({
      ok: true,
      tunnel: 'none',
    });
  });

  it('reports VXLAN on the port but without the I flag as bad-flags (counted, not passed through)', () => {
    const packet = concat(ethernetHeader('ipv4'), IPV4_VXLAN);
    packet[14 + 28] = 0x00; // VXLAN flags byte: I bit cleared
    expect(locateTunnel(1, packet, BOTH)).toMatchObject({ ok: false, reason: 'bad-flags', layer: 'vxlan' });
  });

  it('reports a UDP datagram too short for a VXLAN header as truncated', () => {
    const packet = hex(
      '45 00 00 22' + // version 4, IHL 5; total length 34 = 20 + 14
        '00 00 40 00' + // DF
        '40 11 00 00' + // TTL 64, UDP; checksum
        '0a 00 00 01 0a 00 00 02' + // 10.0.0.1 → 10.0.0.2
        'c3 50 12 b5' + // UDP 50000 → 4789
        '00 0e 00 00' + // UDP length 14: 6 bytes of VXLAN
        '08 00 00 00 00 12' + // VXLAN header cut after 6 bytes
        'ff ff', // bytes after the IP packet must not complete it
    );
    expect(locateTunnel(101, packet, BOTH)).toEqual({
      ok: false,
      reason: 'truncated',
      layer: 'vxlan',
      need: 8,
      have: 6,
    });
  });

  it('passes an IPv4 fragment through as not-a-tunnel', () => {
    const packet = concat(ethernetHeader('ipv4'), IPV4_VXLAN);
    packet[14 + 6] = 0x20; // flags: MF set
    expect(locateTunnel(1, packet, BOTH)).toEqual({ ok: true, tunnel: 'none' });
  });
});

describe('locateTunnel: GRE', () => {
  it('finds GRE in Ethernet / IPv6 with the key as the tunnel ID', () => {
    const packet = concat(ethernetHeader('ipv6'), IPV6_GRE);
    const outer = locateTunnel(1, packet, BOTH);
    expect(outer).toMatchObject({
      ok: true,
      tunnel: 'gre',
      tunnelId: 42,
      payloadKind: 'ethernet',
      checksumValid: undefined,
      payloadOffset: 62, // 14 Ethernet + 40 IPv6 + 8 GRE
      payloadEnd: 80,
      outgoing: false,
    });
    if (!outer.ok || outer.tunnel === 'none') throw new Error('unreachable');
    expect(Buffer.from(outer.peer).toString('hex')).toBe('fd000000000000000000000000000001');
    expect(innerFrame(packet)).toEqual(INNER_FRAME);
  });

  it('reports GRE carrying IPv4 as payload kind ipv4 with no key', () => {
    const packet = hex(
      '45 00 00 1c' + // IPv4, total length 28 = 20 + 8
        '00 00 40 00' + // DF
        '40 2f 00 00' + // TTL 64, GRE; checksum
        '0a 00 00 05 0a 00 00 02' + // 10.0.0.5 → 10.0.0.2
        '00 00 08 00' + // GRE: no flags; protocol IPv4
        '45 00 00 14', // start of the inner packet
    );
    const outer = locateTunnel(101, packet, BOTH);
    expect(outer).toMatchObject({ ok: true, tunnel: 'gre', payloadKind: 'ipv4', tunnelId: undefined });
    expect(outer).toMatchObject({ payloadOffset: 24, payloadEnd: 28 });
  });

  it('carries the GRE checksum verdict out', () => {
    const packet = hex(
      '45 00 00 2a' + // IPv4, total length 42 = 20 + 8 + 14
        '00 00 40 00' + // DF
        '40 2f 00 00' + // TTL 64, GRE; checksum
        '0a 00 00 01 0a 00 00 02' + // 10.0.0.1 → 10.0.0.2
        '80 00 65 58' + // GRE: C; protocol TEB
        '0e 9e 00 00' + // checksum over GRE header and payload; reserved1
        '02 00 00 00 00 02 02 00 00 00 00 01 08 06', // inner Ethernet header, ARP
    );
    expect(locateTunnel(101, packet, BOTH)).toMatchObject({ ok: true, tunnel: 'gre', checksumValid: true });
    packet[packet.length - 1] = 0x07; // corrupt the last payload byte
    expect(locateTunnel(101, packet, BOTH)).toMatchObject({ ok: true, tunnel: 'gre', checksumValid: false });
  });

  it('passes GRE through when GRE termination is off', () => {
    const packet = concat(ethernetHeader('ipv4'), IPV4_GRE);
    expect(locateTunnel(1, packet, { vxlanPorts: new Set([4789]), gre: false })).toEqual({
      ok: true,
      tunnel: 'none',
    });
  });

  it('reports a GRE version 1 packet as bad-flags', () => {
    const packet = concat(ethernetHeader('ipv4'), IPV4_GRE);
    packet[14 + 21] = 0x01; // GRE flags low byte: version 1
    expect(locateTunnel(1, packet, BOTH)).toMatchObject({ ok: false, reason: 'bad-flags', layer: 'gre' });
  });
});

describe('locateTunnel: link types', () => {
  it('reads SLL and tells our own transmissions (PACKET_OUTGOING) apart', () => {
    const received = concat(sllHeader('host', 'ipv4'), IPV4_VXLAN);
    const sent = concat(sllHeader('outgoing', 'ipv4'), IPV4_VXLAN);
    expect(locateTunnel(113, received, BOTH)).toMatchObject({
      tunnel: 'vxlan',
      outgoing: false,
      payloadOffset: 52,
    });
    expect(locateTunnel(113, sent, BOTH)).toMatchObject({
      tunnel: 'vxlan',
      outgoing: true,
      payloadOffset: 52,
    });
  });

  it('reads SLL2 and its one-byte packet type', () => {
    const received = concat(sll2Header('host', 'ipv6'), IPV6_GRE);
    const sent = concat(sll2Header('outgoing', 'ipv6'), IPV6_GRE);
    expect(locateTunnel(276, received, BOTH)).toMatchObject({
      tunnel: 'gre',
      outgoing: false,
      payloadOffset: 68,
    });
    expect(locateTunnel(276, sent, BOTH)).toMatchObject({ tunnel: 'gre', outgoing: true, payloadEnd: 86 });
  });

  it('reads raw IP (101), IPv4 (228) and IPv6 (229) from the version nibble', () => {
    expect(locateTunnel(101, IPV4_VXLAN, BOTH)).toMatchObject({ tunnel: 'vxlan', payloadOffset: 36 });
    expect(locateTunnel(101, IPV6_GRE, BOTH)).toMatchObject({ tunnel: 'gre', payloadOffset: 48 });
    expect(locateTunnel(228, IPV4_GRE, BOTH)).toMatchObject({
      tunnel: 'gre',
      tunnelId: 7,
      payloadOffset: 28,
    });
    expect(locateTunnel(229, IPV6_GRE, BOTH)).toMatchObject({ tunnel: 'gre', tunnelId: 42, payloadEnd: 66 });
  });

  it('reports an empty raw packet as unknown', () => {
    expect(locateTunnel(101, new Uint8Array(0), BOTH)).toEqual({
      ok: false,
      reason: 'unknown',
      layer: 'raw',
      detail: 'empty packet',
    });
  });

  it('passes a raw packet that is neither IPv4 nor IPv6 through', () => {
    expect(locateTunnel(101, hex('50 00 00 00'), BOTH)).toEqual({ ok: true, tunnel: 'none' }); // version nibble 5
  });

  it('passes a link type it does not decode through (e.g. 802.11, 105)', () => {
    expect(locateTunnel(105, concat(ethernetHeader('ipv4'), IPV4_VXLAN), BOTH)).toEqual({
      ok: true,
      tunnel: 'none',
    });
  });

  it('reports an Ethernet frame shorter than its header as truncated', () => {
    expect(locateTunnel(1, hex('02 00 00 00 00 aa 02 00'), BOTH)).toEqual({
      ok: false,
      reason: 'truncated',
      layer: 'ethernet',
      need: 14,
      have: 8,
    });
  });

  it('passes ARP and malformed IP through as not-a-tunnel (not ours to count)', () => {
    const arp = hex('02 00 00 00 00 aa 02 00 00 00 00 bb' + '08 06' + '00 01 08 00 06 04 00 01'); // ethertype ARP
    expect(locateTunnel(1, arp, BOTH)).toEqual({ ok: true, tunnel: 'none' });
    const badIp = concat(ethernetHeader('ipv4'), IPV4_VXLAN);
    badIp[14] = 0x44; // IHL 4
    expect(locateTunnel(1, badIp, BOTH)).toEqual({ ok: true, tunnel: 'none' });
    const shortIp = concat(ethernetHeader('ipv6'), IPV6_GRE).subarray(0, 60); // IPv6 payload cut
    expect(locateTunnel(1, shortIp, BOTH)).toEqual({ ok: true, tunnel: 'none' });
  });
});
