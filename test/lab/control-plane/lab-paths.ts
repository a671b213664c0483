import path from 'node:path';

/** Everything `lab up` makes on disk lives here; `lab down` removes the whole directory. */
export const LAB_DIR = path.resolve(process.env.CLUSTERTAP_LAB_DIR ?? '/tmp/clustertap-lab');
export const REPO = path.resolve(import.meta.dirname, '../../..');

export const labFile = (...parts: string[]) => path.join(LAB_DIR, ...parts);
export const STATE_FILE = labFile('state.json');
export const KUBECONFIG_FILE = labFile('kubeconfig');
export const PODS_FILE = labFile('pods.json');
