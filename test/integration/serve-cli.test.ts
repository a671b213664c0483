import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from '../../main/ipc/client.js';
import { contract } from '../../main/ipc/contract/index.js';
import { webSocketTransport } from '../../main/ipc/websocket-transport.js';
import { CLI, REPO, type Spawned, start, tempDir, waitFor } from '../helpers/run.js';
import { request, upgradeStatus } from '../unit/serve/helpers.js';

/**
 * `clustertap serve` as a user runs it (bin/clustertap.js, built with `npx tsc -p tsconfig.json`):
 * the URL on stdout, the UI and the contract on one loopback port, Host/Origin checks, a clear
 * error for a port in use, a clean exit on SIGTERM.
 */
const dir = tempDir('ct-serve');
const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string })
  .version;
const kubeconfig = path.join(dir, 'kubeconfig');
const ui = path.join(dir, 'ui');
const running: Spawned[] = [];

beforeAll(() => {
  if (!fs.existsSync(path.join(REPO, 'dist/main/cli/serve-command.js')))
    throw new Error('clustertap is not built: run `npx tsc -p tsconfig.json` first');
  fs.writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
current-context: lab
clusters:
- {name: lab, cluster: {server: 'https://127.0.0.1:1'}}
- {name: prod, cluster: {server: 'https://192.0.2.10:6443'}}
users:
- {name: me, user: {token: do-not-leak}}
contexts:
- {name: lab, context: {cluster: lab, user: me, namespace: shop}}
- {name: prod, context: {cluster: prod, user: me}}
`,
  );
  fs.mkdirSync(ui);
  fs.writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>ClusterTap UI</title>');
});

afterEach(async () => {
  for (const run of running.splice(0)) {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await run.exited;
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Starts serve and waits for the URL on stdout. */
async function serve(args: string[], env: Record<string, string> = {}) {
  const run = start(process.execPath, [CLI, 'serve', '--port', '0', ...args], undefined, {
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    CLUSTERTAP_UI_DIR: ui,
    CLUSTERTAP_DEV: '1',
    ...env,
  });
  running.push(run);
  await waitFor(() => /^http:\/\//m.test(run.stdout()) || run.child.exitCode !== null, 15_000, 'the URL');
  if (run.child.exitCode !== null) throw new Error(`serve exited early: ${run.stderr()}`);
  const url = run.stdout().trim();
  const port = Number(new URL(url).port);
  return { run, url, port };
}

function client(port: number) {
  const transport = webSocketTransport({
    url: `ws://127.0.0.1:${port}/api`,
    create: (u) => new WebSocket(u, { origin: `http://127.0.0.1:${port}` }) as never,
  });
  const api = createClient(transport, { validateWith: contract, timeoutMs: 10_000 });
  return {
    api,
    close: () => {
      api.close();
      transport.close();
    },
  };
}

describe('clustertap serve (loopback)', () => {
  it('prints the URL on stdout, the rest on stderr, and serves the UI without a token', async () => {
    const { run, url, port } = await serve(['--kubeconfig', kubeconfig]);
    expect(url).toBe(`http://127.0.0.1:${port}/`);
    expect(run.stderr()).toContain(`ClusterTap ${version} is serving its UI on loopback. Ctrl-C stops it.`);
    const page = await request(url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>ClusterTap UI</title>');
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'self'; script-src 'self'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers app.info, contexts.list and filter.validate over the WebSocket', async () => {
    const { port } = await serve(['--kubeconfig', kubeconfig]);
    const { api, close } = client(port);
    try {
      expect(await api.request('app.info', {})).toMatchObject({
        ok: true,
        value: {
          name: 'ClusterTap',
          version,
          mode: 'serve',
          platform: process.platform,
          features: { downloads: true, uploads: true, nativeDialogs: false },
        },
      });
      const contexts = await api.request('contexts.list', {});
      expect(contexts).toMatchObject({
        ok: true,
        value: {
          current: 'lab',
          problem: null,
          sources: [{ path: kubeconfig, exists: true, from: 'flag' }],
          contexts: [
            {
              name: 'lab',
              cluster: 'lab',
              user: 'me',
              namespace: 'shop',
              server: 'https://127.0.0.1:1',
              current: true,
            },
            {
              name: 'prod',
              cluster: 'prod',
              namespace: 'default',
              server: 'https://192.0.2.10:6443',
              current: false,
            },
          ],
        },
      });
      expect(JSON.stringify(contexts)).not.toContain('do-not-leak');
      // libpcap's own words, as tcpdump prints them after "tcpdump: ".
      const tcpdump = start('tcpdump', ['-d', 'tcp port']);
      await tcpdump.exited;
      const libpcap = /tcpdump: (.*)/.exec(tcpdump.stderr())?.[1];
      expect(libpcap).toBe("can't parse filter expression: syntax error");
      expect(await api.request('filter.validate', { expression: 'tcp port' })).toEqual({
        ok: true,
        value: { valid: false, expression: 'tcp port', message: libpcap },
      });
      expect(
        await api.request('filter.validate', { expression: 'tcp port 443 and host 10.0.0.1' }),
      ).toMatchObject({
        ok: true,
        value: { valid: true },
      });
      expect(await api.request('contexts.use', { context: 'nope' })).toMatchObject({
        ok: false,
        error: { kind: 'kubeconfig', message: expect.stringContaining('context "nope" does not exist') },
      });
    } finally {
      close();
    }
  });

  it('refuses a rebound host name and a cross-site WebSocket', async () => {
    const { url, port } = await serve(['--kubeconfig', kubeconfig]);
    const rebound = await request(url, { host: `rebind.attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('this server answers only to');
    const ws = `ws://127.0.0.1:${port}/api`;
    expect((await upgradeStatus(ws, { Origin: 'https://attacker.example' })).status).toBe(403);
    expect((await upgradeStatus(ws, { Host: `rebind.attacker.example:${port}` })).status).toBe(403);
    expect(
      (await upgradeStatus(ws, { Origin: `http://localhost:${port}`, Host: `localhost:${port}` })).status,
    ).toBe(101);
  });

  it('treats 127.0.0.2 as loopback (no token), answering to that address', async () => {
    const { url, port } = await serve(['--bind', '127.0.0.2', '--kubeconfig', kubeconfig]);
    expect(url).toBe(`http://127.0.0.2:${port}/`);
    expect((await request(url)).status).toBe(200);
  });

  it('requires the token on loopback too with --token', async () => {
    const { url, port } = await serve(['--token', '--kubeconfig', kubeconfig]);
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[A-Za-z0-9_-]{43}$`));
    expect((await request(`http://127.0.0.1:${port}/`)).status).toBe(401);
    expect((await request(url)).status).toBe(302);
  });

  it('says the UI is not built when dist/renderer is missing', async () => {
    const { url } = await serve(['--kubeconfig', kubeconfig], { CLUSTERTAP_UI_DIR: path.join(dir, 'no-ui') });
    const page = await request(url);
    expect(page.status).toBe(503);
    expect(page.body).toContain('Run `npm run build`');
  });

  it('names the port and --port when the port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const run = start(
        process.execPath,
        [CLI, 'serve', '--port', String(port), '--kubeconfig', kubeconfig],
        undefined,
        {
          XDG_CONFIG_HOME: path.join(dir, 'config'),
        },
      );
      running.push(run);
      expect(await run.exited).toBe(1);
      expect(run.stderr().trim()).toBe(
        `clustertap: port ${port} on 127.0.0.1 is already in use (another clustertap serve?); choose another with --port`,
      );
      expect(run.stdout()).toBe('');
    } finally {
      blocker.close();
    }
  });

  it('exits 0 on SIGTERM, closing the WebSockets (1001) and stopping the watches', async () => {
    const { run, port } = await serve(['--kubeconfig', kubeconfig]);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`);
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await closed).toBe(1001);
    expect(run.stderr()).toContain('clustertap: SIGTERM: stopping');
    expect(run.stderr()).toContain('clustertap: stopped');
  });

  it('rejects a bad --port with a usage error', async () => {
    const run = start(process.execPath, [CLI, 'serve', '--port', '80000']);
    running.push(run);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('--port must be 0–65535, not "80000"');
  });
});
