import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { addClsact, deleteDevice, type TunnelSpec } from './commands.js';
import { type Exec, reasonOf, runBatch } from './exec.js';
import type { SessionIdentity } from './identity.js';
import { isGone, type MirrorFilters, type TcLine, type WantedMirror } from './mirror-filters.js';
import { compileMirrorProgram, type MirrorProgram } from './mirror-program.js';
import type { NodeView } from './resolve-interface.js';
import type { TunnelRef } from './tap-counters.js';
import { createTunnelDevices, deviceIsIntact } from './tunnel-devices.js';
import { type EngineConfig, HOOKS, type Hook, type TapTarget, type TargetStatus } from './types.js';

export interface Tunnel extends TunnelRef {
  /** The device existed once: recreating it is a restoration. */
  created: boolean;
}

/** What the engine knows of one selected pod. */
export interface PodTap {
  target: TapTarget;
  /** Host-side interface our filters are on (or go on). */
  iface?: string;
  /** An interface we left (pod re-created, IP moved) whose filters must still go. */
  staleIface?: string;
  tunnels?: Record<Hook, Tunnel>;
  status: TargetStatus;
  /** When verify() may retry a failed pod. */
  retryAt?: number;
}

/** One look at the node, shared by every pod of a call. */
export interface NodeSnapshot {
  node: NodeView;
  /** Interfaces with a clsact qdisc. */
  clsact: Set<string>;
}

/** Per pod: why it failed, and how many things that had been in place it had to put back. */
export interface Outcome {
  failed: Map<PodTap, string>;
  /** Not failures: shown in the pod's status (IPv6 left to addrgenmode alone). */
  warnings: Map<PodTap, string>;
  restored: number;
}

/**
 * The kernel work for many pods at once, each step one `ip`/`tc` batch for all of them (a node
 * with a hundred pods stays within the verify budget); a failing line fails only its pod.
 */
export class PodTapper {
  /** Interfaces whose clsact qdisc we added (true) or found (false). */
  private readonly qdiscOwned = new Map<string, boolean>();
  private program?: MirrorProgram;
  private collector?: Promise<string>;

  constructor(
    private readonly config: EngineConfig,
    private readonly exec: Exec,
    private readonly id: SessionIdentity,
    private readonly filters: MirrorFilters,
  ) {}

  newTunnels(allocate: () => number): Record<Hook, Tunnel> {
    const make = (): Tunnel => {
      const tunnelId = allocate();
      const zero = () => ({ packets: 0, bytes: 0 });
      return {
        tunnelId,
        device: this.id.deviceName(tunnelId),
        created: false,
        installed: false,
        base: zero(),
        last: zero(),
      };
    };
    return { ingress: make(), egress: make() };
  }

  /** Creates the pods' missing or broken tunnel devices. Returns those re-created (their filters lost them). */
  async ensureDevices(pods: readonly PodTap[], view: NodeSnapshot, outcome: Outcome): Promise<Set<Tunnel>> {
    const todo: { pod: PodTap; tunnel: Tunnel; spec: TunnelSpec }[] = [];
    for (const pod of pods)
      for (const tunnel of Object.values(pod.tunnels ?? {})) {
        const spec = await this.spec(tunnel);
        if (!deviceIsIntact(view.node.links.get(tunnel.device), spec)) todo.push({ pod, tunnel, spec });
      }
    const broken = todo.filter((t) => view.node.links.has(t.tunnel.device));
    await runBatch(
      this.exec,
      'ip',
      broken.map((t) => deleteDevice(t.tunnel.device).args),
    );
    const { failed, warnings } = await createTunnelDevices(
      this.exec,
      todo.map((t) => t.spec),
    );
    const recreated = new Set<Tunnel>();
    for (const { pod, tunnel, spec } of todo) {
      const reason = failed.get(spec.name);
      if (reason) {
        if (!outcome.failed.has(pod)) outcome.failed.set(pod, reason);
        continue;
      }
      if (tunnel.created) outcome.restored++;
      tunnel.created = true;
      recreated.add(tunnel);
      if (warnings.length) outcome.warnings.set(pod, warnings.join('; '));
    }
    return recreated;
  }

  /** Why no mirror program can be made (a filter libpcap rejects, a collector name that does not resolve). */
  async programProblem(): Promise<string | undefined> {
    try {
      await this.mirrorProgram();
      return undefined;
    } catch (error) {
      return reasonOf(error);
    }
  }

  /**
   * Puts both mirror filters of every pod in place (clsact added where absent, and marked ours),
   * or, when `paused`, takes every mirror filter away. Pods that succeed get their status.
   */
  async ensureFilters(
    pods: readonly PodTap[],
    view: NodeSnapshot,
    paused: boolean,
    recreated: ReadonlySet<Tunnel>,
    outcome: Outcome,
  ): Promise<void> {
    const fail = (pod: PodTap, reason: string) => {
      if (!outcome.failed.has(pod)) outcome.failed.set(pod, reason);
    };
    let program: MirrorProgram | undefined;
    try {
      program = paused ? undefined : await this.mirrorProgram();
    } catch (error) {
      for (const pod of pods) fail(pod, reasonOf(error));
      return;
    }
    // clsact where there is none: one batch; a qdisc that appeared meanwhile is one we found.
    const fresh = new Set<PodTap>();
    const needQdisc = program ? pods.filter((p) => !view.clsact.has(p.iface as string)) : [];
    const added = await runBatch(
      this.exec,
      'tc',
      needQdisc.map((p) => addClsact(p.iface as string).args),
    );
    needQdisc.forEach((pod, i) => {
      const reason = added.failed.get(i);
      if (reason && !/exists/i.test(reason)) fail(pod, `adding a clsact qdisc to ${pod.iface}: ${reason}`);
      else {
        if (!reason) fresh.add(pod);
        this.qdiscOwned.set(pod.iface as string, !reason);
        view.clsact.add(pod.iface as string);
      }
    });
    const listed = pods.filter((p) => !fresh.has(p) && view.clsact.has(p.iface as string));
    const listing = await this.filters.list(listed.map((p) => p.iface as string));
    const lines: TcLine<PodTap>[] = [];
    const adding = new Map<PodTap, Hook[]>();
    for (const pod of pods) {
      if (outcome.failed.has(pod)) continue;
      const iface = pod.iface as string;
      const current =
        fresh.has(pod) || !view.clsact.has(iface) ? { ingress: [], egress: [] } : listing.get(iface);
      if (current instanceof Error || !current) {
        fail(pod, current?.message ?? `no filter listing for ${iface}`);
        continue;
      }
      if (!program) {
        lines.push(...this.filters.removeMirrorLines(pod, iface, current));
        continue;
      }
      if (!this.qdiscOwned.has(iface)) this.qdiscOwned.set(iface, false);
      if (fresh.has(pod)) lines.push(this.filters.markerLine(pod, iface));
      const tunnels = pod.tunnels as Record<Hook, Tunnel>;
      const wanted: WantedMirror[] = HOOKS.map((hook) => ({
        hook,
        handle: tunnels[hook].tunnelId,
        tunnel: tunnels[hook].device,
        force: recreated.has(tunnels[hook]),
      }));
      try {
        const plan = this.filters.mirrorLines(pod, iface, current, wanted, program);
        lines.push(...plan.lines);
        adding.set(pod, plan.added);
      } catch (error) {
        fail(pod, reasonOf(error));
      }
    }
    for (const [pod, reason] of await this.filters.apply(lines)) fail(pod, reason);
    for (const pod of pods) {
      if (outcome.failed.has(pod)) continue;
      const tunnels = pod.tunnels as Record<Hook, Tunnel>;
      if (!program) for (const t of Object.values(tunnels)) t.installed = false;
      for (const hook of adding.get(pod) ?? []) {
        const t = tunnels[hook];
        if (t.installed) outcome.restored++;
        // A re-added filter counts from zero: keep what the old one had counted.
        t.base = { packets: t.base.packets + t.last.packets, bytes: t.base.bytes + t.last.bytes };
        t.last = { packets: 0, bytes: 0 };
        t.installed = true;
      }
      const message = outcome.warnings.get(pod);
      pod.status = {
        key: pod.target.key,
        state: program ? 'tapped' : 'paused',
        interface: pod.iface,
        ...(message ? { message } : {}),
      };
    }
  }

  /** Takes our filters (and a clsact we added, when nothing else is on it) off interfaces. */
  async leave(ifaces: readonly { owner: PodTap; dev: string }[]): Promise<Map<PodTap, string>> {
    const listing = await this.filters.list(ifaces.map((i) => i.dev));
    const failures = new Map<PodTap, string>();
    const lines: TcLine<PodTap>[] = [];
    for (const { owner, dev } of ifaces) {
      const current = listing.get(dev);
      if (current instanceof Error || !current) {
        if (current && !isGone(current)) failures.set(owner, current.message);
        continue; // an interface that is gone took our filters with it
      }
      lines.push(
        ...this.filters.removeAllLines(owner, dev, current, this.qdiscOwned.get(dev) ?? false).lines,
      );
    }
    for (const [owner, reason] of await this.filters.apply(lines)) failures.set(owner, reason);
    for (const { owner, dev } of ifaces) if (!failures.has(owner)) this.qdiscOwned.delete(dev);
    return failures;
  }

  /** Deletes the pods' tunnel devices (one batch). */
  async deleteDevices(pods: readonly PodTap[]): Promise<Map<PodTap, string>> {
    const lines = pods.flatMap((pod) => Object.values(pod.tunnels ?? {}).map((t) => ({ pod, t })));
    const { failed } = await runBatch(
      this.exec,
      'ip',
      lines.map(({ t }) => deleteDevice(t.device).args),
    );
    const failures = new Map<PodTap, string>();
    for (const [index, reason] of failed) {
      const entry = lines[index];
      if (entry && !isGone(reason)) failures.set(entry.pod, `deleting ${entry.t.device}: ${reason}`);
    }
    return failures;
  }

  private async spec(t: Tunnel): Promise<TunnelSpec> {
    return {
      transport: this.config.transport,
      name: t.device,
      tunnelId: t.tunnelId,
      remote: await this.collectorIP(),
      local: this.config.nodeIP,
      port: this.config.collector.port,
      alias: `${this.id.alias} tunnel=${t.tunnelId}`,
    };
  }

  /** The collector as an address (a name is looked up once; a failed look-up is retried). */
  private collectorIP(): Promise<string> {
    const { address } = this.config.collector;
    if (isIP(address)) return Promise.resolve(address);
    this.collector ??= lookup(address).then(
      (r) => r.address,
      (error: Error) => {
        this.collector = undefined;
        throw new Error(`collector ${address}: ${error.message}`);
      },
    );
    return this.collector;
  }

  private async mirrorProgram(): Promise<MirrorProgram> {
    if (this.program) return this.program;
    const { transport, nodeIP, collector, filter } = this.config;
    try {
      this.program = compileMirrorProgram(
        { collector: await this.collectorIP(), nodeIP, transport, port: collector.port },
        filter,
      );
    } catch (error) {
      throw new Error(`capture filter ${JSON.stringify(filter ?? '')}: ${reasonOf(error)}`);
    }
    return this.program;
  }
}
