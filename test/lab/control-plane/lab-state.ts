import fs from 'node:fs';
import { STATE_FILE } from './lab-paths.js';

export type CniStyle = 'calico' | 'flannel';

export interface LabNode {
  name: string;
  netns: string;
  internalIP: string;
  cni: CniStyle;
  podCIDR: string;
  index: number;
}

/** state.json: the contract between lab.ts, the kubelet harness and the tests (test/helpers/lab.ts). */
export interface LabState {
  apiServer: string;
  kubeconfig: string;
  kubectl: string;
  binDir: string;
  bridge: string;
  gatewayIP: string;
  nodes: LabNode[];
}

export function readState(): LabState | undefined {
  if (!fs.existsSync(STATE_FILE)) return undefined;
  return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as LabState;
}

export function writeState(state: LabState): void {
  fs.writeFileSync(`${STATE_FILE}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(`${STATE_FILE}.tmp`, STATE_FILE);
}

/** `--cni calico`, `--cni flannel` or one style per node: `--cni calico,flannel,calico`. */
export function parseCni(value: string, nodes: number): CniStyle[] {
  const styles = value.split(',').map((s) => s.trim());
  for (const s of styles)
    if (s !== 'calico' && s !== 'flannel')
      throw new Error(`--cni: unknown style "${s}"; use calico, flannel or a comma list per node`);
  if (styles.length === 1) return Array.from({ length: nodes }, () => styles[0] as CniStyle);
  if (styles.length !== nodes)
    throw new Error(`--cni lists ${styles.length} styles for ${nodes} nodes; give one per node or just one`);
  return styles as CniStyle[];
}
