import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PacketStore } from '../../../main/capture/packet-store/packet-store.js';
import type { StoreStats } from '../../../main/capture/packet-store/types.js';
import { appendNumbered, storeParent, TAPS } from './store-fixtures.js';

const { parent, remove } = storeParent('notify');
afterAll(remove);

describe('PacketStore change notifications', () => {
  let now = 0;
  const clock = { now: () => now };
  const advance = (ms: number) => {
    now += ms;
    vi.advanceTimersByTime(ms);
  };
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('batches: one notification per interval however many packets came, none when idle', async () => {
    const store = new PacketStore({ tempDirectory: parent, clock, notifyIntervalMs: 50 });
    store.addInterface(TAPS[0] as (typeof TAPS)[0]);
    const heard: StoreStats[] = [];
    const unsubscribe = store.subscribe((stats) => heard.push(stats));
    advance(0);
    expect(heard.map((s) => s.count)).toEqual([0]); // a new subscriber hears the state at once
    for (let n = 1; n <= 10_000; n++) appendNumbered(store, n * 2, 60);
    advance(49);
    expect(heard).toHaveLength(1);
    advance(1);
    expect(heard).toHaveLength(2);
    expect(heard[1]).toMatchObject({
      count: 10_000,
      displayedCount: 10_000,
      firstNumber: 1,
      lastNumber: 10_000,
    });
    expect(heard[1]).toMatchObject({
      droppedByLimit: 0,
      droppedBacklog: 0,
      interfaces: 1,
      filter: undefined,
    });
    advance(500);
    expect(heard).toHaveLength(2); // nothing changed, nothing said
    appendNumbered(store, 2, 60);
    advance(0);
    expect(heard.map((s) => s.count)).toEqual([0, 10_000, 10_001]); // idle for long: told at once
    unsubscribe();
    appendNumbered(store, 2, 60);
    advance(100);
    expect(heard).toHaveLength(3);
    vi.useRealTimers();
    await store.close();
  });

  it('tells every subscriber, each with its own unsubscribe', async () => {
    const store = new PacketStore({ tempDirectory: parent, clock, notifyIntervalMs: 10 });
    store.addInterface(TAPS[0] as (typeof TAPS)[0]);
    const a: number[] = [];
    const b: number[] = [];
    const stopA = store.subscribe((s) => a.push(s.count));
    store.subscribe((s) => b.push(s.count));
    advance(10);
    stopA();
    appendNumbered(store, 2, 60);
    advance(10);
    expect([a, b]).toEqual([[0], [0, 1]]);
    vi.useRealTimers();
    await store.close();
  });
});
