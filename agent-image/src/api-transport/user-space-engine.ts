import { defaultExec, type Exec, reasonOf } from '../tap-engine/exec.js';
import { parseLinks } from '../tap-engine/iproute-json.js';
import { resolveHostInterfaces } from '../tap-engine/resolve-interface.js';
import { TUNNEL_DEVICE_PREFIX, tunnelIdAllocator } from '../tap-engine/tunnel-devices.js';
import {
  type CleanupReport,
  HOOKS,
  type Hook,
  podDirectionOf,
  type ReconcileResult,
  type Tap,
  type TapCounters,
  type TapEngine,
  type TapTarget,
  type TargetStatus,
} from '../tap-engine/types.js';
import { forEachRecord, type PcapBinding } from './pcap-binding.js';
import type { StreamHub } from './stream-hub.js';

const SNAP_LENGTH = 262144;
/** Kernel ring per capture: 200 pod directions stay near 200 MiB on a busy node. */
const BUFFER_BYTES = 1024 * 1024;
const POLL_MS = 10;
const MAX_PACKETS_PER_READ = 2000;

export interface UserSpaceEngineDeps {
  sessionId: string;
  nodeName: string;
  tunnelIdBase: number;
  filter?: string;
  pcap: PcapBinding;
  hub: StreamHub;
  exec?: Exec;
  /** Publishes taps about to start, before their first packet (EngineConfig.announce). */
  announce?: (upcoming: Tap[]) => Promise<void>;
  /** Removes what a kernel-mode run of this session left (the transport changed, or kill -9). */
  cleanupKernelLeftovers: () => Promise<CleanupReport>;
}

interface Capture {
  hook: Hook;
  tunnelId: number;
  handle?: unknown;
  packets: number;
  bytes: number;
}

interface PodCapture {
  target: TapTarget;
  iface?: string;
  status: TargetStatus;
  captures: Capture[];
}

/**
 * The `api` transport's engine: instead of tc mirrors into tunnel devices, a libpcap capture per
 * (pod host interface, direction) with the same capture filter, streamed to the desktop through
 * the API server (stream-hub.ts). Same pod interface resolution and tunnel IDs as the kernel
 * engine, so node status, labels and pcapng interfaces do not change with the transport. The data
 * path crosses user space: slower than mirred, but it reaches desktops no tunnel can.
 */
export class UserSpaceTapEngine implements TapEngine {
  private readonly exec: Exec;
  private readonly pods = new Map<string, PodCapture>();
  private readonly usedIds = new Set<number>();
  private paused = false;
  private readonly poller: NodeJS.Timeout;

  constructor(private readonly deps: UserSpaceEngineDeps) {
    this.exec = deps.exec ?? defaultExec();
    this.poller = setInterval(() => this.poll(), POLL_MS);
  }

  cleanupLeftovers(): Promise<CleanupReport> {
    return this.deps.cleanupKernelLeftovers();
  }

  async reconcile(targets: readonly TapTarget[]): Promise<ReconcileResult> {
    const wanted = new Map(targets.map((t) => [t.key, t]));
    for (const [key, pod] of this.pods)
      if (!wanted.has(key)) {
        this.closeAll(pod);
        for (const c of pod.captures) this.usedIds.delete(c.tunnelId);
        this.pods.delete(key);
      }
    for (const target of wanted.values()) {
      const pod = this.pods.get(target.key);
      if (pod) pod.target = target;
      else this.pods.set(target.key, { target, status: { key: target.key, state: 'waiting' }, captures: [] });
    }
    await this.ensure([...this.pods.values()]);
    const statuses = this.statuses();
    return {
      statuses,
      problems: statuses
        .filter((s) => s.state === 'waiting' || s.state === 'failed')
        .map((s) => ({ pod: s.key, message: s.message ?? s.state })),
    };
  }

  /** Pods whose capture broke (interface gone, pod IP moved) are looked up and opened again.
   *  Returns 0: nothing here is "restored after something else removed it" as with tc filters. */
  async verify(): Promise<number> {
    if (this.paused) return 0;
    const broken = [...this.pods.values()].filter((p) => p.status.state !== 'tapped');
    await this.ensure(broken);
    return 0;
  }

  async pause(): Promise<void> {
    this.paused = true;
    for (const pod of this.pods.values()) {
      this.closeAll(pod);
      if (pod.status.state === 'tapped') pod.status = { ...pod.status, state: 'paused' };
    }
  }

  async resume(): Promise<void> {
    this.paused = false;
    await this.ensure([...this.pods.values()]);
  }

  async removeAll(): Promise<void> {
    clearInterval(this.poller);
    for (const pod of this.pods.values()) this.closeAll(pod);
    this.pods.clear();
    this.usedIds.clear();
  }

  async taps(): Promise<Tap[]> {
    return [...this.pods.values()].flatMap((pod) => this.tapsOf(pod));
  }

  async counters(): Promise<TapCounters[]> {
    return [...this.pods.values()].flatMap((pod) =>
      pod.captures.map((c) => {
        const [, dropped = 0, ifDropped = 0] = c.handle ? this.deps.pcap.stats(c.handle) : [];
        return {
          tunnelId: c.tunnelId,
          device: `${pod.iface ?? '?'}:${c.hook}`,
          packets: c.packets,
          bytes: c.bytes,
          mirrorDrops: dropped + ifDropped,
          tunnelTxErrors: 0,
          tunnelTxDropped: 0,
        };
      }),
    );
  }

  statuses(): TargetStatus[] {
    return [...this.pods.values()].map((p) => p.status);
  }

  private async ensure(pods: PodCapture[]): Promise<void> {
    if (pods.length === 0) return;
    let linksText: string;
    try {
      linksText = await this.exec('ip', ['-j', '-d', 'link', 'show']);
    } catch (error) {
      for (const pod of pods) pod.status = { key: pod.target.key, state: 'failed', message: reasonOf(error) };
      return;
    }
    const links = parseLinks(linksText);
    const view = {
      links: new Map(links.map((l) => [l.name, l])),
      isOurDevice: (name: string) => name.startsWith(TUNNEL_DEVICE_PREFIX),
      fdb: new Map(),
    };
    const answers = await resolveHostInterfaces(
      this.exec,
      view,
      pods.map((p) => p.target.podIP),
    );
    const allocate = tunnelIdAllocator(this.deps.tunnelIdBase, links, this.usedIds);
    const opening: { pod: PodCapture; iface: string }[] = [];
    pods.forEach((pod, i) => {
      const answer = answers[i];
      if (!answer?.ok) {
        this.closeAll(pod);
        pod.iface = undefined;
        pod.status = {
          key: pod.target.key,
          state: answer?.state ?? 'failed',
          message: answer?.ok === false ? answer.message : 'not resolved',
        };
        return;
      }
      if (pod.iface !== answer.iface) this.closeAll(pod);
      pod.iface = answer.iface;
      if (pod.captures.length === 0)
        pod.captures = HOOKS.map((hook) => {
          const tunnelId = allocate();
          this.usedIds.add(tunnelId);
          return { hook, tunnelId, packets: 0, bytes: 0 };
        });
      if (this.paused) pod.status = { key: pod.target.key, state: 'paused', interface: answer.iface };
      else opening.push({ pod, iface: answer.iface });
    });
    const fresh = opening.filter(({ pod }) => pod.status.state !== 'tapped' && pod.status.state !== 'paused');
    if (fresh.length > 0 && this.deps.announce)
      await this.deps.announce(fresh.flatMap(({ pod }) => this.tapsOf(pod))).catch(() => undefined);
    for (const { pod, iface } of opening) this.open(pod, iface);
  }

  private open(pod: PodCapture, iface: string): void {
    try {
      for (const capture of pod.captures)
        capture.handle ??= this.deps.pcap.open(
          iface,
          // Host-veth ingress (received by the host side) is what the pod sends.
          capture.hook === 'ingress' ? 1 : 2,
          SNAP_LENGTH,
          BUFFER_BYTES,
          this.deps.filter ?? '',
        );
      pod.status = { key: pod.target.key, state: 'tapped', interface: iface };
    } catch (error) {
      this.closeAll(pod);
      pod.status = {
        key: pod.target.key,
        state: 'failed',
        interface: iface,
        message: `capturing on ${iface}: ${reasonOf(error)}`,
      };
    }
  }

  private tapsOf(pod: PodCapture): Tap[] {
    if (pod.iface === undefined) return [];
    const iface = pod.iface;
    return pod.captures.map((c) => ({
      tunnelId: c.tunnelId,
      namespace: pod.target.namespace,
      pod: pod.target.pod,
      interface: iface,
      direction: podDirectionOf(c.hook),
      packets: c.packets,
      bytes: c.bytes,
    }));
  }

  private closeAll(pod: PodCapture): void {
    for (const capture of pod.captures)
      if (capture.handle !== undefined) {
        this.deps.pcap.close(capture.handle);
        capture.handle = undefined;
      }
  }

  private poll(): void {
    const { pcap, hub } = this.deps;
    for (const pod of this.pods.values())
      for (const capture of pod.captures) {
        if (capture.handle === undefined) continue;
        let records: Buffer | null;
        try {
          records = pcap.read(capture.handle, MAX_PACKETS_PER_READ);
        } catch (error) {
          // The interface went away under us (pod deleted, veth recreated): verify looks again.
          this.closeAll(pod);
          pod.status = { key: pod.target.key, state: 'failed', message: reasonOf(error) };
          break;
        }
        if (records === null) continue;
        forEachRecord(records, (packet) => {
          capture.packets++;
          capture.bytes += packet.originalLength;
          hub.add(capture.tunnelId, packet);
        });
      }
    hub.flush();
  }
}
