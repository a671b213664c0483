import { afterAll, describe, expect, it } from 'vitest';
import type { PacketMeta, StoreStats } from '../../../main/capture/packet-store/types.js';
import { appendNumbered, filledStore, storeParent, tick } from './store-fixtures.js';

const { parent, remove } = storeParent('filter');
afterAll(remove);

const numberOf = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
const even = (_n: number, bytes: Uint8Array) => numberOf(bytes) % 2 === 0;

describe('PacketStore display filter', () => {
  it('shows only what the predicate accepts; rows and row lookups follow the filter', async () => {
    const store = filledStore(parent, 1000);
    expect(await store.setDisplayFilter(even)).toEqual({ displayedCount: 500, cancelled: false });
    expect(store.stats()).toMatchObject({
      count: 1000,
      displayedCount: 500,
      filter: { processed: 1000, total: 1000, done: true },
    });
    expect((await store.rows(0, 3)).map((r) => r.number)).toEqual([2, 4, 6]);
    expect((await store.rows(0, 3, 'all')).map((r) => r.number)).toEqual([1, 2, 3]);
    expect([store.rowOf(10, 'displayed'), store.rowOf(11, 'displayed'), store.rowOf(11, 'all')]).toEqual([
      4, -1, 10,
    ]);
    expect(store.numberAt(499, 'displayed')).toBe(1000);
    expect(store.numberAt(500, 'displayed')).toBeUndefined();
    await store.close();
  });

  it('hands the predicate each packet’s number, bytes and metadata', async () => {
    const store = filledStore(parent, 4);
    const seen: Array<Omit<PacketMeta, 'tsHigh' | 'tsLow'> & { n: number; bytes: number }> = [];
    await store.setDisplayFilter((n, bytes, meta) => {
      const { tsHigh: _h, tsLow: _l, ...rest } = meta;
      seen.push({ n, bytes: bytes.length, ...rest });
      return true;
    });
    expect(seen[1]).toEqual({
      n: 2,
      bytes: 260,
      number: 2,
      interfaceId: 0,
      linkType: 1,
      tsResolution: 9,
      capturedLength: 260,
      originalLength: 260,
      flags: 1,
    });
    expect(seen.map((s) => [s.n, s.interfaceId, s.tsResolution])).toEqual([
      [1, 1, 6],
      [2, 0, 9],
      [3, 1, 6],
      [4, 0, 9],
    ]);
    await store.close();
  });

  it('runs in slices: timers fire and progress is reported while a slow filter works', async () => {
    const store = filledStore(parent, 3000, { filterSliceMs: 5, notifyIntervalMs: 1 });
    const progress: StoreStats['filter'][] = [];
    store.subscribe((s) => progress.push(s.filter));
    let timerTicks = 0;
    const timer = setInterval(() => timerTicks++, 1);
    const slow = (_n: number, bytes: Uint8Array) => {
      const until = performance.now() + 0.01;
      while (performance.now() < until);
      return even(_n, bytes);
    };
    const outcome = await store.setDisplayFilter(slow);
    clearInterval(timer);
    expect(outcome.displayedCount).toBe(1500);
    expect(timerTicks).toBeGreaterThan(2);
    const partial = progress.filter((p) => p !== undefined && p.processed > 0 && !p.done);
    expect(partial.length).toBeGreaterThan(0);
    await store.close();
  });

  it('keeps the displayed packets up to date as new packets arrive', async () => {
    const store = filledStore(parent, 100);
    await store.setDisplayFilter(even);
    for (let n = 101; n <= 200; n++) appendNumbered(store, n, 80);
    await tick();
    await tick();
    expect(store.stats().displayedCount).toBe(100);
    expect(store.numberAt(99, 'displayed')).toBe(200);
    await store.close();
  });

  it('a new filter replaces one still running; no filter shows everything', async () => {
    const store = filledStore(parent, 20_000);
    const first = store.setDisplayFilter(even);
    const second = store.setDisplayFilter((_n, bytes) => numberOf(bytes) % 1000 === 0);
    expect(await first).toMatchObject({ cancelled: true });
    expect(await second).toEqual({ displayedCount: 20, cancelled: false });
    expect(await store.setDisplayFilter(undefined)).toEqual({ displayedCount: 20_000, cancelled: false });
    expect(store.stats()).toMatchObject({ displayedCount: 20_000, filter: undefined });
    expect(store.numberAt(5, 'displayed')).toBe(6);
    await store.close();
  });

  it('a predicate that throws hides that packet and the pass goes on', async () => {
    const store = filledStore(parent, 10);
    const outcome = await store.setDisplayFilter((n) => {
      if (n === 3) throw new Error('bad packet');
      return true;
    });
    expect(outcome.displayedCount).toBe(9);
    await store.close();
  });
});
