import http from 'node:http';
import type net from 'node:net';
import type { KubeConfigLike } from '../../main/kube/inventory/api-request.js';

/**
 * A tiny API server for watch tests: LIST with limit/continue, WATCH with resourceVersion,
 * bookmarks and timeoutSeconds, chunked JSON lines, 403 for forbidden paths, 410 after
 * compaction, and the faults we must survive (dropped connections, a restart on the same port).
 */

type Obj = {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
};
type Resource = 'namespaces' | 'nodes' | 'pods' | 'daemonsets';
interface Event {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: Resource;
  object: Obj;
}
interface Watcher {
  resource: Resource;
  namespace: string | undefined;
  nodeName: string | undefined;
  response: http.ServerResponse;
}

export class FakeApiServer {
  private server = http.createServer((req, res) => this.handle(req, res));
  private readonly sockets = new Set<net.Socket>();
  private readonly store: Record<Resource, Map<string, Obj>> = {
    namespaces: new Map(),
    nodes: new Map(),
    pods: new Map(),
    daemonsets: new Map(),
  };
  private history: Event[] = [];
  private watchers = new Set<Watcher>();
  private rv = 100;
  private compactedRV = 0;
  private readonly forbidden = new Set<string>();
  /** Every request, `METHOD path?query`, for asserting relists and reconnects. */
  readonly requests: string[] = [];
  /** Answer watches below the compacted version with HTTP 410 instead of an ERROR event. */
  goneAsHttpStatus = false;
  /** Called before each request is answered (to interfere between LIST pages). */
  beforeRequest: ((url: string) => void) | undefined;
  port = 0;

  async listen(port = 0): Promise<void> {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** What a client-node KubeConfig with a bearer token does for our requests. */
  kubeConfig(token = 'secret'): KubeConfigLike {
    const server = `http://127.0.0.1:${this.port}`;
    return {
      getCurrentCluster: () => ({ name: 'fake', server, skipTLSVerify: true }),
      applyToHTTPSOptions: async (options) => {
        options.headers = { ...options.headers, Authorization: `Bearer ${token}` };
      },
    };
  }

  /** Ends every connection at once, like a network blip. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
    this.watchers.clear();
  }

  /** Down for `downMs` (connections refused), then up on the same port with the same data. */
  async restart(downMs: number, whileDown?: () => void): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.dropConnections();
    await closed;
    whileDown?.();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    this.server = http.createServer((req, res) => this.handle(req, res));
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.dropConnections();
    await closed;
  }

  forbid(path: string): void {
    this.forbidden.add(path);
  }

  allow(path: string): void {
    this.forbidden.delete(path);
  }

  /** Forgets history up to now: watches from older versions get 410 Gone. */
  compact(): void {
    this.compactedRV = this.rv;
    this.history = [];
  }

  bookmark(): void {
    for (const watcher of this.watchers) this.send(watcher.response, 'BOOKMARK', { metadata: { name: '' } });
  }

  upsert(resource: Resource, object: Obj): void {
    const key = keyOf(object);
    const type = this.store[resource].has(key) ? 'MODIFIED' : 'ADDED';
    this.record(resource, type, object);
  }

  remove(resource: Resource, name: string, namespace?: string): void {
    const key = namespace ? `${namespace}/${name}` : name;
    const object = this.store[resource].get(key);
    if (object) this.record(resource, 'DELETED', object);
  }

  private record(resource: Resource, type: Event['type'], object: Obj): void {
    const rv = ++this.rv;
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
    const key = keyOf(stored);
    if (type === 'DELETED') this.store[resource].delete(key);
    else this.store[resource].set(key, stored);
    const event = { rv, type, resource, object: stored };
    this.history.push(event);
    for (const watcher of this.watchers)
      if (matches(watcher, event)) this.send(watcher.response, type, stored);
  }

  private send(response: http.ServerResponse, type: string, object: Obj): void {
    const withVersion = { ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } };
    response.write(`${JSON.stringify({ type, object: type === 'BOOKMARK' ? withVersion : object })}\n`);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    this.requests.push(`${req.method} ${req.url}`);
    this.beforeRequest?.(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://fake');
    const route =
      /^\/(?:api\/v1|apis\/apps\/v1)\/(?:namespaces\/([^/]+)\/)?(namespaces|nodes|pods|daemonsets)$/.exec(
        url.pathname,
      );
    if (req.headers.authorization !== 'Bearer secret')
      return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (!route) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    if (this.forbidden.has(url.pathname)) {
      const resource = route[2];
      return status(
        res,
        403,
        'Forbidden',
        `${resource} is forbidden: User "tester" cannot list resource "${resource}" in API group "" at the cluster scope`,
      );
    }
    const watcher: Watcher = {
      resource: route[2] as Resource,
      namespace: route[1],
      nodeName: /^spec\.nodeName=(.*)$/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1],
      response: res,
    };
    if (url.searchParams.get('watch')) return this.watch(watcher, url);
    this.list(watcher, url);
  }

  private list(watcher: Watcher, url: URL) {
    const all = [...this.store[watcher.resource].values()]
      .filter((object) => matches(watcher, { object } as Event))
      .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const token = url.searchParams.get('continue');
    let offset = 0;
    let listRV = this.rv;
    if (token) {
      const parsed = JSON.parse(Buffer.from(token, 'base64').toString()) as { rv: number; offset: number };
      if (parsed.rv < this.compactedRV)
        return status(res(watcher), 410, 'Expired', 'The provided continue parameter is too old');
      offset = parsed.offset;
      listRV = parsed.rv;
    }
    const limit = Number(url.searchParams.get('limit') ?? all.length) || all.length;
    const items = all.slice(offset, offset + limit);
    const more = offset + limit < all.length;
    const metadata = {
      resourceVersion: String(listRV),
      ...(more
        ? { continue: Buffer.from(JSON.stringify({ rv: listRV, offset: offset + limit })).toString('base64') }
        : {}),
    };
    res(watcher).writeHead(200, { 'Content-Type': 'application/json' });
    res(watcher).end(JSON.stringify({ kind: 'List', metadata, items }));
  }

  private watch(watcher: Watcher, url: URL) {
    const from = Number(url.searchParams.get('resourceVersion') || 0);
    const response = res(watcher);
    if (from && from < this.compactedRV && this.goneAsHttpStatus)
      return status(response, 410, 'Gone', `too old resource version: ${from} (${this.compactedRV})`);
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    response.flushHeaders();
    if (from && from < this.compactedRV) {
      const gone = {
        kind: 'Status',
        status: 'Failure',
        code: 410,
        reason: 'Expired',
        message: `too old resource version: ${from} (${this.compactedRV})`,
      };
      response.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
      return;
    }
    for (const event of this.history)
      if (event.rv > from && matches(watcher, event)) this.send(response, event.type, event.object);
    this.watchers.add(watcher);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    const timer = timeout ? setTimeout(() => response.end(), timeout * 1000) : undefined;
    response.on('close', () => {
      clearTimeout(timer);
      this.watchers.delete(watcher);
    });
  }
}

function res(watcher: Watcher): http.ServerResponse {
  return watcher.response;
}

function keyOf(object: Obj): string {
  return object.metadata.namespace
    ? `${object.metadata.namespace}/${object.metadata.name}`
    : object.metadata.name;
}

function matches(watcher: Watcher, event: Pick<Event, 'object'> & Partial<Event>): boolean {
  if (event.resource && event.resource !== watcher.resource) return false;
  if (watcher.namespace && event.object.metadata.namespace !== watcher.namespace) return false;
  const spec = event.object.spec as { nodeName?: string } | undefined;
  return !watcher.nodeName || spec?.nodeName === watcher.nodeName;
}

function status(response: http.ServerResponse, code: number, reason: string, message: string): void {
  response.writeHead(code, { 'Content-Type': 'application/json' });
  response.end(
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }),
  );
}

/** A pod as the API server would send it, trimmed to what the inventory reads (plus noise it must drop). */
export function pod(
  namespace: string,
  name: string,
  fields: { node?: string; ip?: string; phase?: string } = {},
): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: `uid-${namespace}-${name}`,
      labels: { app: name.replace(/-\w+$/, '') },
      managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': {} } }],
    },
    spec: { nodeName: fields.node ?? 'node-a', containers: [{ name: 'main', image: 'nginx' }] },
    status: {
      phase: fields.phase ?? 'Running',
      hostIP: '10.0.0.1',
      podIP: fields.ip ?? '',
      podIPs: fields.ip ? [{ ip: fields.ip }] : [],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

export function node(name: string, annotations: Record<string, string> = {}): Obj {
  return {
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name }, annotations },
    spec: { podCIDR: '10.244.0.0/24' },
    status: {
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

export function namespace(name: string): Obj {
  return { kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } };
}

/** Resolves when `check` returns true, polling; rejects with `what` after `ms`. */
export async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
