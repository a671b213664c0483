import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { LabState } from '../lab/control-plane/lab-state.js';

/** Where `npm run lab -- up` keeps its state (see test/lab/README.md). */
export const LAB_DIR = process.env.CLUSTERTAP_LAB_DIR ?? '/tmp/clustertap-lab';

export type { LabNode, LabState } from '../lab/control-plane/lab-state.js';

/** The running lab, or why there is none (tests that need it skip with this reason). */
export function labState(): { lab: LabState; reason?: undefined } | { lab?: undefined; reason: string } {
  const file = path.join(LAB_DIR, 'state.json');
  if (!fs.existsSync(file))
    return { reason: `no lab running (${file} missing): run \`npm run lab -- up\` as root first` };
  const lab = JSON.parse(fs.readFileSync(file, 'utf8')) as LabState;
  return { lab };
}

/** Runs the lab's kubectl as cluster admin (context `lab`); returns stdout. */
export function kubectl(lab: LabState, args: string[], input?: string): string {
  return execFileSync(lab.kubectl, [`--kubeconfig=${lab.kubeconfig}`, '--context=lab', ...args], {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  });
}

export function kubectlJson<T = { items: unknown[] }>(lab: LabState, args: string[]): T {
  return JSON.parse(kubectl(lab, [...args, '-o', 'json'])) as T;
}

/** Runs `npm run lab -- <args>` (restart, status) and returns stdout. */
export function labCommand(args: string[]): string {
  return execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, '../lab/lab.ts'), ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    },
  );
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `clustertap <args>` to completion (dist/ must be built). */
export function clustertap(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 240_000,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(import.meta.dirname, '../../bin/clustertap.js'), ...args],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: timeoutMs,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
