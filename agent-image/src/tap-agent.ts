import type { NodeStatus } from '../../main/kube/deploy/node-status.js';
import { sessionNames } from '../../main/kube/deploy/session.js';
import type { SessionConfig } from '../../main/kube/deploy/session-config.js';
import type { KubeConfigLike } from '../../main/kube/inventory/index.js';
import { LeaseMonitor } from './lease-monitor.js';
import { SelectedPods } from './selected-pods.js';
import { watchSessionConfig } from './session-config-watch.js';
import { StatusPublisher } from './status-publisher.js';
import type { Tap, TapEngine } from './tap-engine/index.js';
import type { TunnelProbeSender } from './tunnel-probe-sender.js';

export interface TapAgentDeps {
  kubeConfig: KubeConfigLike;
  config: SessionConfig;
  node: string;
  nodeIP: string;
  namespace: string;
  /** `announce` publishes taps about to start (EngineConfig.announce). */
  engine: (config: SessionConfig, announce: (upcoming: Tap[]) => Promise<void>) => TapEngine;
  log: (line: string) => void;
  /** Drops outside the engine's counters (the api stream's backlog); default none. */
  streamDropped?: () => number;
  /** Proves this node's tunnels arrive (kernel transports); absent = no probes. */
  probe?: TunnelProbeSender;
  /** How often filters are verified and the status refreshed; changes within 2 s need ≤ 1 s. */
  tickMs?: number;
}

/**
 * The agent's session loop: selected pods on this node → tap engine, kept in step with pod churn,
 * selection changes pushed through the session ConfigMap, CNI resyncs (verify) and the session
 * Lease (dead-man switch), with this node's status published for the broker and the user.
 */
export class TapAgent {
  private engine: TapEngine;
  private readonly pods: SelectedPods;
  private readonly lease: LeaseMonitor;
  private readonly publisher: StatusPublisher;
  private config: SessionConfig;
  private problems: { pod?: string; message: string }[] = [];
  private mirroring: NodeStatus['mirroring'] = 'starting';
  private busy: Promise<void> = Promise.resolve();
  private dirty = true;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private unwatchConfig: () => void = () => {};

  constructor(private readonly deps: TapAgentDeps) {
    this.config = deps.config;
    this.engine = deps.engine(deps.config, this.announce);
    this.pods = new SelectedPods(deps.kubeConfig, deps.node, () => this.markDirty());
    const n = sessionNames(deps.config.sessionId);
    this.lease = new LeaseMonitor(
      deps.kubeConfig,
      deps.namespace,
      n.lease,
      deps.config.lease.ttlSeconds,
      (active, why) => {
        deps.log(why);
        this.serial(() => (active ? this.engine.resume() : this.engine.pause()));
        this.mirroring = active ? 'active' : 'paused';
      },
    );
    this.publisher = new StatusPublisher(deps.kubeConfig, deps.namespace, deps.config.sessionId);
  }

  async start(): Promise<void> {
    await this.engine.cleanupLeftovers();
    this.pods.select(this.config.selection);
    this.lease.start();
    this.unwatchConfig = watchSessionConfig(
      this.deps.kubeConfig,
      this.deps.namespace,
      sessionNames(this.config.sessionId).configMap,
      (next) => this.serial(() => this.applyConfig(next)),
      this.deps.log,
    );
    this.mirroring = 'active';
    this.timer = setInterval(() => this.serial(() => this.tick()), this.deps.tickMs ?? 1000);
  }

  /** SIGTERM: every mirror, device and filter of ours goes. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.lease.stop();
    this.unwatchConfig();
    this.pods.stop();
    await this.busy;
    await this.engine.removeAll();
  }

  private markDirty(): void {
    this.dirty = true;
    // Pod churn is acted on at once, not at the next tick: "tapped within 2 s".
    this.serial(() => this.tick());
  }

  /** Engine calls never overlap: each waits for the one before. */
  private serial(step: () => Promise<unknown>): void {
    this.busy = this.busy.then(step).then(
      () => undefined,
      (error: unknown) => this.deps.log(`error: ${(error as Error).message}`),
    );
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.dirty) {
      this.dirty = false;
      const result = await this.engine.reconcile(this.pods.targets());
      this.problems = result.problems;
      // New tunnels are named for the broker at once, not after verify: fewer unnamed packets.
      await this.publish();
    }
    if (this.lease.isActive()) {
      const restored = await this.engine.verify();
      if (restored > 0) this.deps.log(`restored ${restored} mirror filter(s) something else removed`);
      const { probe } = this.deps;
      if (probe && this.config.transport !== 'api' && probe.due())
        probe.send((await this.engine.counters()).map((c) => c.device));
    }
    await this.publish();
  }

  private readonly announce = (upcoming: Tap[]) => this.publish(upcoming);

  /** `upcoming`: taps whose filters go in right after this (named before their first packet). */
  private async publish(upcoming: Tap[] = []): Promise<void> {
    const current = await this.engine.taps();
    const known = new Set(current.map((t) => t.tunnelId));
    const status: NodeStatus = {
      version: 1,
      node: this.deps.node,
      nodeIP: this.deps.nodeIP,
      sessionId: this.config.sessionId,
      updated: new Date().toISOString(),
      mirroring: this.mirroring,
      taps: [...current, ...upcoming.filter((t) => !known.has(t.tunnelId))],
      dropped: await this.dropped(),
      problems: [...this.problems, ...this.pods.problems().map((message) => ({ message }))],
    };
    await this.publisher
      .publish(status)
      .catch((error: Error) => this.deps.log(`status not published: ${error.message}`));
  }

  private async dropped(): Promise<number> {
    const counters = await this.engine.counters().catch(() => []);
    const engine = counters.reduce((sum, c) => sum + c.mirrorDrops + c.tunnelTxDropped + c.tunnelTxErrors, 0);
    return engine + (this.deps.streamDropped?.() ?? 0);
  }

  /** A new session config (selection or filter pushed by the app). */
  private async applyConfig(next: SessionConfig): Promise<void> {
    if (JSON.stringify(next) === JSON.stringify(this.config)) return;
    const filterChanged = next.filter !== this.config.filter || next.transport !== this.config.transport;
    this.deps.log('session changed: applying the new selection');
    this.config = next;
    if (filterChanged) {
      await this.engine.removeAll();
      this.engine = this.deps.engine(next, this.announce);
      if (!this.lease.isActive()) await this.engine.pause();
    }
    this.pods.select(next.selection);
    this.dirty = true;
  }
}
