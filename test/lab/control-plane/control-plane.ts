import fs from 'node:fs';
import { GATEWAY_IP } from './bridge.js';
import {
  APISERVER_PORT,
  apiserverSpec,
  CONTROLLER_MANAGER_PORT,
  controllerManagerSpec,
  ETCD_CLIENT_URL,
  etcdSpec,
  healthy,
  SCHEDULER_PORT,
  schedulerSpec,
} from './components.js';
import { type DaemonSpec, runningPid, startDaemon, stopDaemon, waitFor } from './daemon.js';
import { writeKubeconfig } from './kubeconfig-file.js';
import { KUBECONFIG_FILE, LAB_DIR, labFile } from './lab-paths.js';
import { ensurePki, type LabPki } from './pki.js';

export const API_SERVER_URL = `https://${GATEWAY_IP}:${APISERVER_PORT}`;
export const CONTROL_PLANE = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type ControlPlaneComponent = (typeof CONTROL_PLANE)[number];

interface Component {
  spec: DaemonSpec;
  healthUrl: string;
  ca?: string;
  timeoutMs: number;
}

function components(binDir: string, pki: LabPki): Record<ControlPlaneComponent, Component> {
  const cmKubeconfig = labFile('controller-manager.kubeconfig');
  const schedKubeconfig = labFile('scheduler.kubeconfig');
  return {
    etcd: { spec: etcdSpec(binDir, LAB_DIR), healthUrl: `${ETCD_CLIENT_URL}/health`, timeoutMs: 30_000 },
    'kube-apiserver': {
      spec: apiserverSpec(binDir, pki, GATEWAY_IP),
      healthUrl: `${API_SERVER_URL}/readyz`,
      ca: pki.caCert,
      timeoutMs: 120_000,
    },
    'kube-controller-manager': {
      spec: controllerManagerSpec(binDir, pki, cmKubeconfig),
      healthUrl: `https://127.0.0.1:${CONTROLLER_MANAGER_PORT}/healthz`,
      timeoutMs: 60_000,
    },
    'kube-scheduler': {
      spec: schedulerSpec(binDir, schedKubeconfig),
      healthUrl: `https://127.0.0.1:${SCHEDULER_PORT}/healthz`,
      timeoutMs: 60_000,
    },
  };
}

/** PKI and kubeconfigs: the user's (contexts lab and lab-viewer) and one per controller. */
export function preparePki(): LabPki {
  const pki = ensurePki(labFile('pki'), [GATEWAY_IP, '127.0.0.1', '10.96.0.1']);
  writeKubeconfig(KUBECONFIG_FILE, API_SERVER_URL, pki.caCert, [
    { context: 'lab', user: 'lab-admin', cert: pki.clients.admin },
    { context: 'lab-viewer', user: 'lab-viewer', cert: pki.clients.viewer, namespace: 'shop' },
  ]);
  writeKubeconfig(labFile('controller-manager.kubeconfig'), API_SERVER_URL, pki.caCert, [
    { context: 'default', user: 'system:kube-controller-manager', cert: pki.clients.controllerManager },
  ]);
  writeKubeconfig(labFile('scheduler.kubeconfig'), API_SERVER_URL, pki.caCert, [
    { context: 'default', user: 'system:kube-scheduler', cert: pki.clients.scheduler },
  ]);
  return pki;
}

async function startComponent(
  name: ControlPlaneComponent,
  c: Component,
  log: (line: string) => void,
): Promise<void> {
  if (runningPid(LAB_DIR, name) === undefined) {
    log(`starting ${name}`);
    startDaemon(LAB_DIR, c.spec);
  }
  const started = Date.now();
  await waitFor(LAB_DIR, name, 'healthy', () => healthy(c.healthUrl, c.ca), c.timeoutMs);
  log(`${name} healthy (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Starts whatever part of the control plane is not running, in dependency order. */
export async function startControlPlane(
  binDir: string,
  pki: LabPki,
  log: (line: string) => void,
): Promise<void> {
  fs.mkdirSync(labFile('etcd'), { recursive: true, mode: 0o700 });
  const all = components(binDir, pki);
  for (const name of CONTROL_PLANE) await startComponent(name, all[name], log);
}

export async function restartComponent(
  name: ControlPlaneComponent,
  binDir: string,
  pki: LabPki,
  log: (line: string) => void,
): Promise<void> {
  await stopDaemon(LAB_DIR, name);
  await startComponent(name, components(binDir, pki)[name], log);
}

export async function stopControlPlane(log: (line: string) => void): Promise<void> {
  for (const name of [...CONTROL_PLANE].reverse())
    if (await stopDaemon(LAB_DIR, name)) log(`stopped ${name}`);
}
