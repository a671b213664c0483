import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FileGrants } from '../../../main/app/file-grants.js';
import { createClient } from '../../../main/ipc/client.js';
import { contract } from '../../../main/ipc/contract/index.js';
import { EventBus } from '../../../main/ipc/event-bus.js';
import { createRouter, type Router } from '../../../main/ipc/router.js';
import { webSocketTransport } from '../../../main/ipc/websocket-transport.js';
import { RENDERER_CSP } from '../../../main/serve/headers.js';
import { type ServeServer, startServeServer } from '../../../main/serve/server.js';
import { request, upgradeStatus } from './helpers.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
let dir: string;
let ui: string;
let files: FileGrants;
let router: Router;
let bus: EventBus;
let server: ServeServer | undefined;

const info = {
  name: 'ClusterTap',
  version: '1.2.3',
  mode: 'serve',
  platform: 'linux',
  arch: 'x64',
  versions: { node: '20', electron: null },
  features: { nativeDialogs: false, downloads: true, uploads: true },
} as const;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-serve-'));
  ui = path.join(dir, 'ui');
  fs.mkdirSync(path.join(ui, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>ClusterTap</title>');
  fs.writeFileSync(path.join(ui, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the UI');
  files = new FileGrants();
  bus = new EventBus();
  router = createRouter({ handlers: { 'app.info': () => info }, bus, mode: 'serve', log: () => {} });
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  router.close();
  files.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(options: Partial<Parameters<typeof startServeServer>[0]> = {}) {
  server = await startServeServer({ bind: '127.0.0.1', port: 0, router, files, rendererDir: ui, ...options });
  return { s: server, base: `http://127.0.0.1:${server.port}` };
}

describe('static UI', () => {
  it('serves the built renderer with the security headers', async () => {
    const { base } = await start();
    const page = await request(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>ClusterTap</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['content-security-policy']).toContain(`connect-src 'self' ws://127.0.0.1:`);
    const js = await request(`${base}/assets/app.js`);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log(1)');
    // The UI routes itself: an extensionless path gets the page, a missing file does not.
    expect((await request(`${base}/pods/shop`)).body).toContain('<title>ClusterTap</title>');
    expect((await request(`${base}/assets/missing.js`)).status).toBe(404);
  });

  it('never serves a file outside the UI directory', async () => {
    const { base } = await start();
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/.%2e/secret.txt',
      '/%00',
    ]) {
      const answer = await request(`${base}${p}`);
      expect(answer.body, p).not.toContain('outside the UI');
      expect([400, 404], p).toContain(answer.status);
    }
  });

  it('says to run npm run build when the UI is not built', async () => {
    const { base } = await start({ rendererDir: path.join(dir, 'nothing') });
    const answer = await request(`${base}/`);
    expect(answer.status).toBe(503);
    expect(answer.body).toContain('The ClusterTap UI is not built');
    expect(answer.body).toContain('Run `npm run build` in the ClusterTap repository');
  });

  it("uses renderer/index.html's CSP, only tightened", () => {
    const html = fs.readFileSync(path.join(REPO, 'renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    const directives = (csp: string) =>
      new Map(
        csp.split(';').map(
          (d) =>
            d
              .trim()
              .split(/\s+(.*)/s)
              .slice(0, 2) as [string, string],
        ),
      );
    const ours = directives(RENDERER_CSP);
    for (const [name, value] of directives(meta ?? '')) expect(ours.get(name), name).toBe(value);
  });
});

describe('loopback mode: no token, but Host and Origin are checked', () => {
  it('refuses another host name for the address (DNS rebinding)', async () => {
    const { base, s } = await start();
    const rebound = await request(`${base}/`, { host: `attacker.example:${s.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('this server answers only to');
    expect((await request(`${base}/`, { host: `localhost:${s.port}` })).status).toBe(200);
    expect(
      (await upgradeStatus(`ws://127.0.0.1:${s.port}/api`, { Host: `attacker.example:${s.port}` })).status,
    ).toBe(403);
  });

  it('refuses a WebSocket from another origin (cross-site WebSocket hijacking)', async () => {
    const { s } = await start();
    const url = `ws://127.0.0.1:${s.port}/api`;
    expect((await upgradeStatus(url, { Origin: 'http://attacker.example' })).status).toBe(403);
    expect((await upgradeStatus(url, { Origin: 'null' })).status).toBe(403);
    expect((await upgradeStatus(url, { Origin: `http://127.0.0.1:${s.port}` })).status).toBe(101);
    expect((await upgradeStatus(url)).status).toBe(101); // not a browser: no Origin
    expect((await upgradeStatus(`ws://127.0.0.1:${s.port}/other`)).status).toBe(404);
  });
});

describe('token mode', () => {
  it('exchanges ?token= for an HttpOnly SameSite=Strict cookie and requires it everywhere', async () => {
    const { s, base } = await start({ token: 'tok-123' });
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/?token=tok-123`);
    const bare = await request(`${base}/`);
    expect(bare.status).toBe(401);
    expect(bare.body).toContain('needs its access token');
    expect((await request(`${base}/?token=wrong`)).status).toBe(401);
    const exchange = await request(`${base}/?token=tok-123&view=pods`);
    expect(exchange.status).toBe(302);
    expect(exchange.headers.location).toBe('/?view=pods');
    expect(exchange.headers['cache-control']).toBe('no-store');
    expect(exchange.headers['set-cookie']).toEqual([
      `clustertap-${s.port}=tok-123; HttpOnly; SameSite=Strict; Path=/`,
    ]);
    const cookie = `clustertap-${s.port}=tok-123`;
    expect((await request(`${base}/`, { headers: { Cookie: cookie } })).status).toBe(200);
    expect((await request(`${base}/`, { headers: { Cookie: `clustertap-${s.port}=nope` } })).status).toBe(
      401,
    );
    expect((await request(`${base}/`, { headers: { Authorization: 'Bearer tok-123' } })).status).toBe(200);
    // In token mode any host name may be used (the token is the check), but Origin must still match.
    expect(
      (await request(`${base}/`, { host: `jump.example:${s.port}`, headers: { Cookie: cookie } })).status,
    ).toBe(200);
    const ws = `ws://127.0.0.1:${s.port}/api`;
    expect((await upgradeStatus(ws)).status).toBe(401);
    expect((await upgradeStatus(ws, { Cookie: cookie })).status).toBe(101);
    expect((await upgradeStatus(ws, { Cookie: cookie, Origin: 'http://attacker.example' })).status).toBe(403);
  });
});

describe('the contract on /api', () => {
  it('round-trips requests and events through the browser transport', async () => {
    const { s } = await start();
    const transport = webSocketTransport({
      url: `ws://127.0.0.1:${s.port}/api`,
      create: (u) => new WebSocket(u, { origin: `http://127.0.0.1:${s.port}` }) as never,
    });
    const api = createClient(transport, { validateWith: contract });
    try {
      expect(await api.request('app.info', {})).toEqual({ ok: true, value: info });
      const got: string[] = [];
      api.subscribe('menu.command', (e) => got.push(e.command));
      // Let the subscribe message arrive before the event.
      await api.request('app.info', {});
      bus.emit('menu.command', { command: 'open-capture' });
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual(['open-capture']);
      expect(await api.request('contexts.list', {})).toMatchObject({
        ok: false,
        error: { kind: 'unavailable' },
      });
    } finally {
      api.close();
      transport.close();
    }
  });

  it('closes a socket that sends binary or non-JSON frames, and closes everyone with 1001 on shutdown', async () => {
    const { s } = await start();
    const url = `ws://127.0.0.1:${s.port}/api`;
    const closeCode = (ws: WebSocket) =>
      new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const binary = new WebSocket(url);
    await new Promise((r) => binary.on('open', r));
    const binaryClosed = closeCode(binary);
    binary.send(Buffer.from([1, 2, 3]));
    expect(await binaryClosed).toBe(1003);
    const text = new WebSocket(url);
    await new Promise((r) => text.on('open', r));
    const textClosed = closeCode(text);
    text.send('{not json');
    expect(await textClosed).toBe(1007);
    const idle = new WebSocket(url);
    await new Promise((r) => idle.on('open', r));
    const idleClosed = closeCode(idle);
    expect(router.connectionCount).toBe(1);
    await s.close();
    expect(await idleClosed).toBe(1001);
    expect(router.connectionCount).toBe(0);
  });
});

describe('downloads', () => {
  it('serves a registered file once, as an attachment', async () => {
    const { s, base } = await start();
    const file = path.join(dir, 'cap.pcapng');
    fs.writeFileSync(file, Buffer.from('pcapng bytes'));
    const { url } = s.downloads.register(file, { name: 'shop – capture.pcapng', deleteAfter: true });
    expect(url).toMatch(/^\/download\/[\w-]{32}$/);
    const first = await request(`${base}${url}`);
    expect(first.status).toBe(200);
    expect(first.body).toBe('pcapng bytes');
    expect(first.headers['content-disposition']).toBe(
      `attachment; filename="shop _ capture.pcapng"; filename*=UTF-8''shop%20%E2%80%93%20capture.pcapng`,
    );
    expect(first.headers['cache-control']).toBe('no-store');
    await new Promise((r) => setTimeout(r, 20));
    expect(fs.existsSync(file)).toBe(false); // deleteAfter
    const second = await request(`${base}${url}`);
    expect(second.status).toBe(404);
    expect(second.body).toContain('already used or has expired');
    expect((await request(`${base}/download/unknown`)).status).toBe(404);
  });

  it('needs the token like everything else', async () => {
    const { s, base } = await start({ token: 't' });
    const file = path.join(dir, 'cap.pcapng');
    fs.writeFileSync(file, 'x');
    const { url } = s.downloads.register(file, { name: 'cap.pcapng' });
    expect((await request(`${base}${url}`)).status).toBe(401);
    expect((await request(`${base}${url}`, { headers: { Authorization: 'Bearer t' } })).status).toBe(200);
  });
});

describe('uploads', () => {
  const headers = (port: number) => ({ 'X-ClusterTap': '1', Origin: `http://127.0.0.1:${port}` });

  it('streams the body to a private temporary file and answers a file id', async () => {
    const { s, base } = await start();
    const body = Buffer.alloc(100_000, 7);
    const answer = await request(`${base}/upload?name=${encodeURIComponent('../../evil/in.pcapng')}`, {
      method: 'POST',
      headers: headers(s.port),
      body,
    });
    expect(answer.status).toBe(201);
    const ref = JSON.parse(answer.body).value;
    expect(ref).toMatchObject({ name: 'in.pcapng', size: 100_000 });
    const taken = files.take(ref.id, 'read');
    expect(fs.readFileSync(taken.path)).toEqual(body);
    expect((fs.statSync(taken.path).mode & 0o777).toString(8)).toBe('600');
    expect(taken.temporary).toBe(true);
  });

  it('refuses a file over the limit, whether it says its length or not, and keeps nothing', async () => {
    const { s, base } = await start({ maxUploadBytes: 1000 });
    const declared = await request(`${base}/upload?name=big.pcap`, {
      method: 'POST',
      headers: headers(s.port),
      body: Buffer.alloc(5000),
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.message).toContain('larger than the upload limit of 1000 bytes');
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: s.port, path: '/upload', method: 'POST', headers: headers(s.port) },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.write(Buffer.alloc(800));
      setTimeout(() => req.end(Buffer.alloc(800)), 20);
    });
    expect(chunked).toBe(413);
    expect(files.size).toBe(0);
  });

  it('refuses uploads not made by the page (no X-ClusterTap header, other origin, GET)', async () => {
    const { s, base } = await start();
    expect(
      (
        await request(`${base}/upload`, {
          method: 'POST',
          headers: { Origin: `http://127.0.0.1:${s.port}` },
          body: 'x',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await request(`${base}/upload`, {
          method: 'POST',
          headers: { 'X-ClusterTap': '1', Origin: 'http://attacker.example' },
          body: 'x',
        })
      ).status,
    ).toBe(403);
    expect(
      (await request(`${base}/upload`, { method: 'POST', headers: { 'X-ClusterTap': '1' }, body: 'x' }))
        .status,
    ).toBe(403);
    expect((await request(`${base}/upload`)).status).toBe(405);
    expect(files.size).toBe(0);
  });
});
