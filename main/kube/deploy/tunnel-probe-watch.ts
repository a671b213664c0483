import type { NodeStatus } from './node-status.js';

/** Three probes (one every 2 s) may be lost before a node counts as unreachable. */
export const PROBE_WAIT_MS = 7000;

export interface UnreachableNode {
  node: string;
  nodeIP: string;
  waitedMs: number;
}

/**
 * Decides whether each node's tunnels reach this machine: a node that has mirrored for
 * PROBE_WAIT_MS without one of its tunnel probes arriving here is unreachable (NAT, a firewall or
 * a VPN drops the tunnel). Nodes with nothing tapped send no probe and are not judged.
 */
export class TunnelProbeWatch {
  private readonly probeFrom = new Map<string, number>();
  private readonly mirroringSince = new Map<string, { node: string; since: number }>();

  constructor(private readonly waitMs = PROBE_WAIT_MS) {}

  probeArrived(peer: string, now = Date.now()): void {
    this.probeFrom.set(peer, now);
  }

  /** The agents' published status: which nodes mirror now. */
  observe(statuses: readonly NodeStatus[], now = Date.now()): void {
    const mirroring = new Set<string>();
    for (const s of statuses)
      if (s.mirroring === 'active' && s.taps.length > 0) {
        mirroring.add(s.nodeIP);
        if (!this.mirroringSince.has(s.nodeIP))
          this.mirroringSince.set(s.nodeIP, { node: s.node, since: now });
      }
    for (const ip of this.mirroringSince.keys()) if (!mirroring.has(ip)) this.mirroringSince.delete(ip);
  }

  anyArrived(): boolean {
    return this.probeFrom.size > 0;
  }

  reachable(nodeIP: string): boolean {
    return this.probeFrom.has(nodeIP);
  }

  unreachable(now = Date.now()): UnreachableNode[] {
    return [...this.mirroringSince]
      .filter(([ip, m]) => !this.probeFrom.has(ip) && now - m.since >= this.waitMs)
      .map(([nodeIP, m]) => ({ node: m.node, nodeIP, waitedMs: now - m.since }));
  }
}
