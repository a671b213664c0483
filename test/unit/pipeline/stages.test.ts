import { describe, expect, it } from 'vitest';
import { DedupStage } from '../../../main/broker/pipeline/dedup-stage.js';
import { MaskStage } from '../../../main/broker/pipeline/mask-stage.js';
import { SampleStage } from '../../../main/broker/pipeline/sample-stage.js';
import { SliceStage } from '../../../main/broker/pipeline/slice-stage.js';
import { packet, tcpFrame, udpFrame } from './frames.js';

const UDP_PAYLOAD = 14 + 20 + 8;

describe('slice', () => {
  it('keeps the first N bytes and the original length, and leaves shorter frames alone', () => {
    const stage = new SliceStage(60);
    const long = packet(udpFrame('x'.repeat(100)));
    const short = packet(udpFrame(''));
    expect(stage.apply(long)).toBe(true);
    expect(long.data).toHaveLength(60);
    expect(long.originalLength).toBe(142);
    const before = short.data;
    stage.apply(short);
    expect(short.data).toBe(before);
  });
});

describe('sample', () => {
  it('1:N keeps the 1st, N+1th, 2N+1th packet', () => {
    const stage = new SampleStage({ mode: 'every', oneIn: 3 });
    const kept = Array.from({ length: 10 }, (_, i) => stage.apply(packet(udpFrame(String(i))))).map((k, i) =>
      k ? i : -1,
    );
    expect(kept.filter((i) => i >= 0)).toEqual([0, 3, 6, 9]);
  });

  it('random:1:N is repeatable for a seed and keeps about 1/N', () => {
    const run = () => {
      const stage = new SampleStage({ mode: 'random', oneIn: 10, seed: 42 });
      return Array.from({ length: 20_000 }, () => stage.apply(packet(udpFrame('')))).filter(Boolean).length;
    };
    const first = run();
    expect(run()).toBe(first);
    expect(first).toBeGreaterThan(1800);
    expect(first).toBeLessThan(2200);
  });

  it('a rate cap keeps at most PPS per second of packet time', () => {
    const stage = new SampleStage({ mode: 'every', oneIn: 1, maxPacketsPerSecond: 100 });
    // 1000 packets/s for 3 s of packet time
    const kept = Array.from({ length: 3000 }, (_, i) =>
      stage.apply(packet(udpFrame(''), 1000 + i / 1000)),
    ).filter(Boolean);
    expect(kept.length).toBeGreaterThanOrEqual(300);
    expect(kept.length).toBeLessThanOrEqual(301);
  });
});

describe('dedup', () => {
  it('drops the routed second sighting (other MACs, TTL and checksum) within the window', () => {
    const stage = new DedupStage(0.01);
    expect(stage.apply(packet(udpFrame('hello', { ttl: 64, mac: 1 }), 5.0))).toBe(true);
    expect(stage.apply(packet(udpFrame('hello', { ttl: 63, mac: 9 }), 5.002))).toBe(false);
  });

  it('keeps a repeat after the window, and any packet that differs elsewhere', () => {
    const stage = new DedupStage(0.01);
    expect(stage.apply(packet(udpFrame('hello'), 5.0))).toBe(true);
    expect(stage.apply(packet(udpFrame('hellp'), 5.001))).toBe(true);
    expect(stage.apply(packet(udpFrame('hello'), 5.02))).toBe(true);
  });

  it('compares non-IP frames whole', () => {
    const stage = new DedupStage(0.01);
    const arp = new Uint8Array([...Array(12).fill(1), 0x08, 0x06, ...Array(28).fill(2)]);
    const other = arp.slice();
    other[0] = 9;
    expect(stage.apply(packet(arp, 1))).toBe(true);
    expect(stage.apply(packet(other, 1))).toBe(true);
    expect(stage.apply(packet(arp.slice(), 1.001))).toBe(false);
  });
});

describe('mask', () => {
  it('overwrites every regex match in the UDP payload with fill bytes of the same length, nothing else', () => {
    const stage = new MaskStage({ regex: ['secret-\\d+'], ranges: [], fill: 0x2a });
    const original = udpFrame('a secret-123 and secret-4 end');
    const p = packet(original);
    stage.apply(p);
    expect(p.data).not.toBe(original); // a copy: the received bytes are never written
    expect(p.data).toHaveLength(original.length);
    expect(Buffer.from(p.data.subarray(UDP_PAYLOAD)).toString('latin1')).toBe(
      'a ********** and ******** end',
    );
    expect(Buffer.from(p.data.subarray(0, UDP_PAYLOAD))).toEqual(
      Buffer.from(original.subarray(0, UDP_PAYLOAD)),
    );
  });

  it('masks fixed ranges from an anchor, clipped to that anchor', () => {
    const stage = new MaskStage({
      regex: [],
      ranges: [{ anchor: 'udp-payload', offset: 2, length: 100 }],
      fill: 0,
    });
    const p = packet(udpFrame('abcdef'));
    stage.apply(p);
    expect(Buffer.from(p.data.subarray(UDP_PAYLOAD)).toString('latin1')).toBe('ab\0\0\0\0');
  });

  it('does not touch headers that look like a match, nor a TCP anchor on UDP', () => {
    const stage = new MaskStage({
      regex: ['\\x0a\\x00'],
      ranges: [{ anchor: 'tcp-payload', offset: 0, length: 4 }],
      fill: 0,
    });
    const original = udpFrame('plain');
    const p = packet(original);
    stage.apply(p);
    expect(p.data).toBe(original);
  });

  it('finds the TCP payload behind the data offset', () => {
    const stage = new MaskStage({ regex: ['Authorization: [^\\r]+'], ranges: [], fill: 0x58 });
    const p = packet(tcpFrame('GET / HTTP/1.1\r\nAuthorization: Basic Zm9v\r\n\r\n'));
    stage.apply(p);
    expect(Buffer.from(p.data.subarray(14 + 40)).toString('latin1')).toBe(
      `GET / HTTP/1.1\r\n${'X'.repeat(25)}\r\n\r\n`,
    );
  });
});

describe('other link types (tcpdump -i any captures read with -r)', () => {
  /** The same Ethernet frame's IP packet behind a Linux cooked (SLL2) header. */
  const sll2 = (frame: Uint8Array, ifindex: number, packetType: number) => {
    const header = Buffer.alloc(20);
    header.writeUInt16BE(0x0800, 0);
    header.writeUInt32BE(ifindex, 4);
    header.writeUInt8(packetType, 10);
    return new Uint8Array(Buffer.concat([header, frame.subarray(14)]));
  };

  it('masks payloads behind SLL2 headers too', () => {
    const stage = new MaskStage({ regex: ['secret'], ranges: [], fill: 0x2a });
    const p = packet(sll2(udpFrame('a secret here'), 3, 0), 0, 276);
    stage.apply(p);
    expect(Buffer.from(p.data).toString('latin1')).toContain('a ****** here');
  });

  it('de-duplicates the in and out copies of an SLL capture (other ifindex and packet type)', () => {
    const stage = new DedupStage(0.01);
    expect(stage.apply(packet(sll2(udpFrame('x', { ttl: 64 }), 3, 4), 1, 276))).toBe(true);
    expect(stage.apply(packet(sll2(udpFrame('x', { ttl: 63 }), 7, 0), 1.001, 276))).toBe(false);
  });
});
