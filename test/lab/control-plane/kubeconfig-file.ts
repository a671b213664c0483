import fs from 'node:fs';
import { stringify } from 'yaml';
import type { ClientCert } from './pki.js';

export interface KubeconfigUser {
  context: string;
  user: string;
  cert: ClientCert;
  namespace?: string;
}

const base64 = (file: string) => fs.readFileSync(file).toString('base64');

/** A kubeconfig with credentials embedded, so it still works when copied elsewhere. */
export function writeKubeconfig(file: string, server: string, caCert: string, users: KubeconfigUser[]): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'lab', cluster: { server, 'certificate-authority-data': base64(caCert) } }],
    users: users.map((u) => ({
      name: u.user,
      user: { 'client-certificate-data': base64(u.cert.cert), 'client-key-data': base64(u.cert.key) },
    })),
    contexts: users.map((u) => ({
      name: u.context,
      context: { cluster: 'lab', user: u.user, ...(u.namespace ? { namespace: u.namespace } : {}) },
    })),
    'current-context': users[0]?.context ?? '',
    preferences: {},
  };
  fs.writeFileSync(file, stringify(config), { mode: 0o600 });
}
