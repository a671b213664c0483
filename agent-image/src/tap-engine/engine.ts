import { defaultExec, type Exec, reasonOf } from './exec.js';
import { type SessionIdentity, sessionIdentity } from './identity.js';
import { parseLinks, parseQdiscs } from './iproute-json.js';
import { removeSessionLeftovers } from './leftovers.js';
import { MirrorFilters } from './mirror-filters.js';
import { type NodeSnapshot, type Outcome, type PodTap, PodTapper } from './pod-tap.js';
import { type Resolution, resolveHostInterfaces } from './resolve-interface.js';
import { readCounters } from './tap-counters.js';
import { TUNNEL_DEVICE_PREFIX, tunnelIdAllocator } from './tunnel-devices.js';
import {
  type CleanupReport,
  type EngineConfig,
  HOOKS,
  type Hook,
  podDirectionOf,
  type ReconcileResult,
  type Tap,
  type TapCounters,
  type TapEngine,
  type TapTarget,
  type TargetStatus,
} from './types.js';

/** verify() retries a failed pod this often (reconcile always does): a step that fails for good
 *  (no gretap in the kernel, a filter libpcap rejects) must not run every tick. */
const FAILED_RETRY_MS = 10_000;

export function createTapEngine(config: EngineConfig): TapEngine {
  return new KernelTapEngine(config);
}

/** See TapEngine. One instance per session and node; its calls must not overlap. */
class KernelTapEngine implements TapEngine {
  private readonly exec: Exec;
  private readonly id: SessionIdentity;
  private readonly filters: MirrorFilters;
  private readonly tapper: PodTapper;
  private readonly pods = new Map<string, PodTap>();
  /** Pods that went away but whose removal failed: retried by every call. */
  private readonly retiring: PodTap[] = [];
  private paused = false;
  private leftoversCleaned = false;

  constructor(private readonly config: EngineConfig) {
    if ((config.transport as string) === 'api')
      throw new Error('the api transport does not use the tap engine');
    this.exec = config.exec ?? defaultExec();
    this.id = sessionIdentity(config.sessionId);
    this.filters = new MirrorFilters(this.exec, this.id);
    this.tapper = new PodTapper(config, this.exec, this.id, this.filters);
  }

  async cleanupLeftovers(): Promise<CleanupReport> {
    this.leftoversCleaned = true;
    return removeSessionLeftovers(this.exec, this.id, this.filters);
  }

  async reconcile(targets: readonly TapTarget[]): Promise<ReconcileResult> {
    // The first call of a fresh engine owns nothing yet: whatever of ours is there is a leftover.
    if (!this.leftoversCleaned) await this.cleanupLeftovers();
    const wanted = new Map(targets.map((t) => [t.key, t]));
    for (const [key, pod] of this.pods)
      if (!wanted.has(key)) {
        this.pods.delete(key);
        this.retiring.push(pod);
      }
    await this.retire();
    for (const target of wanted.values()) {
      const pod = this.pods.get(target.key);
      if (pod) pod.target = target;
      else this.pods.set(target.key, { target, status: { key: target.key, state: 'waiting' } });
    }
    await this.ensureAll([...this.pods.values()], await this.snapshot(), () => true);
    const statuses = this.statuses();
    return {
      statuses,
      problems: statuses
        .filter((s) => s.state === 'waiting' || s.state === 'failed')
        .map((s) => ({ pod: s.key, message: s.message ?? s.state })),
    };
  }

  async verify(): Promise<number> {
    const deadline = Date.now() + (this.config.verifyBudgetMs ?? 2000);
    await this.retire();
    const view = await this.snapshot();
    const now = Date.now();
    const due = [...this.pods.values()].filter((p) => p.status.state !== 'failed' || (p.retryAt ?? 0) <= now);
    const resolve = (p: PodTap) =>
      p.status.state === 'failed' || p.status.state === 'waiting' || !view.node.links.has(p.iface ?? '');
    return this.ensureAll(due, view, resolve, deadline);
  }

  async pause(): Promise<void> {
    this.paused = true;
    const pods = [...this.pods.values()].filter((p) => p.iface && p.tunnels);
    const outcome: Outcome = { failed: new Map(), warnings: new Map(), restored: 0 };
    await this.tapper.ensureFilters(pods, await this.snapshot(), true, new Set(), outcome);
    if (outcome.failed.size > 0) throw new Error(`pausing: ${[...outcome.failed.values()].join('; ')}`);
  }

  async resume(): Promise<void> {
    this.paused = false;
    await this.ensureAll([...this.pods.values()], await this.snapshot(), () => false);
  }

  async removeAll(): Promise<void> {
    this.retiring.push(...this.pods.values());
    this.pods.clear();
    await this.retire();
    // Whatever we lost track of (a failed step, a restart in between) goes too.
    const sweep = await this.cleanupLeftovers();
    const left = [...this.retiring.map((p) => `${p.target.key}: ${p.status.message}`), ...sweep.errors];
    if (left.length > 0) throw new Error(`could not remove everything: ${left.join('; ')}`);
  }

  async taps(): Promise<Tap[]> {
    return (await this.counted()).map(({ rec, hook, counters }) => ({
      tunnelId: counters.tunnelId,
      namespace: rec.target.namespace,
      pod: rec.target.pod,
      interface: rec.iface as string,
      direction: hook === 'ingress' ? 'egress' : 'ingress',
      packets: counters.packets,
      bytes: counters.bytes,
    }));
  }

  async counters(): Promise<TapCounters[]> {
    return (await this.counted()).map((c) => c.counters);
  }

  statuses(): TargetStatus[] {
    return [...this.pods.values()].map((p) => p.status);
  }

  /** Published taps are the ones that carry (or, paused, will carry) traffic. */
  private counted() {
    const pods = [...this.pods.values()].filter(
      (p) => p.iface && p.tunnels && (p.status.state === 'tapped' || p.status.state === 'paused'),
    );
    return readCounters(this.exec, this.filters, pods);
  }

  private async snapshot(): Promise<NodeSnapshot> {
    const [links, qdiscs] = await Promise.all([
      this.exec('ip', ['-j', '-d', 'link', 'show']).then(parseLinks),
      this.exec('tc', ['-j', 'qdisc', 'show']).then(parseQdiscs),
    ]);
    return {
      node: {
        links: new Map(links.map((l) => [l.name, l])),
        isOurDevice: (name) => name.startsWith(TUNNEL_DEVICE_PREFIX),
        fdb: new Map(),
      },
      clsact: new Set(qdiscs.filter((q) => q.kind === 'clsact').map((q) => q.dev)),
    };
  }

  /**
   * Brings pods to their desired state, each phase one batch for all of them: find interfaces,
   * assign interfaces and tunnel IDs (in order, so two pods never claim one interface), leave
   * interfaces pods moved away from, make devices, put filters in place. A pod's failure becomes
   * its status; the rest carry on. Returns how many things that had been in place were restored.
   */
  private async ensureAll(
    pods: PodTap[],
    view: NodeSnapshot,
    reresolve: (pod: PodTap) => boolean,
    deadline = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    const asked = pods.filter((p) => reresolve(p) || !p.iface);
    const answers = await resolveHostInterfaces(
      this.exec,
      view.node,
      asked.map((p) => p.target.podIP),
    ).catch((error: unknown) =>
      asked.map((): Resolution => ({ ok: false, state: 'failed', message: reasonOf(error) })),
    );
    const found = new Map(asked.map((p, i) => [p, answers[i] as Resolution]));
    const ready = this.assign(pods, found, view);
    const outcome: Outcome = { failed: new Map(), warnings: new Map(), restored: 0 };
    const leaving = pods.flatMap((p) => (p.staleIface ? [{ owner: p, dev: p.staleIface }] : []));
    for (const [pod, reason] of await this.tapper.leave(leaving)) outcome.failed.set(pod, reason);
    for (const { owner } of leaving) if (!outcome.failed.has(owner)) owner.staleIface = undefined;
    const problem = this.paused ? undefined : await this.tapper.programProblem();
    // Over budget (verify): the rest is for the next call. A filter that cannot compile: no
    // device is made for nothing.
    const go = Date.now() <= deadline ? ready.filter((p) => !outcome.failed.has(p)) : [];
    if (problem) for (const pod of go) outcome.failed.set(pod, problem);
    else {
      const recreated = await this.tapper.ensureDevices(go, view, outcome);
      const left = go.filter((p) => !outcome.failed.has(p));
      await this.announce(left);
      await this.tapper.ensureFilters(left, view, this.paused, recreated, outcome);
    }
    const now = Date.now();
    for (const [pod, reason] of outcome.failed)
      pod.status = { key: pod.target.key, state: 'failed', interface: pod.iface, message: reason };
    for (const p of pods) p.retryAt = p.status.state === 'failed' ? now + FAILED_RETRY_MS : undefined;
    return outcome.restored;
  }

  /** Names the tunnels of pods not published yet (see EngineConfig.announce). */
  private async announce(pods: readonly PodTap[]): Promise<void> {
    const { announce } = this.config;
    if (!announce || this.paused) return;
    const upcoming = pods
      .filter((p) => p.status.state !== 'tapped' && p.status.state !== 'paused' && p.iface && p.tunnels)
      .flatMap((p) =>
        HOOKS.map((hook) => ({
          tunnelId: (p.tunnels as Record<Hook, { tunnelId: number }>)[hook].tunnelId,
          namespace: p.target.namespace,
          pod: p.target.pod,
          interface: p.iface as string,
          direction: podDirectionOf(hook),
          packets: 0,
          bytes: 0,
        })),
      );
    if (upcoming.length > 0) await announce(upcoming).catch(() => undefined);
  }

  /** Phase 2: interfaces and tunnel IDs, in order. Returns the pods ready for the kernel work. */
  private assign(pods: readonly PodTap[], found: Map<PodTap, Resolution>, view: NodeSnapshot): PodTap[] {
    const claimed = new Map<string, string>();
    for (const p of this.pods.values()) if (p.iface) claimed.set(p.iface, p.target.key);
    const allocate = tunnelIdAllocator(
      this.config.tunnelIdBase,
      [...view.node.links.values()],
      new Set([...this.pods.values()].flatMap((p) => Object.values(p.tunnels ?? {}).map((t) => t.tunnelId))),
    );
    const ready: PodTap[] = [];
    for (const p of pods) {
      const key = p.target.key;
      const resolution = found.get(p);
      const iface = resolution === undefined ? p.iface : resolution.ok ? resolution.iface : undefined;
      if (iface !== p.iface) {
        if (p.iface && claimed.get(p.iface) === key) claimed.delete(p.iface);
        p.staleIface ??= p.iface;
        p.iface = undefined;
        for (const t of Object.values(p.tunnels ?? {})) t.installed = false;
      }
      if (resolution && !resolution.ok) {
        p.status = { key, state: resolution.state, message: resolution.message };
        continue;
      }
      const holder = iface ? claimed.get(iface) : undefined;
      if (!iface || (holder && holder !== key)) {
        p.status = {
          key,
          state: 'failed',
          interface: iface,
          message: `${iface} already carries ${holder}'s tap`,
        };
        continue;
      }
      claimed.set(iface, key);
      p.iface = iface;
      try {
        p.tunnels ??= this.tapper.newTunnels(allocate);
        ready.push(p);
      } catch (error) {
        p.status = { key, state: 'failed', interface: iface, message: reasonOf(error) };
      }
    }
    return ready;
  }

  /** Removes what pods that went away had: filters, the qdisc if ours, devices. */
  private async retire(): Promise<void> {
    const pods = this.retiring.splice(0);
    const ifaces = pods.flatMap((p) =>
      [p.iface, p.staleIface].flatMap((dev) => (dev ? [{ owner: p, dev }] : [])),
    );
    const failures = await this.tapper.leave(ifaces);
    for (const [pod, reason] of await this.tapper.deleteDevices(pods.filter((p) => !failures.has(p))))
      failures.set(pod, reason);
    for (const [pod, reason] of failures) {
      pod.status = { key: pod.target.key, state: 'failed', message: `removing its tap: ${reason}` };
      this.retiring.push(pod);
    }
  }
}
