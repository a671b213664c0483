import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../../main/capture/read-capture.js';
import { appendNumbered, filledStore, packetBytes, storeParent, tick } from './store-fixtures.js';

const { parent, remove } = storeParent('ring');
afterAll(remove);

describe('PacketStore limits: a ring that drops the oldest packets', () => {
  it('holds at most maxPackets, keeps numbering, and counts what it dropped', async () => {
    const store = filledStore(parent, 5000, { maxPackets: 1000 });
    const stats = store.stats();
    expect(stats.count).toBeLessThanOrEqual(1000);
    expect(stats.count).toBeGreaterThan(990); // dropped a 256th of the limit at a time
    expect(stats.lastNumber).toBe(5000);
    expect(stats.firstNumber).toBe(5000 - stats.count + 1);
    expect(stats.droppedByLimit).toBe(5000 - stats.count);
    expect((await store.rows(0, 1, 'all'))[0]?.number).toBe(stats.firstNumber);
    expect(await store.readPacket(1)).toBeUndefined();
    expect(await store.readPacket(5000)).toEqual(Buffer.from(packetBytes(5000, 60 + (5000 % 7) * 100)));
    expect(store.rowOf(1, 'all')).toBe(-1);
    await store.close();
  });

  it('maxPackets = 1 keeps the newest packet', async () => {
    const store = filledStore(parent, 5, { maxPackets: 1 });
    expect(store.stats()).toMatchObject({ count: 1, firstNumber: 5, droppedByLimit: 4 });
    expect(await store.readPacket(5)).toEqual(Buffer.from(packetBytes(5, 60 + 5 * 100)));
    await store.close();
  });

  it('stays within maxSpillBytes by deleting the oldest segment files', async () => {
    const store = filledStore(
      parent,
      2000,
      { maxSpillBytes: 64 * 1024, segmentBytes: 16 * 1024, bufferBytes: 4096 },
      () => 500,
    );
    await store.whenWritable();
    const stats = store.stats();
    expect(stats.spillBytes).toBeLessThanOrEqual(64 * 1024);
    expect(stats.droppedByLimit).toBe(2000 - stats.count);
    expect(stats.count).toBeGreaterThan((48 * 1024) / 500);
    await tick();
    const segments = fs.readdirSync(store.directory).filter((f) => f.startsWith('spill-'));
    expect(segments.length).toBeLessThanOrEqual(5);
    expect(await store.readPacket(stats.firstNumber)).toEqual(
      Buffer.from(packetBytes(stats.firstNumber, 500)),
    );
    await store.close();
  });

  it('the display index and exports follow the ring', async () => {
    const store = filledStore(parent, 1000, { maxPackets: 512 });
    await store.setDisplayFilter((n) => n % 10 === 0);
    for (let n = 1001; n <= 2000; n++) appendNumbered(store, n, 100);
    await tick();
    await tick();
    const { firstNumber, count, displayedCount } = store.stats();
    expect(store.numberAt(0, 'displayed')).toBe(Math.ceil(firstNumber / 10) * 10);
    expect(displayedCount).toBe(Math.floor(2000 / 10) - Math.floor((firstNumber - 1) / 10));
    const out = `${parent}/ring.pcapng`;
    const result = await store.export('all', out);
    expect(result).toEqual({ packets: count, missing: 0 });
    const selected = await store.export({ selected: [1, firstNumber, 2000] }, `${parent}/sel.pcapng`);
    expect(selected).toEqual({ packets: 2, missing: 1 });
    const capture = await openCapture(out);
    let packets = 0;
    for await (const _ of capture.records) packets++;
    await capture.close();
    expect(packets).toBe(count);
    await store.close();
  });

  it('packets dropped while a filter pass runs are neither shown nor examined twice', async () => {
    const store = filledStore(parent, 4000, { maxPackets: 2048, filterSliceMs: 1 });
    const examined = new Map<number, number>();
    const pass = store.setDisplayFilter((n) => {
      examined.set(n, (examined.get(n) ?? 0) + 1);
      const until = performance.now() + 0.005;
      while (performance.now() < until);
      return n % 3 === 0;
    });
    for (let n = 4001; n <= 8000; n++) {
      appendNumbered(store, n, 100);
      if (n % 200 === 0) await tick();
    }
    await pass;
    await tick();
    await tick();
    const { firstNumber, lastNumber, displayedCount } = store.stats();
    const shown = Array.from({ length: displayedCount }, (_, row) => store.numberAt(row, 'displayed'));
    const expected: number[] = [];
    for (let n = firstNumber; n <= lastNumber; n++) if (n % 3 === 0) expected.push(n);
    expect(shown).toEqual(expected);
    expect([...examined.values()].every((times) => times === 1)).toBe(true);
    await store.close();
  });
});
