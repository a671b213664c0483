import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The lab's certificates, made with the openssl CLI (Node's crypto cannot issue X.509).
 * ECDSA P-256 keeps generation fast; one CA signs serving and client certificates, as kubeadm does.
 */
export interface ClientCert {
  cert: string;
  key: string;
}

export interface LabPki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  clients: Record<'admin' | 'viewer' | 'controllerManager' | 'scheduler', ClientCert>;
}

/** Subject of each client identity: CN is the user name, O the groups (RBAC reads both). */
const clientSubjects = {
  admin: '/O=system:masters/CN=lab-admin',
  viewer: '/CN=lab-viewer',
  controllerManager: '/CN=system:kube-controller-manager',
  scheduler: '/CN=system:kube-scheduler',
} as const;

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(file: string, cwd: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file], cwd);
}

function issue(dir: string, name: string, subject: string, extensions: string): ClientCert {
  const key = `${name}.key`;
  newKey(key, dir);
  openssl(['req', '-new', '-key', key, '-subj', subject, '-out', `${name}.csr`], dir);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '3650',
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
  fs.rmSync(path.join(dir, `${name}.csr`));
  fs.rmSync(path.join(dir, `${name}.ext`));
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, key) };
}

/** Creates the PKI in `dir` unless it is already there (lab up is idempotent). */
export function ensurePki(dir: string, apiserverIPs: string[]): LabPki {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => path.join(dir, name);
  const pki: LabPki = {
    dir,
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    apiserverCert: file('apiserver.crt'),
    apiserverKey: file('apiserver.key'),
    serviceAccountKey: file('sa.key'),
    serviceAccountPub: file('sa.pub'),
    clients: {
      admin: { cert: file('admin.crt'), key: file('admin.key') },
      viewer: { cert: file('viewer.crt'), key: file('viewer.key') },
      controllerManager: { cert: file('controller-manager.crt'), key: file('controller-manager.key') },
      scheduler: { cert: file('scheduler.crt'), key: file('scheduler.key') },
    },
  };
  if (fs.existsSync(pki.clients.scheduler.cert)) return pki;

  newKey('ca.key', dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/CN=clustertap-lab-ca',
      '-days',
      '3650',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  const dnsNames = [
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
  ];
  const san = [...apiserverIPs.map((ip) => `IP:${ip}`), ...dnsNames.map((n) => `DNS:${n}`)].join(',');
  issue(dir, 'apiserver', '/CN=kube-apiserver', `extendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
  const clientExt = 'extendedKeyUsage=clientAuth\n';
  issue(dir, 'admin', clientSubjects.admin, clientExt);
  issue(dir, 'viewer', clientSubjects.viewer, clientExt);
  issue(dir, 'controller-manager', clientSubjects.controllerManager, clientExt);
  // Written last: its presence marks a complete PKI.
  newKey('sa.key', dir);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  issue(dir, 'scheduler', clientSubjects.scheduler, clientExt);
  return pki;
}
