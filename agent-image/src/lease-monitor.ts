import { type KubeConfigLike, watchList } from '../../main/kube/inventory/index.js';
import type { RawObject } from '../../main/kube/inventory/records.js';

type LeaseRaw = RawObject & { spec?: { renewTime?: string; leaseDurationSeconds?: number } };

/**
 * The dead-man switch's eyes. A renewal is a *change* of the Lease's renewTime seen by this agent
 * (through a watch: one connection per node, not a poll), timed by this agent's own monotonic
 * clock: the desktop's clock may be minutes off and must not decide. Anything that keeps us from
 * seeing renewals (API unreachable, Lease deleted) counts as not renewed: when in doubt, stop.
 */
export class LeaseMonitor {
  private lastRenewTime: string | undefined;
  private lastChangeAt = performance.now();
  private ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private active = true;
  private readonly watch;

  constructor(
    kubeConfig: KubeConfigLike,
    namespace: string,
    name: string,
    ttlSeconds: number,
    private readonly onChange: (active: boolean, why: string) => void,
    private readonly checkMs = 250,
  ) {
    this.ttlMs = ttlSeconds * 1000;
    this.watch = watchList(
      kubeConfig,
      `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`,
      { fieldSelector: `metadata.name=${name}`, what: 'the session Lease' },
      (raw) => (raw as LeaseRaw).spec ?? {},
    );
    this.watch.onChange((changes) => {
      for (const change of changes) {
        if (change.type === 'deleted') continue;
        if (change.record.leaseDurationSeconds) this.ttlMs = change.record.leaseDurationSeconds * 1000;
        if (change.record.renewTime !== this.lastRenewTime) {
          this.lastRenewTime = change.record.renewTime;
          this.lastChangeAt = performance.now();
        }
      }
      this.check();
    });
  }

  start(): void {
    this.watch.start();
    this.timer = setInterval(() => this.check(), this.checkMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.watch.stop();
  }

  isActive(): boolean {
    return this.active;
  }

  private check(): void {
    const silentMs = performance.now() - this.lastChangeAt;
    const active = silentMs <= this.ttlMs;
    if (active === this.active) return;
    this.active = active;
    const why = this.watch.status().lastError?.message;
    this.onChange(
      active,
      active
        ? 'session Lease renewed: mirroring resumes'
        : `session Lease not renewed for ${Math.round(silentMs / 1000)} s (TTL ${this.ttlMs / 1000} s)${why ? `; ${why}` : ''}: mirroring stops`,
    );
  }
}
