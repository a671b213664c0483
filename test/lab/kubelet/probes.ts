import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import type { V1Probe } from '@kubernetes/client-node';

/**
 * One probe attempt. httpGet and tcpSocket go from the harness (host namespace) to the pod IP,
 * like kubelet's probes from the node; the host has routes to every pod CIDR. exec runs the
 * command inside the container's namespaces and root (nsenter -t PID).
 */
export function probeOnce(probe: V1Probe, podIP: string, pid: number | undefined): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const g = probe.httpGet;
    return new Promise((resolve) => {
      const req = http.get(
        {
          host: g.host || podIP,
          port: Number(g.port),
          path: g.path ?? '/',
          headers: Object.fromEntries((g.httpHeaders ?? []).map((h) => [h.name, h.value])),
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  }
  if (probe.tcpSocket) {
    const t = probe.tcpSocket;
    return new Promise((resolve) => {
      const socket = net.connect({ host: t.host || podIP, port: Number(t.port), timeout: timeoutMs });
      socket.on('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('error', () => resolve(false));
    });
  }
  if (probe.exec?.command?.length && pid !== undefined) {
    const args = ['-t', String(pid), '-m', '-n', '-u', '-r', '-w', '--', ...(probe.exec.command ?? [])];
    return new Promise((resolve) =>
      execFile('nsenter', args, { timeout: timeoutMs }, (error) => resolve(!error)),
    );
  }
  return Promise.resolve(probe.grpc === undefined);
}

/**
 * Runs a probe on its schedule and reports transitions: success after successThreshold passes,
 * failure after failureThreshold misses (kubelet's rules; the first result decides immediately
 * only in the success direction, as a container starts not-ready).
 */
export class Prober {
  private timer: NodeJS.Timeout | undefined;
  private passes = 0;
  private misses = 0;
  private ok = false;
  private stopped = false;

  constructor(
    private readonly probe: V1Probe,
    private readonly target: () => { podIP: string; pid: number | undefined },
    private readonly onResult: (ok: boolean) => void,
  ) {}

  start(): void {
    this.timer = setTimeout(() => void this.tick(), (this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    const { podIP, pid } = this.target();
    const ok = await probeOnce(this.probe, podIP, pid);
    if (this.stopped) return;
    if (ok) {
      this.misses = 0;
      if (++this.passes >= (this.probe.successThreshold ?? 1) && !this.ok) {
        this.ok = true;
        this.onResult(true);
      }
    } else {
      this.passes = 0;
      if (++this.misses >= (this.probe.failureThreshold ?? 3) && this.ok) {
        this.ok = false;
        this.onResult(false);
      } else if (!this.ok && this.misses >= (this.probe.failureThreshold ?? 3)) this.onResult(false);
    }
    this.timer = setTimeout(() => void this.tick(), (this.probe.periodSeconds ?? 10) * 1000);
  }
}
