import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { LabState } from './lab.js';
import type { LabPod } from './lab-pods.js';
import { sleep, waitFor } from './run.js';

export const AGENT_IMAGE = 'ghcr.io/clustertap/clustertap-agent:0.1.0';
const CLI = path.join(import.meta.dirname, '../../bin/clustertap.js');

export interface Running {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function startTap(l: LabState, args: string[]): Running {
  const child = spawn(
    process.execPath,
    [CLI, 'tap', '--kubeconfig', l.kubeconfig, '--context', 'lab', '--agent-image', AGENT_IMAGE, ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return { child, stderr: () => stderr, exited: new Promise((resolve) => child.on('close', resolve)) };
}

/** tcpdump on a pod's host-side veth, one direction (in = what the pod sends). */
export async function tcpdumpOn(
  pod: LabPod,
  l: LabState,
  direction: 'in' | 'out',
  file: string,
): Promise<() => Promise<void>> {
  const node = l.nodes.find((n) => n.name === pod.node);
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      node?.netns ?? '',
      'tcpdump',
      '-i',
      pod.hostInterface ?? '',
      '-Q',
      direction,
      '-U',
      '--immediate-mode',
      '-n',
      '-w',
      file,
      'icmp',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  await waitFor(() => err.includes('listening on'), 10_000, `tcpdump on ${pod.hostInterface}`);
  return async () => {
    await sleep(300);
    child.kill('SIGINT');
    await new Promise((resolve) => child.on('close', resolve));
  };
}

export const allNodesMirroring = (stderr: string, l: LabState) =>
  new RegExp(`Mirroring [1-9]\\d* pod interfaces/directions on ${l.nodes.length} nodes`).test(stderr);

export const withPattern = (frames: string[], pattern: string) =>
  frames.filter((hex) => hex.includes(pattern.repeat(2)));
