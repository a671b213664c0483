import { execFileSync } from 'node:child_process';
import { sh } from './run.js';

/**
 * Network namespaces for integration tests. Everything is named with a per-run prefix and torn
 * down in afterAll, so a failed run leaves nothing behind for the next.
 */
export class NetnsLab {
  private readonly namespaces: string[] = [];

  constructor(readonly prefix: string) {}

  static unavailableReason(): string | undefined {
    if (process.getuid?.() !== 0)
      return 'needs root (CAP_NET_ADMIN) to create network namespaces, veths and VXLAN devices';
    try {
      execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    } catch {
      return 'iproute2 (`ip`) is not installed';
    }
    return undefined;
  }

  addNamespace(name: string): string {
    const full = `${this.prefix}-${name}`;
    tryDeleteNamespace(full);
    sh('ip', ['netns', 'add', full]);
    this.namespaces.push(full);
    this.exec(full, 'ip link set lo up');
    return full;
  }

  /** Runs a shell command line inside a namespace. */
  exec(netns: string, command: string): string {
    return sh('ip', ['netns', 'exec', netns, 'sh', '-c', command]);
  }

  /** A veth pair between two namespaces, with addresses (CIDR) and MTU. */
  link(
    a: { ns: string; dev: string; cidr?: string },
    b: { ns: string; dev: string; cidr?: string },
    mtu = 1500,
  ): void {
    sh('ip', [
      'link',
      'add',
      a.dev,
      'netns',
      a.ns,
      'mtu',
      String(mtu),
      'type',
      'veth',
      'peer',
      'name',
      b.dev,
      'netns',
      b.ns,
      'mtu',
      String(mtu),
    ]);
    for (const end of [a, b]) {
      if (end.cidr) this.exec(end.ns, `ip addr add ${end.cidr} dev ${end.dev}`);
      this.exec(end.ns, `ip link set ${end.dev} up`);
    }
  }

  cleanup(): void {
    for (const ns of this.namespaces.splice(0)) tryDeleteNamespace(ns);
  }
}

/** Kills what still runs inside the namespace (tcpdump, servers), then deletes it. */
export function tryDeleteNamespace(name: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split(/\s+/)
      .filter(Boolean);
    for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
  } catch {
    // no such namespace
  }
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    // not there
  }
}
