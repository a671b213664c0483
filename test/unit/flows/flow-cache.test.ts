import { describe, expect, it } from 'vitest';
import { FlowCache, type FlowTimeouts } from '../../../main/broker/flows/flow-cache.js';
import type { FlowPacket } from '../../../main/broker/flows/flow-key.js';
import type { FlowRecord } from '../../../main/broker/flows/flow-record.js';
import { addressBytes } from './support/frames.js';

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const RST = 0x04;

function packet(
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  extra: Partial<FlowPacket> = {},
): FlowPacket {
  return {
    ipVersion: src.includes(':') ? 6 : 4,
    src: addressBytes(src),
    dst: addressBytes(dst),
    protocol: TCP,
    srcPort,
    dstPort,
    vlan: 0,
    tcpFlags: ACK,
    tos: 0,
    octets: 100,
    ...extra,
  };
}

const client = (extra: Partial<FlowPacket> = {}) => packet('10.0.0.1', 40000, '10.0.0.2', 80, extra);
const server = (extra: Partial<FlowPacket> = {}) => packet('10.0.0.2', 80, '10.0.0.1', 40000, extra);

/** A cache with its exports collected; time is only what the test passes in. */
function cacheWith(timeouts: Partial<FlowTimeouts> = {}, maxFlows?: number) {
  const exported: FlowRecord[][] = [];
  const cache = new FlowCache({ timeouts, maxFlows, onExport: (records) => exported.push(records) });
  const summary = () =>
    exported.map((records) =>
      records.map((r) => `${r.srcPort}>${r.dstPort} ${r.packets}p ${r.octets}B ${r.endReason}`).join(' | '),
    );
  return { cache, exported, summary };
}

describe('FlowCache', () => {
  it('keeps both directions in one flow and exports one record per direction (softflowd)', () => {
    const { cache, exported } = cacheWith();
    cache.observe(client({ tcpFlags: SYN, tos: 0x10 }), 1000);
    cache.observe(server({ tcpFlags: SYN | ACK, octets: 60 }), 1010);
    cache.observe(client({ octets: 40 }), 1020);
    expect(cache.size).toBe(1);
    cache.flush();
    expect(exported).toHaveLength(1);
    const [forward, reverse] = exported[0] as FlowRecord[];
    expect(forward).toMatchObject({
      srcPort: 40000,
      dstPort: 80,
      packets: 2,
      octets: 140,
      tcpFlags: SYN | ACK,
    });
    expect(forward).toMatchObject({ tos: 0x10, startMs: 1000, endMs: 1020, endReason: 'forced' });
    expect([...(forward as FlowRecord).src]).toEqual([10, 0, 0, 1]);
    expect(reverse).toMatchObject({
      srcPort: 80,
      dstPort: 40000,
      packets: 1,
      octets: 60,
      startMs: 1010,
      endMs: 1010,
    });
    expect([...(reverse as FlowRecord).src]).toEqual([10, 0, 0, 2]);
  });

  it('exports a one-way flow as a single record', () => {
    const { cache, exported } = cacheWith();
    cache.observe(packet('10.0.0.7', 6000, '10.0.0.8', 6001, { protocol: UDP }), 0);
    cache.flush();
    expect(exported[0]).toHaveLength(1);
  });

  it('ends a flow idle for the inactive timeout: the next packet starts a new one', () => {
    const { cache, summary } = cacheWith({ inactiveMs: 15_000 });
    cache.observe(client(), 0);
    cache.observe(client(), 14_999); // still the same flow
    cache.observe(client(), 29_999); // idle exactly 15 s
    cache.flush();
    expect(summary()).toEqual(['40000>80 2p 200B idle', '40000>80 1p 100B forced']);
  });

  it('expires idle flows when told the time, without a packet of theirs (tick)', () => {
    const { cache, summary } = cacheWith({ inactiveMs: 15_000 });
    cache.observe(client(), 0);
    cache.observe(packet('10.0.0.3', 1, '10.0.0.4', 2, { protocol: UDP }), 10_000);
    cache.expire(14_999);
    expect(summary()).toEqual([]);
    cache.expire(15_000);
    expect(summary()).toEqual(['40000>80 1p 100B idle']);
    expect(cache.size).toBe(1);
  });

  it('scans for timeouts as packet time passes, so a file needs no ticks', () => {
    const { cache, summary } = cacheWith({ inactiveMs: 15_000 });
    cache.observe(client(), 0);
    cache.observe(packet('10.0.0.3', 1, '10.0.0.4', 2, { protocol: UDP }), 20_000);
    expect(summary()).toEqual(['40000>80 1p 100B idle']);
  });

  it('splits a busy flow at the active timeout, measured from its first packet', () => {
    const { cache, summary } = cacheWith({ activeMs: 1_800_000, inactiveMs: 15_000 });
    for (let t = 0; t <= 1_805_000; t += 10_000) cache.observe(client(), t);
    cache.flush();
    expect(summary()).toEqual(['40000>80 180p 18000B active', '40000>80 1p 100B forced']);
  });

  it('ends a TCP flow tcp.rst after a RST from either side, instead of the inactive timeout', () => {
    const { cache, summary } = cacheWith({ inactiveMs: 15_000, tcpRstMs: 2_000 });
    cache.observe(client({ tcpFlags: SYN }), 0);
    cache.observe(server({ tcpFlags: RST | ACK }), 10);
    cache.expire(2_009);
    expect(summary()).toEqual([]);
    cache.expire(2_010);
    expect(summary()).toEqual(['40000>80 1p 100B endOfFlow | 80>40000 1p 100B endOfFlow']);
  });

  it('ends a TCP flow tcp.fin after FINs from both sides; a FIN from one side alone changes nothing', () => {
    const { cache, summary } = cacheWith({ inactiveMs: 15_000, tcpFinMs: 3_000 });
    cache.observe(client({ tcpFlags: FIN | ACK }), 0);
    cache.expire(10_000);
    expect(summary()).toEqual([]); // half-closed: still the inactive timeout
    cache.observe(server({ tcpFlags: FIN | ACK }), 10_000);
    cache.observe(client(), 10_001); // the last ACK joins the flow
    cache.expire(13_000);
    expect(summary()).toEqual([]);
    cache.expire(13_001);
    expect(summary()).toEqual(['40000>80 2p 200B endOfFlow | 80>40000 1p 100B endOfFlow']);
  });

  it('applies the FIN/RST timeouts to TCP only', () => {
    const { cache, summary } = cacheWith({ inactiveMs: 15_000, tcpRstMs: 1 });
    cache.observe(packet('10.0.0.3', 1, '10.0.0.4', 2, { protocol: UDP, tcpFlags: RST }), 0);
    cache.expire(14_999);
    expect(summary()).toEqual([]);
  });

  it('keeps ICMP echo requests and replies apart: the type is in the key (softflowd)', () => {
    const { cache, exported } = cacheWith();
    const echo = { protocol: ICMP, tcpFlags: 0 };
    cache.observe(packet('10.0.0.1', 0, '10.0.0.2', 0x0800, echo), 0);
    cache.observe(packet('10.0.0.2', 0, '10.0.0.1', 0x0000, echo), 1);
    expect(cache.size).toBe(2);
    cache.flush();
    expect(exported.map((records) => records.map((r) => `${r.srcPort}>${r.dstPort}`))).toEqual([
      ['0>2048'],
      ['0>0'],
    ]);
  });

  it('keys on the VLAN: the same 5-tuple on two VLANs is two flows', () => {
    const { cache } = cacheWith();
    cache.observe(client({ vlan: 100 }), 0);
    cache.observe(server({ vlan: 100 }), 1);
    cache.observe(client({ vlan: 200 }), 2);
    expect(cache.size).toBe(2);
  });

  it('keeps IPv4 and IPv6 apart and handles 16-byte addresses', () => {
    const { cache, exported } = cacheWith();
    cache.observe(packet('fd00::1', 5000, 'fd00::2', 5001, { protocol: UDP }), 0);
    cache.observe(packet('fd00::2', 5001, 'fd00::1', 5000, { protocol: UDP }), 1);
    cache.flush();
    expect(exported[0]?.map((r) => [r.ipVersion, r.src.length, r.srcPort])).toEqual([
      [6, 16, 5000],
      [6, 16, 5001],
    ]);
  });

  it('evicts the flow quiet longest when full, and counts it', () => {
    const { cache, exported } = cacheWith({}, 2);
    cache.observe(packet('10.0.0.1', 1, '10.0.0.9', 9), 0); // A
    cache.observe(packet('10.0.0.2', 2, '10.0.0.9', 9), 1); // B
    cache.observe(packet('10.0.0.1', 1, '10.0.0.9', 9), 2); // A again: B is now the quietest
    cache.observe(packet('10.0.0.3', 3, '10.0.0.9', 9), 3); // C pushes B out
    expect(cache.counters).toEqual({ flows: 3, evictions: 1 });
    expect(exported.map((records) => [records[0]?.srcPort, records[0]?.endReason])).toEqual([
      [2, 'lackOfResources'],
    ]);
    expect(cache.size).toBe(2);
  });

  it('tolerates packets slightly out of order: times only widen', () => {
    const { cache, exported } = cacheWith();
    cache.observe(client(), 1000);
    cache.observe(client(), 900);
    cache.flush();
    expect(exported[0]?.[0]).toMatchObject({ packets: 2, startMs: 900, endMs: 1000 });
  });

  it('rejects a cache that cannot hold a flow', () => {
    expect(() => new FlowCache({ maxFlows: 0, onExport: () => {} })).toThrow(/maxFlows/);
  });
});
