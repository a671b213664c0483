import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FileGrants } from '../app/file-grants.js';
import { UsageError } from '../broker/allow-list.js';
import type { Router } from '../ipc/router.js';
import { API_PATH } from '../ipc/wire.js';
import { Access, hostPort, isLoopbackAddress, newToken, type Verdict } from './access.js';
import { securityHeaders, sendPage } from './headers.js';
import { defaultRendererDir, serveStatic } from './static-files.js';
import { DownloadRegistry, receiveUpload, serveDownload, uploadDirectory } from './transfers.js';

/**
 * `clustertap serve`'s one HTTP server: the built UI as static files, the contract on a WebSocket
 * at /api, one-time downloads and uploads, all behind the checks of access.ts.
 */

export interface ServeServerOptions {
  bind: string;
  /** 0 picks a free port. */
  port: number;
  /** Require a token even on loopback (shared machines); a string fixes it (tests). Non-loopback always does. */
  token?: boolean | string;
  router: Router;
  files: FileGrants;
  /** Shared with the core (AppCore `downloads`), which registers the files; default a new one. */
  downloads?: DownloadRegistry;
  rendererDir?: string;
  /** Default 2 GiB. */
  maxUploadBytes?: number;
  /** Ping interval that finds dead WebSockets; default 30 s. */
  heartbeatMs?: number;
  log?: (line: string) => void;
}

export interface ServeServer {
  /** What to open (and print): with `?token=` when a token is needed. */
  readonly url: string;
  readonly port: number;
  readonly access: Access;
  readonly downloads: DownloadRegistry;
  /** Closes the WebSockets (code 1001) and the server; resolves once everything is closed. */
  close(): Promise<void>;
}

/** Above this many bytes waiting for a slow page, its socket is closed (it reconnects and resyncs). */
const MAX_BUFFERED = 64 * 1024 * 1024;

export async function startServeServer(options: ServeServerOptions): Promise<ServeServer> {
  const log = options.log ?? (() => {});
  const loopback = isLoopbackAddress(options.bind);
  const tokenWanted = options.token !== undefined && options.token !== false;
  const token =
    typeof options.token === 'string' ? options.token : !loopback || tokenWanted ? newToken() : undefined;
  const rendererDir = options.rendererDir ?? defaultRendererDir();
  const downloads = options.downloads ?? new DownloadRegistry();
  const uploads = uploadDirectory();
  const maxUploadBytes = options.maxUploadBytes ?? 2 * 1024 ** 3;
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  // Known once listening (port 0); the Access checks need it.
  let access = new Access({ bind: options.bind, port: options.port, token });

  const refuse = (req: http.IncomingMessage, res: http.ServerResponse, verdict: Verdict & { ok: false }) =>
    sendPage(
      req,
      res,
      verdict.status,
      verdict.status === 401 ? 'Access token needed' : 'Request refused',
      verdict.reason,
    );

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://clustertap.invalid');
    const where = access.checkHostAndOrigin(req, req.method === 'POST');
    if (!where.ok) return refuse(req, res, where);
    if (
      access.requiresToken &&
      url.searchParams.has('token') &&
      (req.method === 'GET' || req.method === 'HEAD')
    ) {
      // Jupyter-style: the token in the URL becomes a cookie, and the URL loses it (history, referrers).
      if (!access.matches(url.searchParams.get('token') ?? ''))
        return sendPage(
          req,
          res,
          401,
          'Wrong access token',
          'That access token is not this server’s: open the URL that `clustertap serve` printed most recently.',
        );
      url.searchParams.delete('token');
      res.writeHead(302, {
        ...securityHeaders(req),
        Location: `${url.pathname}${url.search}`,
        'Set-Cookie': access.cookie(),
        'Cache-Control': 'no-store',
      });
      return void res.end();
    }
    const allowed = access.checkToken(req);
    if (!allowed.ok) return refuse(req, res, allowed);

    const download = /^\/download\/([\w-]{1,100})$/.exec(url.pathname);
    if (download && (req.method === 'GET' || req.method === 'HEAD'))
      return serveDownload(downloads, download[1] ?? '', req, res);
    if (url.pathname === '/upload') {
      if (req.method !== 'POST')
        return sendPage(req, res, 405, 'Method not allowed', 'POST a capture file here.', { Allow: 'POST' });
      // A header no cross-site form can send: CSRF protection that does not depend on Origin alone.
      if (req.headers['x-clustertap'] !== '1')
        return sendPage(req, res, 403, 'Request refused', 'uploads must come from the ClusterTap page');
      void receiveUpload(
        { files: options.files, maxBytes: maxUploadBytes, dir: uploads },
        req,
        res,
        url,
      ).catch((error: unknown) => {
        log(`clustertap: upload failed: ${(error as Error).message}`);
        res.destroy();
      });
      return;
    }
    if (url.pathname === API_PATH)
      return sendPage(req, res, 426, 'WebSocket only', 'The API speaks WebSocket at /api.', {
        Upgrade: 'websocket',
      });
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendPage(req, res, 405, 'Method not allowed', `${req.method} is not used here.`, {
        Allow: 'GET, HEAD',
      });
    serveStatic(rendererDir, req, res, url.pathname);
  });

  const rejectUpgrade = (socket: Duplex, status: number, reason: string) => {
    const body = `${reason}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://clustertap.invalid');
    if (url.pathname !== API_PATH)
      return rejectUpgrade(socket, 404, `no WebSocket at ${url.pathname}; use ${API_PATH}`);
    const where = access.checkHostAndOrigin(req);
    if (!where.ok) return rejectUpgrade(socket, where.status, where.reason);
    const allowed = access.checkToken(req);
    if (!allowed.ok) return rejectUpgrade(socket, allowed.status, allowed.reason);
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  const attach = (ws: WebSocket) => {
    sockets.add(ws);
    let alive = true;
    const connection = options.router.connect((message) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED) return ws.close(1013, 'the page cannot keep up');
      ws.send(JSON.stringify(message));
    });
    ws.on('pong', () => {
      alive = true;
    });
    const heartbeat = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, options.heartbeatMs ?? 30_000);
    heartbeat.unref();
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'the API speaks JSON text frames');
      let message: unknown;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return ws.close(1007, 'not JSON');
      }
      connection.receive(message);
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clearInterval(heartbeat);
      sockets.delete(ws);
      connection.close();
    });
  };

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(listenError(error, options.bind, options.port));
    server.once('error', onError);
    server.listen({ host: options.bind, port: options.port }, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch((error: unknown) => {
    fs.rmSync(uploads, { recursive: true, force: true });
    throw error;
  });
  server.on('error', (error) => log(`clustertap: server error: ${error.message}`));
  const port = (server.address() as net.AddressInfo).port;
  access = new Access({ bind: options.bind, port, token });
  const url = `http://${hostPort(displayHost(options.bind), port)}/${token ? `?token=${token}` : ''}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    get access() {
      return access;
    },
    downloads,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const ws of sockets) ws.close(1001, 'ClusterTap is shutting down');
        const deadline = setTimeout(() => {
          for (const ws of sockets) ws.terminate();
        }, 1000);
        server.closeIdleConnections();
        await Promise.all(
          [...sockets].map(
            (ws) =>
              new Promise<void>((resolve) =>
                ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()),
              ),
          ),
        );
        clearTimeout(deadline);
        server.closeAllConnections();
        wss.close();
        await closed;
        downloads.dispose();
        fs.rmSync(uploads, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** The address to print: the bind address, or for a wildcard bind one this machine is reachable at. */
export function displayHost(bind: string, interfaces = os.networkInterfaces()): string {
  if (bind !== '0.0.0.0' && bind !== '::' && bind !== '') return bind.replace(/^\[|\]$/g, '');
  const addresses = Object.values(interfaces)
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => a !== undefined && !a.internal);
  const v4 = addresses.find((a) => a.family === 'IPv4');
  const v6 =
    bind === '::' ? addresses.find((a) => a.family === 'IPv6' && !a.address.startsWith('fe80')) : undefined;
  return v4?.address ?? v6?.address ?? os.hostname();
}

function listenError(error: NodeJS.ErrnoException, bind: string, port: number): Error {
  if (error.code === 'EADDRINUSE')
    return new UsageError(
      `port ${port} on ${bind} is already in use (another clustertap serve?); choose another with --port`,
    );
  if (error.code === 'EADDRNOTAVAIL')
    return new UsageError(
      `cannot listen on ${bind}: it is not an address of this machine; choose one with --bind`,
    );
  if (error.code === 'EACCES')
    return new UsageError(
      `port ${port} needs privileges this user does not have; choose one above 1023 with --port`,
    );
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
    return new UsageError(`cannot listen on ${bind}: no such address; give an IP address with --bind`);
  return error;
}
