import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureSession } from '../../../main/broker/capture-session.js';
import type { CaptureStats } from '../../../main/broker/capture-stats.js';
import { encodeVxlanHeader } from '../../../main/broker/decode/vxlan.js';

/** The in-process API the UI will use: start, subscribe to counters, done. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-session-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function pcapOfVxlan(file: string, count: number): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(101, 20); // raw IP: outer IPv4 straight away
  const records = Array.from({ length: count }, (_, i) => {
    const inner = Buffer.alloc(60, i & 0xff);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(4789, 2);
    udp.writeUInt16BE(8 + 8 + inner.length, 4);
    const ip = Buffer.alloc(20);
    ip.writeUInt8(0x45, 0);
    ip.writeUInt16BE(20 + 16 + inner.length, 2);
    ip.writeUInt8(17, 9);
    Buffer.from([192, 0, 2, 1 + (i % 2), 192, 0, 2, 9]).copy(ip, 12);
    const packet = Buffer.concat([ip, udp, encodeVxlanHeader(100), inner]);
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000 + i, 0);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    return Buffer.concat([record, packet]);
  });
  fs.writeFileSync(file, Buffer.concat([header, ...records]));
}

function options(readFile: string, writeFile: string, allowPeers: string[] = []) {
  return {
    vxlan: [{ address: '0.0.0.0', port: 4789, family: 'udp4' as const }],
    gre: false,
    readFile,
    decapsulate: true,
    writeFile,
    stopAfter: {},
    allowPeers,
    tunnelIds: [],
    application: 'ClusterTap test',
  };
}

describe('CaptureSession', () => {
  it('accounts for every packet: received = not allowed + delivered, delivered = written', async () => {
    const input = path.join(dir, 'in.pcap');
    pcapOfVxlan(input, 1000);
    const session = new CaptureSession(options(input, path.join(dir, 'out.pcapng'), ['192.0.2.1/32']));
    await session.start();
    const stats = await session.done();
    expect(stats.received).toBe(1000);
    expect(stats.notAllowed.peer).toBe(500);
    expect(stats.delivered).toBe(500);
    expect(stats.written).toBe(500);
    expect(stats.interfaces).toEqual([
      expect.objectContaining({ name: 'vxlan:192.0.2.1/vni=100', received: 500, written: 500, dropped: 0 }),
    ]);
    expect(stats.stopReason).toBe('end-of-input');
  });

  it('subscribe() delivers statistics until its unsubscribe is called, and the final ones at the end', async () => {
    const input = path.join(dir, 'sub.pcap');
    pcapOfVxlan(input, 10);
    // Live mode on an ephemeral port: nothing arrives, the counters are still published.
    const live = { ...options(input, path.join(dir, 'sub.pcapng')), readFile: undefined };
    const session = new CaptureSession({
      ...live,
      vxlan: [{ address: '127.0.0.1', port: 0, family: 'udp4' }],
    });
    await session.start();
    const seen: CaptureStats[] = [];
    const unsubscribe = session.subscribe((s) => seen.push(s), 20);
    await new Promise((resolve) => setTimeout(resolve, 110));
    unsubscribe();
    const countAfterUnsubscribe = seen.length;
    expect(countAfterUnsubscribe).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(seen.length).toBe(countAfterUnsubscribe);

    const last: CaptureStats[] = [];
    session.subscribe((s) => last.push(s), 10_000);
    session.stop('stopped');
    const final = await session.done();
    expect(last.at(-1)).toEqual(final);
    expect(final.stopReason).toBe('stopped');
  });
});
