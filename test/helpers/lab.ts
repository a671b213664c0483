import fs from 'node:fs';
import path from 'node:path';

/** Where `npm run lab -- up` keeps its state (see test/lab/README.md). */
export const LAB_DIR = process.env.CLUSTERTAP_LAB_DIR ?? '/tmp/clustertap-lab';

export interface LabNode {
  name: string;
  netns: string;
  internalIP: string;
  cni: 'calico' | 'flannel';
  podCIDR: string;
  index: number;
}

export interface LabState {
  apiServer: string;
  kubeconfig: string;
  kubectl: string;
  binDir: string;
  bridge: string;
  gatewayIP: string;
  nodes: LabNode[];
}

/** The running lab, or why there is none (tests that need it skip with this reason). */
export function labState(): { lab: LabState; reason?: undefined } | { lab?: undefined; reason: string } {
  const file = path.join(LAB_DIR, 'state.json');
  if (!fs.existsSync(file))
    return { reason: `no lab running (${file} missing): run \`npm run lab -- up\` as root first` };
  const lab = JSON.parse(fs.readFileSync(file, 'utf8')) as LabState;
  return { lab };
}
