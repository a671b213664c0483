import { tunnelProbeFrame } from '../../main/broker/tunnel-probe.js';

const PROBE_INTERVAL_MS = 2000;

/**
 * Sends the tunnel probe (main/broker/tunnel-probe.ts) into one of this node's tunnel devices
 * every 2 s while mirroring: the desktop switches to the api transport when no probe arrives.
 * One device is enough: every device of a node shares its source, destination and path.
 */
export class TunnelProbeSender {
  private last = 0;
  private failing = false;
  private readonly frame: Buffer;

  constructor(
    private readonly inject: (device: string, frame: Buffer) => void,
    session: string,
    node: string,
    private readonly log: (line: string) => void,
  ) {
    this.frame = tunnelProbeFrame({ session, node });
  }

  /** Whether a probe is due (the caller then lists its devices, which costs a `tc -s`). */
  due(now = Date.now()): boolean {
    return now - this.last >= PROBE_INTERVAL_MS;
  }

  /** Sends one probe into the first of this node's tunnel devices (none: nothing to prove yet). */
  send(devices: readonly string[], now = Date.now()): void {
    const device = devices[0];
    if (device === undefined) return;
    this.last = now;
    try {
      this.inject(device, this.frame);
      if (this.failing) this.log(`tunnel probe sent again on ${device}`);
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.log(`tunnel probe not sent on ${device}: ${(error as Error).message}`);
      this.failing = true;
    }
  }
}
