import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from './serve.js';

/**
 * Kubeconfigs for the end-to-end tests: one API server that answers (a tiny HTTP server with
 * /version, enough for the reachability probe) and one port where nothing listens.
 */

export interface FakeApiServer {
  url: string;
  close(): Promise<void>;
}

/** The fixture cluster's one namespace and its pods: enough for the selection tree. */
const FIXTURE_PODS = [
  { name: 'web-5d9c7b6f4-abcde', app: 'web', node: 'node-a', ip: '10.1.0.4' },
  { name: 'web-5d9c7b6f4-fghij', app: 'web', node: 'node-b', ip: '10.1.1.4' },
  { name: 'db-0', app: 'db', node: 'node-b', ip: '10.1.1.5', owner: 'StatefulSet' },
];

function list(kind: string, items: unknown[]): string {
  return JSON.stringify({ kind, apiVersion: 'v1', metadata: { resourceVersion: '1' }, items });
}

const LISTS: Record<string, () => string> = {
  '/api/v1/namespaces': () =>
    list('NamespaceList', [{ metadata: { name: 'shop', labels: {} }, status: { phase: 'Active' } }]),
  '/api/v1/nodes': () =>
    list(
      'NodeList',
      ['node-a', 'node-b'].map((name, i) => ({
        metadata: { name, labels: {} },
        spec: { podCIDR: `10.1.${i}.0/24`, podCIDRs: [`10.1.${i}.0/24`] },
        status: {
          addresses: [{ type: 'InternalIP', address: `192.0.2.${i + 10}` }],
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      })),
    ),
  '/api/v1/pods': () =>
    list(
      'PodList',
      FIXTURE_PODS.map((p) => ({
        metadata: {
          name: p.name,
          namespace: 'shop',
          uid: `uid-${p.name}`,
          labels: p.owner ? { app: p.app } : { app: p.app, 'pod-template-hash': '5d9c7b6f4' },
          ownerReferences: [
            { kind: p.owner ?? 'ReplicaSet', name: p.owner ? p.app : 'web-5d9c7b6f4', controller: true },
          ],
        },
        spec: { nodeName: p.node },
        status: {
          phase: 'Running',
          podIP: p.ip,
          podIPs: [{ ip: p.ip }],
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      })),
    ),
};

/**
 * Answers like a small API server: GET /version, and LIST/WATCH of namespaces, nodes and pods (a
 * watch stays open and silent); every other path is a 404 Status, as a real one says.
 */
export async function startFakeApiServer(gitVersion: string): Promise<FakeApiServer> {
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    const url = new URL(req.url ?? '/', 'http://fixture.invalid');
    if (url.pathname === '/version') {
      res.end(JSON.stringify({ major: '1', minor: '33', gitVersion, platform: 'linux/amd64' }));
      return;
    }
    const listOf = LISTS[url.pathname];
    if (listOf && req.method === 'GET') {
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        res.flushHeaders();
        return; // nothing changes in the fixture cluster
      }
      res.end(listOf());
      return;
    }
    res.statusCode = 404;
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
        message: 'the fixture serves /version and namespaces, nodes and pods only',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TCP port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ContextSpec {
  name: string;
  server: string;
  namespace?: string;
}

export function kubeconfigYaml(contexts: ContextSpec[], current: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c) => ({ name: `${c.name}-cluster`, cluster: { server: c.server } })),
    users: [{ name: 'fixture-user', user: { token: 'fixture-token' } }],
    contexts: contexts.map((c) => ({
      name: c.name,
      context: {
        cluster: `${c.name}-cluster`,
        user: 'fixture-user',
        ...(c.namespace && { namespace: c.namespace }),
      },
    })),
    'current-context': current,
  });
}

/** Writes a kubeconfig into a fresh directory; returns its path. */
export function writeKubeconfig(contexts: ContextSpec[], current: string): string {
  const file = path.join(tempDir('clustertap-e2e-kubeconfig'), 'config');
  fs.writeFileSync(file, kubeconfigYaml(contexts, current), { mode: 0o600 });
  return file;
}

/** A classic pcap file (Ethernet) of these frames, one every millisecond. */
export function writePcap(file: string, frames: Uint8Array[]): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262_144, 16);
  header.writeUInt32LE(1, 20);
  const records = frames.map((frame, i) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_780_000_000, 0);
    record.writeUInt32LE(i * 1000, 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    return Buffer.concat([record, frame]);
  });
  fs.writeFileSync(file, Buffer.concat([header, ...records]));
}
