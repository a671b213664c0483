import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { MergedKubeconfig } from '../../main/kube/kubeconfig/types.js';

/**
 * Shared by the kubeconfig tests: the real kubectl to compare with, throw-away PKI (openssl), a fake
 * API server that records what each client sent, and an HTTP CONNECT proxy.
 */

const repo = path.resolve(import.meta.dirname, '../..');

/** The lab's kubectl (v1.37.2) if built, else one on PATH, or why there is none. */
export function findKubectl():
  | { kubectl: string; version: string }
  | { kubectl?: undefined; reason: string } {
  const candidates: string[] = [];
  try {
    const binDir = execFileSync('bash', [path.join(repo, 'test/lab/build/build-k8s.sh'), '--print-bin-dir'], {
      encoding: 'utf8',
    }).trim();
    candidates.push(path.join(binDir, 'kubectl'));
  } catch {
    // no lab build script output: try PATH
  }
  candidates.push('kubectl');
  for (const kubectl of candidates) {
    const run = spawnSync(kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
    if (run.status === 0) {
      const version = (JSON.parse(run.stdout) as { clientVersion: { gitVersion: string } }).clientVersion
        .gitVersion;
      return { kubectl, version };
    }
  }
  return {
    reason: `no kubectl to compare with: not built yet (bash test/lab/build/build-k8s.sh) and none on PATH`,
  };
}

export function tempDir(prefix = 'clustertap-kubeconfig-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `text` to dir/rel (creating directories) and returns the absolute path. */
export function put(dir: string, rel: string, text: string | Buffer, mode?: number): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, mode === undefined ? undefined : { mode });
  return file;
}

export interface KubectlRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** kubectl with a clean environment: only PATH, a throw-away HOME, and what the test adds. */
export function runKubectl(
  kubectl: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): KubectlRun {
  const run = spawnSync(kubectl, args, { env, cwd, encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The same, without blocking the event loop (needed when the server it talks to is in this process). */
export function runKubectlAsync(
  kubectl: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<KubectlRun> {
  return new Promise((resolve) => {
    execFile(kubectl, args, { env, cwd, encoding: 'utf8', timeout: 20_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

export function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, ...extra };
}

export interface Pki {
  dir: string;
  caFile: string;
  /** server certificate for IP 127.0.0.1 and DNS kube.test */
  serverCert: string;
  serverKey: string;
  /** server certificate for DNS kube.test only (tls-server-name) */
  namedCert: string;
  namedKey: string;
  /** client certificate CN=alice, O=devs */
  clientCert: string;
  clientKey: string;
}

/** A CA and certificates made with openssl (EC P-256, valid two days). */
export function makePki(dir: string): Pki {
  const file = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=clustertap-test-ca',
  );
  const issue = (name: string, subject: string, ext: string) => {
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    fs.writeFileSync(file(`${name}.ext`), `${ext}\n`);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  issue('server', '/CN=kube-test', 'subjectAltName=IP:127.0.0.1,DNS:kube.test');
  issue('named', '/CN=kube-test-named', 'subjectAltName=DNS:kube.test');
  issue('client', '/O=devs/CN=alice', 'extendedKeyUsage=clientAuth');
  return {
    dir,
    caFile: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    namedCert: file('named.crt'),
    namedKey: file('named.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
  };
}

export interface SeenRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
  /** every value of repeated headers, e.g. impersonate-group */
  distinct: Record<string, string[]>;
  /** TLS SNI the client sent (false: none) */
  servername?: string | false;
  /** CN of the client certificate, if one was presented */
  clientCN?: string;
}

export interface FakeApiServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

const VERSION = { major: '1', minor: '99', gitVersion: 'v1.99.0-fake', platform: 'linux/amd64' };

/**
 * Answers GET /version like an API server: 200 with a version, or 401 for `Bearer bad`. Records
 * each request's headers, SNI and client certificate. `tls: false` serves plain HTTP.
 */
export async function startFakeApiServer(
  pki: Pki,
  options: { tls?: boolean; cert?: 'server' | 'named' } = {},
): Promise<FakeApiServer> {
  const requests: SeenRequest[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket as TLSSocket;
    const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    requests.push({
      url: req.url ?? '',
      headers: req.headers,
      distinct: req.headersDistinct as Record<string, string[]>,
      servername: socket.servername ?? undefined,
      clientCN: peer?.subject?.CN === undefined ? undefined : String(peer.subject.CN),
    });
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization === 'Bearer bad') {
      res.statusCode = 401;
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        }),
      );
      return;
    }
    res.end(JSON.stringify(VERSION));
  };
  const useTls = options.tls ?? true;
  const which = options.cert ?? 'server';
  const server = useTls
    ? https.createServer(
        {
          key: fs.readFileSync(which === 'server' ? pki.serverKey : pki.namedKey),
          cert: fs.readFileSync(which === 'server' ? pki.serverCert : pki.namedCert),
          ca: fs.readFileSync(pki.caFile),
          requestCert: true,
          rejectUnauthorized: false,
        },
        handler,
      )
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${useTls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ConnectProxy {
  url: string;
  /** `host:port` of every CONNECT */
  connects: string[];
  close(): Promise<void>;
}

/** An HTTP CONNECT proxy that resolves every host to 127.0.0.1 (so kube.test works only through it). */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const connects: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.statusCode = 405;
    res.end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push(target);
    const port = Number(target.split(':').pop());
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The last request a client made for GET /version (kubectl's dispatcher may ask twice). */
export function lastVersionRequest(requests: SeenRequest[]): SeenRequest | undefined {
  return requests.filter((r) => r.url.split('?')[0] === '/version').at(-1);
}

/**
 * Our merged kubeconfig in the shape of `kubectl config view --flatten -o json`, and kubectl's
 * output normalised the same way (defaults and empty values dropped, lists sorted by name).
 * kubectl leaves tokenFile and exec.command as written; they are resolved against the defining
 * file for the comparison (what kubectl then does with them is checked by real requests).
 */
export function ourView(merged: MergedKubeconfig): unknown {
  const data = (file?: string, inline?: string) =>
    file
      ? fs.readFileSync(file).toString('base64')
      : inline
        ? Buffer.from(inline, 'base64').toString('base64')
        : undefined;
  return normalise({
    clusters: [...merged.clusters.values()].map((c) => ({
      name: c.name,
      cluster: {
        server: c.server,
        'certificate-authority-data': data(c.certificateAuthority, c.certificateAuthorityData),
        'insecure-skip-tls-verify': c.insecureSkipTlsVerify,
        'tls-server-name': c.tlsServerName,
        'proxy-url': c.proxyUrl,
      },
    })),
    users: [...merged.users.values()].map((u) => ({
      name: u.name,
      user: {
        'client-certificate-data': data(u.clientCertificate, u.clientCertificateData),
        'client-key-data': data(u.clientKey, u.clientKeyData),
        token: u.token,
        tokenFile: u.tokenFile,
        as: u.impersonate,
        'as-uid': u.impersonateUid,
        'as-groups': u.impersonateGroups,
        'as-user-extra': u.impersonateUserExtra,
        username: u.username,
        password: u.password,
        'auth-provider': u.authProvider,
        exec: u.exec,
      },
    })),
    contexts: [...merged.contexts.values()].map((c) => ({
      name: c.name,
      context: { cluster: c.cluster, user: c.user, namespace: c.namespace },
    })),
    'current-context': merged.currentContext,
  });
}

export function kubectlView(json: string, merged: MergedKubeconfig): unknown {
  const view = JSON.parse(json) as {
    users?: Array<{ name: string; user: { tokenFile?: string; exec?: { command?: string } } }> | null;
  };
  for (const entry of view.users ?? []) {
    const origin = merged.users.get(entry.name)?.origin;
    if (!origin) continue;
    const base = path.dirname(path.resolve(origin));
    const u = entry.user;
    if (u.tokenFile && !path.isAbsolute(u.tokenFile)) u.tokenFile = path.join(base, u.tokenFile);
    const command = u.exec?.command;
    if (u.exec && command?.includes(path.sep) && !path.isAbsolute(command))
      u.exec.command = path.join(base, command);
  }
  const {
    kind: _kind,
    apiVersion: _apiVersion,
    preferences: _preferences,
    ...rest
  } = view as Record<string, unknown>;
  return normalise(rest);
}

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalise).filter((v) => v !== undefined);
    if (items.length === 0) return undefined;
    // Named entries (clusters, users, contexts, exec env) are maps to kubectl: order does not matter.
    const named = items.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    const key = (v: unknown) => String((v as { name?: unknown }).name ?? '');
    return named ? items.sort((a, b) => key(a).localeCompare(key(b))) : items;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, normalise(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  if (value === null || value === false || value === '' || value === undefined) return undefined;
  return value;
}
