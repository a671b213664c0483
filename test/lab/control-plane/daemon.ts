import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A lab process that outlives `lab up`: detached, output to logs/<name>.log, pid in <name>.pid.
 * `lab down` and `lab restart` find it again through the pid file.
 */
export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export function pidFile(labDir: string, name: string): string {
  return path.join(labDir, `${name}.pid`);
}

export function logFile(labDir: string, name: string): string {
  return path.join(labDir, 'logs', `${name}.log`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function runningPid(labDir: string, name: string): number | undefined {
  const file = pidFile(labDir, name);
  if (!fs.existsSync(file)) return undefined;
  const pid = Number(fs.readFileSync(file, 'utf8'));
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

export function startDaemon(labDir: string, spec: DaemonSpec): number {
  fs.mkdirSync(path.join(labDir, 'logs'), { recursive: true });
  const log = fs.openSync(logFile(labDir, spec.name), 'a');
  const child = spawn(spec.command, spec.args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...spec.env },
  });
  fs.closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  fs.writeFileSync(pidFile(labDir, spec.name), String(child.pid));
  return child.pid;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopDaemon(labDir: string, name: string, graceMs = 10_000): Promise<boolean> {
  const pid = runningPid(labDir, name);
  fs.rmSync(pidFile(labDir, name), { force: true });
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return true;
}

/** Polls `check` until it resolves true; on timeout the error quotes the end of the daemon's log. */
export async function waitFor(
  labDir: string,
  name: string,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    const pid = runningPid(labDir, name);
    if (pid === undefined) break;
    await sleep(250);
  }
  const log = fs.existsSync(logFile(labDir, name)) ? fs.readFileSync(logFile(labDir, name), 'utf8') : '';
  const tail = log.split('\n').slice(-15).join('\n');
  throw new Error(`${name} did not become ${what} (log ${logFile(labDir, name)}):\n${tail}`);
}
