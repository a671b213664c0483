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

/** Answers GET /version like an API server; every other path is a 404 Status, as a real one says. */
export async function startFakeApiServer(gitVersion: string): Promise<FakeApiServer> {
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/version') {
      res.end(JSON.stringify({ major: '1', minor: '33', gitVersion, platform: 'linux/amd64' }));
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
        message: 'the fixture serves /version only',
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
