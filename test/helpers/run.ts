import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(REPO, 'bin/clustertap.js');

/** Runs a command, returning stdout; throws with stderr included when it fails. */
export function sh(command: string, args: string[], input?: string): string {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      input,
      maxBuffer: 1 << 30,
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts a process (optionally inside a network namespace) and collects its output. */
export function start(
  command: string,
  args: string[],
  netns?: string,
  env?: Record<string, string>,
): Spawned {
  const [cmd, argv] = netns ? ['ip', ['netns', 'exec', netns, command, ...args]] : [command, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Starts `clustertap capture` and waits until it reports that it is listening. */
export async function startCapture(
  args: string[],
  netns?: string,
  env?: Record<string, string>,
): Promise<Spawned> {
  const run = start(process.execPath, [CLI, 'capture', ...args], netns, env);
  await waitFor(() => /Capturing on|Reading/.test(run.stderr()) || run.child.exitCode !== null, 10_000);
  if (run.child.exitCode !== null) throw new Error(`capture exited early: ${run.stderr()}`);
  return run;
}

export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Debian's python3, which has python3-scapy (a pyenv python3 earlier on PATH would not). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
