export interface BackoffOptions {
  /** First delay; default 500 ms. */
  initialMs?: number;
  /** Ceiling; default 10 s. */
  maxMs?: number;
  /** [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": the n-th delay is uniform in [d/2, d) for
 * d = min(max, initial·2ⁿ). Jitter keeps a fleet of clients (every open ClusterTap and agent)
 * from reconnecting in lockstep after an API-server restart; the half that is fixed keeps
 * one client from retrying in a tight loop.
 */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next retry; each call doubles the next one up to the ceiling. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** After a success: the next failure starts from the initial delay again. */
  reset(): void {
    this.attempt = 0;
  }
}
