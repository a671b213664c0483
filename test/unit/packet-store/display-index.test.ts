import { describe, expect, it } from 'vitest';
import { DisplayIndex } from '../../../main/capture/packet-store/display-index.js';

describe('DisplayIndex', () => {
  it('maps rows to packet numbers and back', () => {
    const index = new DisplayIndex();
    for (const n of [3, 5, 8, 13]) index.push(n);
    expect(index.length).toBe(4);
    expect([0, 1, 2, 3, 4, -1].map((row) => index.at(row))).toEqual([3, 5, 8, 13, undefined, undefined]);
    expect(index.rowOf(8)).toBe(2);
    expect(index.rowOf(7)).toBe(-1);
    expect(index.rowOf(100)).toBe(-1);
  });

  it('drops numbers the ring dropped and grows without losing any', () => {
    const index = new DisplayIndex();
    for (let n = 1; n <= 5000; n += 2) index.push(n);
    index.dropBefore(2001);
    expect(index.at(0)).toBe(2001);
    expect(index.length).toBe(1500);
    for (let n = 5001; n <= 20000; n += 2) index.push(n);
    expect(index.length).toBe(1500 + 7500);
    expect(index.at(index.length - 1)).toBe(19999);
    expect(index.rowOf(2001)).toBe(0);
    expect(Array.from(index.view().subarray(0, 3))).toEqual([2001, 2003, 2005]);
    index.dropBefore(30000);
    expect(index.length).toBe(0);
  });
});
