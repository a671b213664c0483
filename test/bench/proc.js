// Child processes started inside a namespace and pinned to a CPU, and what /proc says about them.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';

/** Every child still running, so a signal or crash can end exactly these (by pid). */
const running = new Set();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Child {
  /**
   * `ip netns exec` and `taskset` both exec their command, so `pid` is the benchmarked process
   * itself and /proc/<pid> shows its CPU time, memory and (in its namespace) its sockets.
   */
  constructor(ns, cpu, argv, { env = {}, cwd } = {}) {
    const pinned = cpu === undefined ? argv : ['taskset', '-c', String(cpu), ...argv];
    this.process = spawn('ip', ['netns', 'exec', ns, ...pinned], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
      cwd,
    });
    this.pid = this.process.pid;
    this.stdout = '';
    this.stderr = '';
    this.process.stdout.on('data', (chunk) => {
      this.stdout += chunk;
    });
    this.process.stderr.on('data', (chunk) => {
      this.stderr += chunk;
    });
    running.add(this);
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        running.delete(this);
        resolve({ code, signal });
      });
    });
  }

  get alive() {
    return running.has(this);
  }

  /** SIGINT, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 20_000) {
    if (this.alive) this.process.kill('SIGINT');
    const timer = setTimeout(() => this.alive && this.process.kill('SIGKILL'), graceMs);
    const status = await this.exited;
    clearTimeout(timer);
    return status;
  }

  static killAll() {
    for (const child of running) child.process.kill('SIGKILL');
  }
}

/** Runs to completion; rejects with its stderr on a non-zero exit. */
export async function runToEnd(ns, cpu, argv) {
  const child = new Child(ns, cpu, argv);
  const { code, signal } = await child.exited;
  if (code !== 0) throw new Error(`${argv.join(' ')} failed (${signal ?? code}): ${child.stderr.trim()}`);
  return child.stdout;
}

/** USER_HZ, the unit of the times in /proc/<pid>/stat (100 on practically every Linux). */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** User and system CPU seconds of the whole process (all threads), or undefined once it is gone. */
export function cpuSeconds(pid) {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND };
}

/** Peak and current resident set size in bytes (VmHWM, VmRSS). */
export function memory(pid) {
  const status = readProc(`/proc/${pid}/status`);
  if (status === undefined) return undefined;
  const kB = (name) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { peakRss: kB('VmHWM'), rss: kB('VmRSS') };
}

/**
 * The UDP socket bound to `port` as seen from the network namespace of `pid`: bytes waiting in
 * its receive queue and datagrams the kernel dropped because that queue was full.
 */
export function udpSocket(pid, port) {
  const table = readProc(`/proc/${pid}/net/udp`);
  if (table === undefined) return undefined;
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of table.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns[1]?.endsWith(portHex) && columns[2]?.endsWith(':0000')) {
      const rxQueue = Number.parseInt(columns[4].split(':')[1], 16);
      return { rxQueue, drops: Number(columns[columns.length - 1]) };
    }
  }
  return undefined;
}

function readProc(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Polls `check` every `everyMs` until it returns a truthy value; rejects after `timeoutMs`. */
export async function waitFor(what, check, timeoutMs, everyMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
