import { describe, expect, it } from 'vitest';
import { Backoff } from '../../main/kube/inventory/backoff.js';

describe('reconnect backoff', () => {
  it('doubles from 0.5 s to a 10 s ceiling, jittered between d/2 and d', () => {
    const low = new Backoff({ random: () => 0 });
    const high = new Backoff({ random: () => 0.999 });
    const lows = Array.from({ length: 8 }, () => low.next());
    const highs = Array.from({ length: 8 }, () => high.next());
    expect(lows).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    expect(highs).toEqual([500, 1000, 1999, 3998, 7996, 9995, 9995, 9995]);
  });

  it('starts over after a success', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.5 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(75);
  });

  it('spreads a fleet of clients instead of reconnecting in lockstep', () => {
    const delays = new Set(Array.from({ length: 50 }, () => new Backoff().next()));
    expect(delays.size).toBeGreaterThan(20);
  });
});
