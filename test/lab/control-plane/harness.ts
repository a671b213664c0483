import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { logFile, runningPid, startDaemon, stopDaemon, waitFor } from './daemon.js';
import { LAB_DIR, REPO, STATE_FILE } from './lab-paths.js';

/** The kubelet + CNI harness (test/lab/kubelet/): one process that plays kubelet for every lab node. */
const NAME = 'kubelet';
const ENTRY = path.join(REPO, 'test/lab/kubelet/main.ts');
const READY_LINE = 'kubelet harness ready';

function nodeArgs(extra: string[]): string[] {
  return ['--import', 'tsx', ENTRY, '--state', STATE_FILE, ...extra];
}

export async function startHarness(log: (line: string) => void): Promise<void> {
  if (runningPid(LAB_DIR, NAME) !== undefined) return;
  if (!fs.existsSync(ENTRY))
    throw new Error(`${ENTRY} is missing: the lab cannot run nodes without its kubelet harness`);
  const file = logFile(LAB_DIR, NAME);
  const offset = fs.existsSync(file) ? fs.statSync(file).size : 0;
  log('starting the kubelet harness (nodes, CNI, pods)');
  startDaemon(LAB_DIR, {
    name: NAME,
    command: process.execPath,
    args: nodeArgs([]),
    env: { NODE_NO_WARNINGS: '1' },
  });
  const started = Date.now();
  await waitFor(
    LAB_DIR,
    NAME,
    'ready',
    async () => fs.readFileSync(file).subarray(offset).toString().includes(READY_LINE),
    120_000,
  );
  log(`kubelet harness ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

export async function stopHarness(): Promise<boolean> {
  return stopDaemon(LAB_DIR, NAME, 20_000);
}

/** Removes every namespace, device and file the harness made; works without an API server. */
export function cleanupHarness(): void {
  if (!fs.existsSync(ENTRY)) return;
  execFileSync(process.execPath, nodeArgs(['--cleanup']), {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
}
