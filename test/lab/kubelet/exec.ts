import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Runs a command; rejects with its stderr so failures explain themselves in the harness log. */
export function run(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { encoding: 'utf8', maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Like run(), but a failure is only returned, for steps that may already be undone. */
export async function tryRun(command: string, args: string[]): Promise<string | undefined> {
  try {
    return await run(command, args);
  } catch {
    return undefined;
  }
}

export function runSync(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** `ip` inside a named network namespace (`ip -n NS ...`). */
export const ipIn = (netns: string, args: string[]) => run('ip', ['-n', netns, ...args]);

/** `ip -batch` inside a namespace: many changes for one process start. */
export const ipBatch = (netns: string, lines: string[]) =>
  lines.length ? run('ip', ['-n', netns, '-batch', '-'], `${lines.join('\n')}\n`) : Promise.resolve('');

/** `bridge` inside a namespace (fdb entries). */
export const bridgeIn = (netns: string, args: string[]) =>
  run('ip', ['netns', 'exec', netns, 'bridge', ...args]);

/** Sets sysctls inside a namespace; keys like net.ipv4.conf.cali123.proxy_arp. */
export function sysctlIn(netns: string, values: Record<string, string | number>): Promise<string> {
  const args = Object.entries(values).map(([key, value]) => `${key}=${value}`);
  return run('ip', ['netns', 'exec', netns, 'sysctl', '-qw', ...args]);
}

export async function linkExists(netns: string, dev: string): Promise<boolean> {
  return (await tryRun('ip', ['-n', netns, 'link', 'show', dev])) !== undefined;
}

export function netnsList(): string[] {
  return (runSync('ip', ['netns', 'list']) ?? '')
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** `ip netns add` bind-mounts the namespace here. */
export const netnsExists = (name: string) => fs.existsSync(`/run/netns/${name}`);
