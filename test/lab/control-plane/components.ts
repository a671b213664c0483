import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { DaemonSpec } from './daemon.js';
import type { LabPki } from './pki.js';

/** Addresses of the lab's control plane. The API server sits on the lab bridge so nodes reach it. */
export const ETCD_CLIENT_URL = 'http://127.0.0.1:23790';
const ETCD_PEER_URL = 'http://127.0.0.1:23800';
export const APISERVER_PORT = 6443;
export const CONTROLLER_MANAGER_PORT = 10257;
export const SCHEDULER_PORT = 10259;
export const SERVICE_CIDR = '10.96.0.0/16';
export const CLUSTER_CIDR = '10.244.0.0/16';

/**
 * Controllers the app's objects need (DaemonSet, ServiceAccount tokens, garbage collection,
 * namespace deletion, ...): everything on by default except node lifecycle (our nodes are
 * namespaces; nobody should evict pods from them) and node IPAM (the harness assigns pod CIDRs).
 */
const CONTROLLERS = '*,-node-lifecycle-controller,-node-ipam-controller';

export function etcdSpec(bin: string, labDir: string): DaemonSpec {
  return {
    name: 'etcd',
    command: path.join(bin, 'etcd'),
    args: [
      '--name=lab',
      `--data-dir=${path.join(labDir, 'etcd')}`,
      `--listen-client-urls=${ETCD_CLIENT_URL}`,
      `--advertise-client-urls=${ETCD_CLIENT_URL}`,
      `--listen-peer-urls=${ETCD_PEER_URL}`,
      `--initial-advertise-peer-urls=${ETCD_PEER_URL}`,
      `--initial-cluster=lab=${ETCD_PEER_URL}`,
      // A throwaway lab: durability is not worth the fsync latency on a shared VM disk.
      '--unsafe-no-fsync',
      '--quota-backend-bytes=4294967296',
      '--log-level=warn',
    ],
  };
}

export function apiserverSpec(bin: string, pki: LabPki, address: string): DaemonSpec {
  return {
    name: 'kube-apiserver',
    command: path.join(bin, 'kube-apiserver'),
    args: [
      `--etcd-servers=${ETCD_CLIENT_URL}`,
      `--bind-address=${address}`,
      `--advertise-address=${address}`,
      `--secure-port=${APISERVER_PORT}`,
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--authorization-mode=RBAC',
      '--anonymous-auth=true',
      '--allow-privileged=true',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--api-audiences=https://kubernetes.default.svc.cluster.local',
      '--profiling=false',
      '--event-ttl=1h',
      '--v=1',
    ],
  };
}

export function controllerManagerSpec(bin: string, pki: LabPki, kubeconfig: string): DaemonSpec {
  return {
    name: 'kube-controller-manager',
    command: path.join(bin, 'kube-controller-manager'),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      `--controllers=${CONTROLLERS}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      '--use-service-account-credentials=true',
      `--cluster-cidr=${CLUSTER_CIDR}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${CONTROLLER_MANAGER_PORT}`,
      '--v=1',
    ],
  };
}

export function schedulerSpec(bin: string, kubeconfig: string): DaemonSpec {
  return {
    name: 'kube-scheduler',
    command: path.join(bin, 'kube-scheduler'),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${SCHEDULER_PORT}`,
      '--v=1',
    ],
  };
}

/** GET a health path; `ca` verifies the API server, undefined accepts a component's self-signed cert. */
export function healthy(url: string, ca?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = url.startsWith('https:')
      ? https.get(url, {
          ca: ca ? fs.readFileSync(ca) : undefined,
          rejectUnauthorized: Boolean(ca),
          timeout: 2000,
        })
      : http.get(url, { timeout: 2000 }); // etcd's client URL: plain HTTP on loopback
    request.on('response', (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => request.destroy());
  });
}
