import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { PodsJsonEntry } from '../lab/kubelet/pod-records.js';
import { LAB_DIR } from './lab.js';

/** A pod the lab's harness runs (its pods.json). */
export type LabPod = PodsJsonEntry;

export function labPods(): LabPod[] {
  return JSON.parse(fs.readFileSync(path.join(LAB_DIR, 'pods.json'), 'utf8')) as LabPod[];
}

/** Runs a command inside a network namespace; returns stdout. */
export function inNetns(netns: string, command: string, args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', netns, command, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Every tc filter line on every interface of a node namespace that mirrors into one of our tunnels. */
export function ourMirrors(netns: string): string[] {
  const links = JSON.parse(inNetns(netns, 'ip', ['-j', 'link', 'show'])) as { ifname: string }[];
  const found: string[] = [];
  for (const { ifname } of links)
    for (const hook of ['ingress', 'egress']) {
      let out = '';
      try {
        out = inNetns(netns, 'tc', ['filter', 'show', 'dev', ifname, hook]);
      } catch {
        continue; // no clsact here
      }
      for (const line of out.split('\n'))
        if (/ctap/.test(line)) found.push(`${ifname} ${hook}: ${line.trim()}`);
    }
  return found;
}

/** Our tunnel devices and any clsact qdisc in a node namespace (the lab's CNI adds none of its own). */
export function ourDevicesAndQdiscs(netns: string): string[] {
  const links = JSON.parse(inNetns(netns, 'ip', ['-j', 'link', 'show'])) as { ifname: string }[];
  const devices = links.filter((l) => l.ifname.startsWith('ctap')).map((l) => `device ${l.ifname}`);
  const qdiscs = (
    JSON.parse(inNetns(netns, 'tc', ['-j', 'qdisc', 'show'])) as { kind: string; dev: string }[]
  )
    .filter((q) => q.kind === 'clsact')
    .map((q) => `clsact on ${q.dev}`);
  return [...devices, ...qdiscs];
}
