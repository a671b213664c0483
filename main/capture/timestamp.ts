/**
 * A packet timestamp as pcapng stores it: a 64-bit count split into two uint32 halves, in units
 * given by an if_tsresol byte (MSB clear: 10^-n seconds; MSB set: 2^-n seconds). Keeping the raw
 * units means files are re-written without losing a nanosecond.
 */
export interface Timestamp {
  high: number;
  low: number;
  resolution: number;
}

export const TSRESOL_MICRO = 6;
export const TSRESOL_NANO = 9;
const TWO_32 = 2 ** 32;

/** Microseconds since the epoch, as precise as the platform clock allows. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

export function fromMicros(micros: number): Timestamp {
  return { high: Math.floor(micros / TWO_32), low: micros >>> 0, resolution: TSRESOL_MICRO };
}

function unitsPerSecond(resolution: number): bigint {
  return resolution & 0x80 ? 2n ** BigInt(resolution & 0x7f) : 10n ** BigInt(resolution);
}

/** Rare slow path: a packet whose interface was created with another resolution. */
export function convertTimestamp(ts: Timestamp, resolution: number): Timestamp {
  if (ts.resolution === resolution) return ts;
  const units = (BigInt(ts.high) << 32n) | BigInt(ts.low);
  const converted = (units * unitsPerSecond(resolution)) / unitsPerSecond(ts.resolution);
  return { high: Number(converted >> 32n) >>> 0, low: Number(converted & 0xffffffffn), resolution };
}

/** Seconds since the epoch as a float, for display and duration limits. */
export function toSeconds(ts: Timestamp): number {
  const units = ts.high * TWO_32 + ts.low;
  return ts.resolution & 0x80 ? units / 2 ** (ts.resolution & 0x7f) : units / 10 ** ts.resolution;
}
