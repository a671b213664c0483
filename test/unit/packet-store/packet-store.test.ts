import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { AllowList } from '../../../main/broker/allow-list.js';
import { Broker, type PacketSink } from '../../../main/broker/broker.js';
import { BrokerCounters } from '../../../main/broker/counters.js';
import { encodeVxlanHeader } from '../../../main/broker/decode/vxlan.js';
import { type InterfaceSink, TunnelInterfaces } from '../../../main/broker/tunnel-interfaces.js';
import { TunnelMap } from '../../../main/broker/tunnel-map.js';
import { PacketStore } from '../../../main/capture/packet-store/packet-store.js';
import type { PacketSummary } from '../../../main/capture/packet-store/types.js';
import { appendNumbered, filledStore, packetBytes, storeParent, TAPS } from './store-fixtures.js';

const { parent, remove } = storeParent('store');
afterAll(remove);

describe('PacketStore: what the packet list shows', () => {
  it('an empty store has no rows, no packets and says so', async () => {
    const store = new PacketStore({ tempDirectory: parent });
    expect(await store.rows(0, 50)).toEqual([]);
    expect(await store.readPacket(1)).toBeUndefined();
    expect(store.stats()).toMatchObject({ count: 0, displayedCount: 0, firstNumber: 1, lastNumber: 0 });
    await store.close();
  });

  it('numbers packets from 1 and shows time, pod, direction, lengths for the rows asked', async () => {
    const store = filledStore(parent, 10);
    const rows = await store.rows(2, 3, 'all');
    expect(rows.map((r) => r.number)).toEqual([3, 4, 5]);
    const [three, four] = rows;
    expect(four?.interface).toMatchObject({
      name: TAPS[0]?.name,
      description: TAPS[0]?.description,
      pod: { node: 'node-a', namespace: 'shop', name: 'cart-7', direction: 'ingress' },
    });
    expect(three?.interface.pod).toEqual({
      node: 'node-b',
      namespace: 'kube-system',
      name: 'dns-1',
      direction: 'egress',
    });
    // Packet n is n ms after the epoch second 1_700_000_000 + µs: packet 1 is the reference.
    expect(three?.time.relative).toBeCloseTo(0.002, 9);
    expect(four?.time).toEqual({ relative: 0.003, epochSeconds: 1_700_000_000, nanoseconds: 4_000_000 });
    expect([four?.length, four?.capturedLength, four?.flags]).toEqual([460, 460, 1]);
    expect(await store.readPacket(4)).toEqual(Buffer.from(packetBytes(4, 460)));
    await store.close();
  });

  it('summarizes only the rows asked for, once, with the dissector given', async () => {
    const seen: number[] = [];
    const summarize = (linkType: number, bytes: Uint8Array, originalLength: number): PacketSummary => {
      const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
      seen.push(n);
      return {
        source: `s${n}`,
        destination: 'd',
        protocol: `lt${linkType}`,
        info: `${originalLength}`,
        colour: 'red',
      };
    };
    const store = filledStore(parent, 1000, { summarize });
    const rows = await store.rows(500, 3, 'all');
    expect(rows.map((r) => r.summary)).toEqual([
      { source: 's501', destination: 'd', protocol: 'lt1', info: '460', colour: 'red' },
      { source: 's502', destination: 'd', protocol: 'lt1', info: '560', colour: 'red' },
      { source: 's503', destination: 'd', protocol: 'lt1', info: '660', colour: 'red' },
    ]);
    await store.rows(499, 5, 'all');
    expect(seen).toEqual([501, 502, 503, 500, 504]);
    await store.close();
  });

  it('without a dissector, rows name the link type and the lengths; a failing dissector shows on its row', async () => {
    const plain = filledStore(parent, 1);
    expect((await plain.rows(0, 1))[0]?.summary).toEqual({
      source: '',
      destination: '',
      protocol: 'Ethernet',
      info: '160 bytes',
    });
    await plain.close();
    const failing = filledStore(parent, 1, {
      summarize: () => {
        throw new Error('boom');
      },
    });
    expect((await failing.rows(0, 1))[0]?.summary.info).toBe('summary failed: boom');
    await failing.close();
  });

  it('keeps zero-length and snaplen-cut packets with both lengths', async () => {
    const store = new PacketStore({ tempDirectory: parent });
    const id = store.addInterface({ name: 'file.pcap', linkType: 1, tsResolution: 6 });
    expect(store.append(id, 0, 1, new Uint8Array(0), 0, 0)).toBe(1);
    expect(store.append(id, 0, 2, packetBytes(2, 96), 1500, 0)).toBe(2);
    expect(store.append(id, 0, 3, new Uint8Array(0), 64, 0)).toBe(3);
    const rows = await store.rows(0, 10);
    expect(rows.map((r) => [r.number, r.length, r.capturedLength])).toEqual([
      [1, 0, 0],
      [2, 1500, 96],
      [3, 64, 0],
    ]);
    expect(rows[1]?.summary.info).toBe('1500 bytes (96 captured)');
    expect(rows[1]?.interface.pod).toBeUndefined();
    expect(await store.readPacket(1)).toEqual(Buffer.alloc(0));
    expect(await store.readPacket(2)).toEqual(Buffer.from(packetBytes(2, 96)));
    await store.close();
  });

  it('takes interfaces added mid-capture, and refuses packets of interfaces never added', async () => {
    const store = filledStore(parent, 3);
    const late = store.addInterface({ name: 'node-c/web/api-1 (egress)', linkType: 101, tsResolution: 6 });
    expect(late).toBe(2);
    expect(store.append(late, 0, 5, packetBytes(4, 40), 40, 2)).toBe(4);
    const row = (await store.rows(3, 1))[0];
    expect([row?.interface.name, row?.interface.linkType, row?.summary.protocol]).toEqual([
      'node-c/web/api-1 (egress)',
      101,
      'Raw IP',
    ]);
    expect(() => store.append(9, 0, 0, new Uint8Array(1), 1, 0)).toThrow(RangeError);
    await store.close();
  });

  it('flush() puts every packet on disk, in segment files, and they read back in order', async () => {
    const store = filledStore(parent, 20_000, { bufferBytes: 64 * 1024, segmentBytes: 1 << 20 });
    await store.flush();
    const files = fs.readdirSync(store.directory).filter((f) => f.startsWith('spill-'));
    expect(files.length).toBeGreaterThan(5);
    const onDisk = files.reduce((sum, f) => sum + fs.statSync(`${store.directory}/${f}`).size, 0);
    expect(onDisk).toBe(store.stats().spillBytes);
    const rows = await store.rows(19_990, 50);
    expect(rows.map((r) => r.number)).toEqual(Array.from({ length: 10 }, (_, i) => 19_991 + i));
    for (const n of [1, 7777, 20_000])
      expect(await store.readPacket(n)).toEqual(Buffer.from(packetBytes(n, 60 + (n % 7) * 100)));
    await store.close();
  });

  it('refuses and counts packets while the disk is behind; loaders wait with hasRoom/whenWritable', async () => {
    const store = filledStore(parent, 0, { maxBacklogBytes: 16 * 1024, bufferBytes: 4096 });
    const numbers = Array.from({ length: 100 }, (_, i) => appendNumbered(store, i + 1, 1000));
    const refused = numbers.filter((n) => n === 0).length;
    expect(refused).toBeGreaterThan(0);
    expect(store.stats()).toMatchObject({ count: 100 - refused, droppedBacklog: refused });
    expect(store.hasRoom(1000)).toBe(false);
    await store.whenWritable();
    expect(store.hasRoom(1000)).toBe(true);
    await store.close();
    await expect(store.whenWritable()).rejects.toThrow(/closed/);
  });

  it('close() removes its spill directory and further packets are refused', async () => {
    const store = filledStore(parent, 100);
    expect(fs.existsSync(store.directory)).toBe(true);
    await store.close();
    expect(fs.existsSync(store.directory)).toBe(false);
    expect(appendNumbered(store, 101, 60)).toBe(0);
    await store.close(); // twice is fine
  });
});

describe('PacketStore as the broker sink', () => {
  it('takes the broker’s packets the way the pcapng writer does, pod-named', async () => {
    const store = new PacketStore({ tempDirectory: parent });
    const sink: PacketSink & InterfaceSink = store;
    const interfaces = new TunnelInterfaces(
      sink,
      new TunnelMap([{ tunnelId: 100, name: 'node-a/shop/cart-7 (egress)', direction: 'outbound' }]),
    );
    const broker = new Broker({
      counters: new BrokerCounters(),
      allow: new AllowList([], []),
      interfaces,
      sink,
    });
    const inner = packetBytes(1, 60);
    const datagram = Buffer.concat([encodeVxlanHeader(100), inner]);
    broker.ingestVxlanDatagram(datagram, '192.0.2.1', 0, 1_000_000, 6);
    broker.ingestVxlanDatagram(datagram, '192.0.2.1', 0, 2_000_000_000, 9);
    const rows = await store.rows(0, 10);
    expect(rows.map((r) => [r.number, r.interface.name, r.flags, r.time.relative])).toEqual([
      [1, 'node-a/shop/cart-7 (egress)', 2, 0],
      [2, 'node-a/shop/cart-7 (egress)', 2, 1], // converted to the interface's µs by the broker
    ]);
    expect(await store.readPacket(2)).toEqual(Buffer.from(inner));
    await store.close();
  });
});
