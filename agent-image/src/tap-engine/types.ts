import type { NodeTap } from '../../../main/kube/deploy/node-status.js';
import type { Exec } from './exec.js';

/** A pod the agent should mirror (the session loop's selection on this node). */
export interface TapTarget {
  /** `namespace/pod`: what the engine keys its state by. */
  key: string;
  namespace: string;
  pod: string;
  podIP: string;
}

export interface EngineConfig {
  sessionId: string;
  nodeName: string;
  /** Source address of the tunnels (`local`); empty = let the route decide. */
  nodeIP: string;
  /** Where the tunnels go: the broker (`clustertap capture`). An IP address or a resolvable name. */
  collector: { address: string; port: number };
  transport: 'vxlan' | 'gre';
  /** First tunnel ID (VNI or GRE key); one ID per (pod interface, direction) is allocated above it. */
  tunnelIdBase: number;
  /** Capture filter (tcpdump syntax); runs in the tc filter, so what does not match stays on the node. */
  filter?: string;
  /** Runs `ip`, `tc`, `bridge`, `sysctl`; default execFile. Tests pass one that enters a netns. */
  exec?: Exec;
  /**
   * Called with the taps about to start, after their devices exist and before their filters go
   * in: the session loop publishes them, so the broker knows each new tunnel's pod before its
   * first packet (no packets under a generic tunnel name). Its failure does not stop the tap.
   */
  announce?: (upcoming: Tap[]) => Promise<void>;
  /** How long verify() may take before it leaves the rest for the next call (default 2000 ms). */
  verifyBudgetMs?: number;
}

/**
 * The tc hook on the HOST side of the pod's interface. Host-veth ingress carries what the pod
 * sends (pod egress); host-veth egress carries what the pod receives (pod ingress).
 */
export type Hook = 'ingress' | 'egress';
export type PodDirection = NodeTap['direction'];
export const HOOKS: readonly Hook[] = ['ingress', 'egress'];
export const podDirectionOf = (hook: Hook): PodDirection => (hook === 'ingress' ? 'egress' : 'ingress');

/**
 * - `tapped`: both mirror filters are in place.
 * - `paused`: the session Lease lapsed; tunnel devices are kept, filters removed.
 * - `waiting`: not tappable yet (a bridged pod the node has no neighbour entry for); retried by
 *   every reconcile and verify.
 * - `failed`: `message` says which step failed and why.
 */
export type TargetState = 'tapped' | 'paused' | 'waiting' | 'failed';

export interface TargetStatus {
  key: string;
  state: TargetState;
  /** Host-side interface, once found. */
  interface?: string;
  message?: string;
}

export interface ReconcileResult {
  statuses: TargetStatus[];
  /** The statuses that need the user's attention, in the shape the node status publishes. */
  problems: { pod?: string; message: string }[];
}

/** One tunnel: what the session loop publishes so the broker can name the pcapng interface. */
export type Tap = NodeTap;

export interface TapCounters {
  tunnelId: number;
  device: string;
  /** From the mirred action (`tc -s`): packets count GSO segments; ingress bytes exclude the
   *  Ethernet header (tc counts skb->len after the MAC header was pulled). */
  packets: number;
  bytes: number;
  /** Mirred could not hand the copy to the tunnel device. */
  mirrorDrops: number;
  /** The tunnel device could not send (no route to the collector, frame too large even for IP). */
  tunnelTxErrors: number;
  tunnelTxDropped: number;
}

export interface CleanupReport {
  filters: number;
  devices: number;
  qdiscs: number;
  /** What could not be removed (the rest was). */
  errors: string[];
}

export interface TapEngine {
  /** Removes whatever an earlier run of this session left (after kill -9): filters, devices, qdiscs. */
  cleanupLeftovers(): Promise<CleanupReport>;
  /** Makes the node match `targets`: taps new pods, untaps gone ones, follows interface changes. */
  reconcile(targets: readonly TapTarget[]): Promise<ReconcileResult>;
  /** Re-checks filters, qdiscs and devices; restores what something else removed; how many. */
  verify(): Promise<number>;
  /** Dead-man switch: removes every mirror filter, keeps the devices (resume is quick). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Removes every filter, device and qdisc of ours (a clsact we found stays). */
  removeAll(): Promise<void>;
  /** Tunnel ID → pod, interface, direction, with the mirrored packets and bytes. */
  taps(): Promise<Tap[]>;
  counters(): Promise<TapCounters[]>;
  statuses(): TargetStatus[];
}
