import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertTimestamp, fromMicros, type Timestamp, toSeconds } from '../../../main/capture/timestamp.js';
import { split64 } from '../support/pcapng-walk.js';

const ts = (units: bigint, resolution: number): Timestamp => ({ ...split64(units), resolution });
const unitsOf = (t: Timestamp) => (BigInt(t.high) << 32n) | BigInt(t.low);
const BASE2 = (n: number) => 0x80 | n;

describe('convertTimestamp', () => {
  it.each([
    ['µs → ns', ts(1_700_000_000_123_456n, 6), 9, 1_700_000_000_123_456_000n],
    ['ns → µs truncates the extra digits', ts(1_700_000_000_123_456_789n, 9), 6, 1_700_000_000_123_456n],
    ['ns → µs just below a microsecond', ts(999n, 9), 6, 0n],
    ['µs → ms (if_tsresol 3)', ts(1_500_999n, 6), 3, 1_500n],
    ['µs → seconds (if_tsresol 0)', ts(2_999_999n, 6), 0, 2n],
    ['2^-20 s → µs, exact', ts((5n << 20n) + (1n << 19n), BASE2(20)), 6, 5_500_000n],
    ['2^-20 s → ns, exact', ts((5n << 20n) + (1n << 19n), BASE2(20)), 9, 5_500_000_000n],
    ['2^-30 s → ns truncates', ts(1n, BASE2(30)), 9, 0n], // 0.93 ns
    ['2^-30 s → ns, one second', ts(1n << 30n, BASE2(30)), 9, 1_000_000_000n],
    ['µs → 2^-10 s', ts(1_000_000n, 6), BASE2(10), 1024n],
    ['µs → 2^-20 s truncates', ts(1n, 6), BASE2(20), 1n], // 1.048576 units
    ['2^-10 s → 2^-20 s', ts(3n, BASE2(10)), BASE2(20), 3n << 10n],
  ])('%s', (_, from, resolution, expected) => {
    const converted = convertTimestamp(from, resolution);
    expect(converted.resolution).toBe(resolution);
    expect(unitsOf(converted)).toBe(expected);
    expect(converted.low).toBeGreaterThanOrEqual(0);
    expect(converted.low).toBeLessThan(2 ** 32);
  });

  it('carries into the high word exactly', () => {
    const converted = convertTimestamp(ts(0xffff_ffffn, 6), 9); // 4294.967295 s
    expect(converted).toEqual({ high: 999, low: 4294966296, resolution: 9 }); // 4294967295000 = 999 × 2^32 + 4294966296
  });

  it('returns the timestamp unchanged when the resolution already matches', () => {
    const same = ts(123n, 9);
    expect(convertTimestamp(same, 9)).toBe(same);
  });

  it('µs → ns → µs is the identity for any present-day time (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 4_000_000_000_000_000n }), (micros) => {
        const there = convertTimestamp(ts(micros, 6), 9);
        expect(unitsOf(there)).toBe(micros * 1000n);
        expect(unitsOf(convertTimestamp(there, 6))).toBe(micros);
      }),
      { seed: 6, numRuns: 1000 },
    );
  });

  it('ns → µs rounds down, never up, and never loses more than one microsecond (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (nanos) => {
        const micros = unitsOf(convertTimestamp(ts(nanos, 9), 6));
        expect(micros * 1000n <= nanos && nanos < (micros + 1n) * 1000n).toBe(true);
      }),
      { seed: 9, numRuns: 1000 },
    );
  });
});

describe('fromMicros and toSeconds', () => {
  it('splits microseconds into the pcapng high and low words', () => {
    expect(fromMicros(1_700_000_000_123_456)).toEqual({ ...split64(1_700_000_000_123_456n), resolution: 6 });
    expect(fromMicros(2 ** 32)).toEqual({ high: 1, low: 0, resolution: 6 });
  });

  it('gives seconds for decimal and base-2 resolutions', () => {
    expect(toSeconds(ts(1_500_000n, 6))).toBe(1.5);
    expect(toSeconds(ts(2_250_000_000n, 9))).toBe(2.25);
    expect(toSeconds(ts(3n << 19n, BASE2(20)))).toBe(1.5);
    expect(toSeconds(fromMicros(1_700_000_000_000_000))).toBe(1_700_000_000);
  });
});
