import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from '../../main/ipc/client.js';
import { webSocketTransport } from '../../main/ipc/websocket-transport.js';
import { NetnsLab, tryDeleteNamespace } from '../helpers/netns.js';
import { CLI, REPO, type Spawned, sh, start, tempDir, waitFor } from '../helpers/run.js';
import { request, upgradeStatus } from '../unit/serve/helpers.js';

/**
 * `clustertap serve --bind` on an address that is not loopback: the access token is required.
 * 127.0.0.2 would still be loopback, so the server runs in a throw-away network namespace on
 * 198.18.77.1, joined to this namespace by a veth (198.18.77.2 here), and the test talks to it
 * over that link as a machine on the network would.
 *
 *   this netns  ct-srv-h 198.18.77.2/30 ──veth── ct-srv-n 198.18.77.1/30  netns <prefix>-srv
 *                                                                        clustertap serve --bind 198.18.77.1
 */
const unavailable = NetnsLab.unavailableReason();
const lab = new NetnsLab(`ctsv${process.pid % 10000}`);
const HOST_DEV = `ctsv${process.pid % 10000}h`;
const SERVER_IP = '198.18.77.1';
const dir = tempDir('ct-serve-remote');
let ns = '';
let run: Spawned | undefined;
let url = '';
let port = 0;

describe.skipIf(unavailable)('clustertap serve on a non-loopback address', () => {
  beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO, 'dist/main/cli/serve-command.js')))
      throw new Error('clustertap is not built: run `npx tsc -p tsconfig.json` first');
    ns = lab.addNamespace('srv');
    sh('ip', ['link', 'add', HOST_DEV, 'type', 'veth', 'peer', 'name', 'srv0', 'netns', ns]);
    sh('ip', ['addr', 'add', '198.18.77.2/30', 'dev', HOST_DEV]);
    sh('ip', ['link', 'set', HOST_DEV, 'up']);
    lab.exec(ns, `ip addr add ${SERVER_IP}/30 dev srv0 && ip link set srv0 up`);
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\ncurrent-context: a\nclusters: [{name: a, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: a, user: {}}]\ncontexts: [{name: a, context: {cluster: a, user: a}}]\n',
    );
    fs.mkdirSync(path.join(dir, 'ui'));
    fs.writeFileSync(path.join(dir, 'ui', 'index.html'), '<!doctype html><title>ClusterTap UI</title>');
    run = start(
      process.execPath,
      [CLI, 'serve', '--bind', SERVER_IP, '--port', '7480', '--kubeconfig', kubeconfig],
      ns,
      { XDG_CONFIG_HOME: path.join(dir, 'config'), CLUSTERTAP_UI_DIR: path.join(dir, 'ui') },
    );
    const r = run;
    await waitFor(() => /^http:/m.test(r.stdout()) || r.child.exitCode !== null, 15_000, 'the URL');
    if (r.child.exitCode !== null) throw new Error(`serve exited: ${r.stderr()}`);
    url = r.stdout().trim();
    port = Number(new URL(url).port);
  });

  afterAll(async () => {
    run?.child.kill('SIGTERM');
    await run?.exited;
    lab.cleanup(); // the veth goes with the namespace
    tryDeleteNamespace(ns);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints a URL with a 32-byte token, Jupyter style', () => {
    expect(url).toMatch(/^http:\/\/198\.18\.77\.1:7480\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(run?.stderr()).toContain(`is serving its UI on ${SERVER_IP}; open it with the token in this URL`);
  });

  it('refuses every request without the token', async () => {
    const bare = await request(`http://${SERVER_IP}:${port}/`);
    expect(bare.status).toBe(401);
    expect(bare.body).toContain('needs its access token');
    expect((await request(`http://${SERVER_IP}:${port}/?token=guess`)).status).toBe(401);
    expect((await request(`http://${SERVER_IP}:${port}/download/x`)).status).toBe(401);
    expect(
      (
        await request(`http://${SERVER_IP}:${port}/upload`, {
          method: 'POST',
          headers: { 'X-ClusterTap': '1', Origin: `http://${SERVER_IP}:${port}` },
        })
      ).status,
    ).toBe(401);
    expect((await upgradeStatus(`ws://${SERVER_IP}:${port}/api`)).status).toBe(401);
  });

  it('exchanges the token for a cookie that opens the UI and the API', async () => {
    const exchange = await request(url);
    expect(exchange.status).toBe(302);
    expect(exchange.headers.location).toBe('/');
    expect(exchange.headers['cache-control']).toBe('no-store');
    const setCookie = exchange.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(
      new RegExp(`^clustertap-${port}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/$`),
    );
    const cookie = setCookie.split(';')[0] ?? '';
    const page = await request(`http://${SERVER_IP}:${port}/`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('ClusterTap UI');
    const origin = `http://${SERVER_IP}:${port}`;
    expect(
      (await upgradeStatus(`ws://${SERVER_IP}:${port}/api`, { Cookie: cookie, Origin: origin })).status,
    ).toBe(101);
    expect(
      (
        await upgradeStatus(`ws://${SERVER_IP}:${port}/api`, {
          Cookie: cookie,
          Origin: 'http://attacker.example',
        })
      ).status,
    ).toBe(403);

    const transport = webSocketTransport({
      url: `ws://${SERVER_IP}:${port}/api`,
      create: (u) => new WebSocket(u, { headers: { Cookie: cookie }, origin }) as never,
    });
    const api = createClient(transport, { timeoutMs: 10_000 });
    try {
      expect(await api.request('app.info', {})).toMatchObject({ ok: true, value: { mode: 'serve' } });
      expect(await api.request('contexts.list', {})).toMatchObject({ ok: true, value: { current: 'a' } });
    } finally {
      api.close();
      transport.close();
    }
  });

  it('takes the token as a bearer header too (scripts)', async () => {
    const token = new URL(url).searchParams.get('token') ?? '';
    expect(
      (await request(`http://${SERVER_IP}:${port}/`, { headers: { Authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(200);
  });
});

if (unavailable) it(`skipped: ${unavailable}`, () => {});
