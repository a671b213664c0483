import type { PipelinePacket, Stage } from './stage.js';

export interface SampleOptions {
  mode: 'every' | 'random';
  oneIn: number;
  seed?: number | undefined;
  maxPacketsPerSecond?: number | undefined;
}

/**
 * `--sample 1:N` keeps every Nth packet (the 1st, N+1th, ...); `--sample random:1:N` keeps each
 * with probability 1/N from a seeded generator (repeatable); `--sample-rate PPS` caps what is
 * left with a token bucket driven by packet time, so a file gives the same result as live.
 */
export class SampleStage implements Stage {
  readonly name = 'sample';
  private seen = 0;
  private random: () => number;
  private tokens: number;
  private lastSeconds: number | undefined;

  constructor(private readonly options: SampleOptions) {
    this.random = mulberry32(options.seed ?? Date.now());
    this.tokens = 1; // no initial burst: the cap holds from the first second
  }

  apply(packet: PipelinePacket): boolean {
    const { mode, oneIn, maxPacketsPerSecond } = this.options;
    if (oneIn > 1) {
      const keep = mode === 'every' ? this.seen++ % oneIn === 0 : this.random() * oneIn < 1;
      if (!keep) return false;
    }
    return maxPacketsPerSecond === undefined || this.takeToken(packet.seconds, maxPacketsPerSecond);
  }

  private takeToken(seconds: number, rate: number): boolean {
    if (this.lastSeconds !== undefined && seconds > this.lastSeconds)
      this.tokens = Math.min(rate, this.tokens + (seconds - this.lastSeconds) * rate);
    this.lastSeconds = Math.max(seconds, this.lastSeconds ?? seconds);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** "1:N" as the flow exporter and the pcapng note report it. */
  get description(): string {
    const parts = [];
    if (this.options.oneIn > 1)
      parts.push(`${this.options.mode === 'every' ? 'every' : 'random'} 1:${this.options.oneIn}`);
    if (this.options.maxPacketsPerSecond !== undefined)
      parts.push(`at most ${this.options.maxPacketsPerSecond} packets/s`);
    return `sampled ${parts.join(', ')}`;
  }
}

/** A small, fast, seedable PRNG (public domain): sampling must be repeatable for a given seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
