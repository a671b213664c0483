import fs from 'node:fs';
import path from 'node:path';
import type { LabNode, LabState } from '../../helpers/lab.js';

export type { LabNode, LabState };
export type CniStyle = LabNode['cni'];

/** Harness-only extension of a state.json node: taints to register it with (tests use it). */
export interface NodeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}
export type HarnessNode = LabNode & { taints?: NodeTaint[] };

/** The repository root: container programs and the agent entry are found from here. */
export const REPO = path.resolve(import.meta.dirname, '../../..');

/** Everything the harness keeps on disk, all below the lab directory (removed by --cleanup). */
export interface HarnessPaths {
  labDir: string;
  /** Per pod: record.json, pids.json, volumes/, logs/. */
  podsDir: string;
  /** Harness-owned state: peers/ (the shop peers file). */
  harnessDir: string;
  peersDir: string;
  /** `lab status` reads this (contract with lab.ts). */
  podsFile: string;
}

export function harnessPaths(stateFile: string): HarnessPaths {
  const labDir = path.dirname(path.resolve(stateFile));
  const harnessDir = path.join(labDir, 'kubelet');
  return {
    labDir,
    podsDir: path.join(labDir, 'pods'),
    harnessDir,
    peersDir: path.join(harnessDir, 'peers'),
    podsFile: path.join(labDir, 'pods.json'),
  };
}

export function readLabState(stateFile: string): LabState {
  return JSON.parse(fs.readFileSync(stateFile, 'utf8')) as LabState;
}

/** Writes through a temporary file and a rename, so readers never see half a file. */
export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode });
  fs.renameSync(tmp, file);
}

/** Kubernetes timestamps are RFC 3339 with second precision. */
export const kubeTime = (date = new Date()) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Lease renewTime is a MicroTime. */
export const kubeMicroTime = (date = new Date()) => date.toISOString().replace(/Z$/, '000Z');

/** Nodes the scale mode makes: Node objects without namespaces, never ours to run. */
export const FAKE_NODE_LABEL = 'clustertap.lab/fake';
export const CNI_LABEL = 'clustertap.lab/cni';

/** What the harness tells Kubernetes it is. */
export const RUNTIME_VERSION = 'clustertap-lab://0.1.0';
export const POD_NETNS_PREFIX = 'ctlab-pod-';

export type Log = (line: string) => void;
