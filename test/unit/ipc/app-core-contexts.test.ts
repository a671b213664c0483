import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memorySettingsStore } from '../../../main/app/settings-store.js';
import { eventually } from '../inventory-fake-apiserver.js';
import { kubeconfigYaml, startCore, tempDir, writeKubeconfig } from './fixtures.js';

let dir: string;
let cleanup: Array<() => void> = [];

beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  for (const fn of cleanup) fn();
  cleanup = [];
  fs.rmSync(dir, { recursive: true, force: true });
});

function core(...args: Parameters<typeof startCore>) {
  const started = startCore(...args);
  cleanup.push(started.close);
  return started;
}

describe('app.info', () => {
  it('says version, mode and platform', async () => {
    const { api } = core({ source: { kubeconfig: writeKubeconfig(dir) } });
    expect(await api.request('app.info', {})).toEqual({
      ok: true,
      value: {
        name: 'ClusterTap',
        version: '9.9.9',
        mode: 'serve',
        platform: process.platform,
        arch: process.arch,
        versions: { node: process.versions.node, electron: null },
        features: { nativeDialogs: false, downloads: false, uploads: false },
      },
    });
  });
});

describe('contexts.list / contexts.use', () => {
  it('lists the contexts with cluster, user, namespace, server and the current one', async () => {
    const file = writeKubeconfig(dir);
    const { api } = core({ source: { kubeconfig: file } });
    const result = await api.request('contexts.list', {});
    expect(result).toEqual({
      ok: true,
      value: {
        sources: [{ path: file, exists: true, from: 'flag' }],
        current: 'dev',
        kubeconfigCurrent: 'dev',
        problem: null,
        contexts: [
          {
            name: 'broken',
            cluster: 'missing-cluster',
            user: 'dev-user',
            namespace: 'default',
            server: '',
            file,
            current: false,
          },
          {
            name: 'dev',
            cluster: 'dev-cluster',
            user: 'dev-user',
            namespace: 'shop',
            server: 'https://127.0.0.1:1',
            file,
            current: true,
          },
          {
            name: 'prod',
            cluster: 'prod-cluster',
            user: 'dev-user',
            namespace: 'default',
            server: 'https://192.0.2.10:6443',
            file,
            current: false,
          },
        ],
      },
    });
    expect(JSON.stringify(result)).not.toContain('secret'); // credentials never leave the core
  });

  it('switches the app’s context without touching the kubeconfig, tells every window, remembers it', async () => {
    const file = writeKubeconfig(dir);
    const before = fs.readFileSync(file);
    const settings = memorySettingsStore();
    const { api, events, record } = core({ source: { kubeconfig: file }, settings });
    record('contexts.changed');
    const result = await api.request('contexts.use', { context: 'prod' });
    expect(result.ok && result.value.current).toBe('prod');
    expect(result.ok && result.value.kubeconfigCurrent).toBe('dev');
    expect(result.ok && result.value.contexts.find((c) => c.current)?.name).toBe('prod');
    expect(events.map((e) => (e.payload as { current: string }).current)).toEqual(['prod']);
    expect(fs.readFileSync(file)).toEqual(before);
    expect(settings.get().lastContext).toBe('prod');
  });

  it('refuses an unknown or unusable context with kubectl’s sentence', async () => {
    const file = writeKubeconfig(dir);
    const { api } = core({ source: { kubeconfig: file } });
    expect(await api.request('contexts.use', { context: 'nope' })).toEqual({
      ok: false,
      error: {
        kind: 'kubeconfig',
        message: `context "nope" does not exist in ${file}; known contexts: broken, dev, prod`,
      },
    });
    expect(await api.request('contexts.use', { context: 'broken' })).toMatchObject({
      ok: false,
      error: {
        kind: 'kubeconfig',
        message: expect.stringContaining('cluster "missing-cluster" is not defined'),
      },
    });
    expect(await api.request('contexts.list', {})).toMatchObject({ ok: true, value: { current: 'dev' } });
  });

  it('starts from --context, else the last context used, else current-context', async () => {
    const file = writeKubeconfig(dir);
    const remembered = memorySettingsStore({ ...memorySettingsStore().get(), lastContext: 'prod' });
    const a = core({ source: { kubeconfig: file }, settings: remembered });
    expect(await a.api.request('contexts.list', {})).toMatchObject({ ok: true, value: { current: 'prod' } });
    const b = core({ source: { kubeconfig: file, context: 'broken' }, settings: remembered });
    expect(await b.api.request('contexts.list', {})).toMatchObject({
      ok: true,
      value: {
        current: 'broken',
        problem: { kind: 'kubeconfig', message: expect.stringContaining('cannot be used') },
      },
    });
    const stale = memorySettingsStore({ ...memorySettingsStore().get(), lastContext: 'gone' });
    const c = core({ source: { kubeconfig: file }, settings: stale });
    expect(await c.api.request('contexts.list', {})).toMatchObject({ ok: true, value: { current: 'dev' } });
  });

  it('reports a missing kubeconfig as the problem, then picks the file up when it appears', async () => {
    const home = path.join(dir, 'home');
    const { api, events, record } = core({
      source: { env: { HOME: home } },
      watchKubeconfig: { debounceMs: 10, pollMs: 50 },
    });
    record('contexts.changed');
    const first = await api.request('contexts.list', {});
    const config = path.join(home, '.kube', 'config');
    expect(first).toEqual({
      ok: true,
      value: {
        sources: [{ path: config, exists: false, from: 'default' }],
        contexts: [],
        current: null,
        kubeconfigCurrent: null,
        problem: {
          kind: 'kubeconfig',
          message: `no kubeconfig found: ${config} does not exist; set KUBECONFIG or pass --kubeconfig FILE`,
        },
      },
    });
    fs.mkdirSync(path.dirname(config), { recursive: true });
    fs.writeFileSync(config, kubeconfigYaml());
    await eventually(() => events.length > 0, 'contexts.changed after the file appeared');
    expect(events.at(-1)?.payload).toMatchObject({
      current: 'dev',
      problem: null,
      sources: [{ exists: true }],
    });
  });

  it('follows edits to KUBECONFIG files', async () => {
    const a = writeKubeconfig(dir, kubeconfigYaml(), 'a');
    const b = path.join(dir, 'b');
    const { api, events, record } = core({
      source: { env: { KUBECONFIG: `${a}:${b}` } },
      watchKubeconfig: { debounceMs: 10, pollMs: 50 },
    });
    record('contexts.changed');
    expect(await api.request('contexts.list', {})).toMatchObject({
      value: {
        sources: [
          { path: a, exists: true, from: 'env' },
          { path: b, exists: false, from: 'env' },
        ],
      },
    });
    fs.writeFileSync(
      b,
      `apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: 'https://198.51.100.1:6443'}}]
users: [{name: lab, user: {token: t}}]
contexts: [{name: lab, context: {cluster: lab, user: lab}}]
`,
    );
    await eventually(() => events.length > 0, 'contexts.changed after the edit');
    const state = events.at(-1)?.payload as { contexts: { name: string; file: string }[] };
    expect(state.contexts.map((c) => [c.name, c.file])).toContainEqual(['lab', b]);
  });
});

describe('cluster.probe', () => {
  let server: http.Server;
  let port: number;
  beforeEach(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/version') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ gitVersion: 'v1.33.1' }));
      } else {
        res.writeHead(401);
        res.end('{"kind":"Status","code":401,"message":"Unauthorized"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers the server version for a reachable cluster, and a sentence for one that is not', async () => {
    const file = writeKubeconfig(dir, kubeconfigYaml({ server: `http://127.0.0.1:${port}` }));
    const { api } = core({ source: { kubeconfig: file } });
    expect(await api.request('cluster.probe', {})).toEqual({
      ok: true,
      value: { context: 'dev', server: `http://127.0.0.1:${port}`, reachable: true, version: 'v1.33.1' },
    });
    const closed = await api.request('cluster.probe', { context: 'prod', timeoutMs: 300 });
    expect(closed).toMatchObject({
      ok: true,
      value: {
        context: 'prod',
        reachable: false,
        reason: 'no answer within 0.3 s',
        error: { kind: 'unreachable', message: expect.stringContaining('https://192.0.2.10:6443') },
      },
    });
    expect(await api.request('cluster.probe', { context: 'broken' })).toMatchObject({
      ok: false,
      error: { kind: 'kubeconfig' },
    });
    expect(await api.request('cluster.probe', { timeoutMs: 5 })).toMatchObject({
      ok: false,
      error: { kind: 'bad-request', message: expect.stringContaining('timeoutMs') },
    });
  });
});

describe('filter.validate', () => {
  it('says valid with the instruction count, or gives libpcap’s message', async () => {
    const { api } = core({ source: { kubeconfig: writeKubeconfig(dir) } });
    const good = await api.request('filter.validate', { expression: 'tcp port 80' });
    expect(good.ok && good.value.valid && good.value.instructions).toBeGreaterThan(3);
    expect(await api.request('filter.validate', { expression: '' })).toMatchObject({
      ok: true,
      value: { valid: true, expression: '' },
    });
    expect(await api.request('filter.validate', { expression: 'tcp port' })).toEqual({
      ok: true,
      value: { valid: false, expression: 'tcp port', message: "can't parse filter expression: syntax error" },
    });
    expect(
      await api.request('filter.validate', { expression: 'ether host 1:2:3:4:5:6', linkType: 101 }),
    ).toMatchObject({
      ok: true,
      value: {
        valid: false,
        message: expect.stringContaining('ethernet addresses supported only on ethernet'),
      },
    });
  });
});

describe('settings.get / settings.update', () => {
  it('merges per key, validates the policy, and keeps the window geometry out of the UI’s view', async () => {
    const settings = memorySettingsStore();
    settings.update((s) => ({
      ...s,
      window: { width: 800, height: 600, maximized: false, fullScreen: false },
    }));
    const { api } = core({ source: { kubeconfig: writeKubeconfig(dir) }, settings });
    await api.request('settings.update', {
      columns: { packets: [{ id: 'time', visible: true, width: 90 }] },
    });
    await api.request('settings.update', {
      selections: { dev: { namespaces: ['shop'], pods: [] } },
      policy: { version: 1, filter: 'tcp', slice: 128 },
    });
    const got = await api.request('settings.get', {});
    expect(got).toEqual({
      ok: true,
      value: {
        lastContext: null,
        columns: { packets: [{ id: 'time', visible: true, width: 90 }] },
        selections: { dev: { namespaces: ['shop'], pods: [] } },
        policy: {
          version: 1,
          filter: 'tcp',
          slice: 128,
          selection: { namespaces: [], pods: [] },
          forward: [],
        },
      },
    });
    expect(await api.request('settings.update', { columns: { packets: null } })).toMatchObject({
      ok: true,
      value: { columns: {} },
    });
    expect(await api.request('settings.update', { policy: { version: 1, slice: 0 } })).toMatchObject({
      ok: false,
      error: {
        kind: 'bad-request',
        message: 'bad request to settings.update: policy.slice: Too small: expected number to be >=1',
      },
    });
    expect(settings.get().window).toEqual({ width: 800, height: 600, maximized: false, fullScreen: false });
  });
});

describe('dialogs', () => {
  it('hand out file ids, never paths, in Electron mode', async () => {
    const capture = path.join(dir, 'in.pcapng');
    fs.writeFileSync(capture, Buffer.alloc(100));
    const { api, core: app } = core({
      mode: 'electron',
      source: { kubeconfig: writeKubeconfig(dir) },
      dialogs: { openCapture: async () => capture, save: async () => null },
    });
    const opened = await api.request('dialog.openCapture', {});
    expect(opened).toMatchObject({ ok: true, value: { file: { name: 'in.pcapng', size: 100 } } });
    expect(JSON.stringify(opened)).not.toContain(dir);
    const id = opened.ok && opened.value.file ? opened.value.file.id : '';
    expect(app.files.take(id, 'read').path).toBe(capture);
    expect(await api.request('dialog.saveCapture', { suggestedName: 'out.pcapng' })).toEqual({
      ok: true,
      value: { file: null },
    });
    expect(await api.request('dialog.saveCapture', { suggestedName: '../etc/passwd' })).toMatchObject({
      ok: false,
      error: { kind: 'bad-request' },
    });
  });
});

describe('downloads (serve)', () => {
  it('offers one-time URLs where a browser saves, and says so in app.info', async () => {
    const { DownloadRegistry } = await import('../../../main/serve/transfers.js');
    const downloads = new DownloadRegistry();
    const served = core({ source: { kubeconfig: writeKubeconfig(dir) }, downloads, uploads: true });
    expect(await served.api.request('app.info', {})).toMatchObject({
      ok: true,
      value: { features: { downloads: true, uploads: true, nativeDialogs: false } },
    });
    const file = path.join(dir, 'out.pcapng');
    fs.writeFileSync(file, 'x');
    const { url } = served.core.offerDownload(file, { name: 'out.pcapng' });
    expect(url).toMatch(/^\/download\/[\w-]+$/);
    expect(downloads.take(url.slice('/download/'.length))?.file).toBe(file);
    const desktop = core({ mode: 'electron', source: { kubeconfig: writeKubeconfig(dir) } });
    expect(() => desktop.core.offerDownload(file, { name: 'x' })).toThrow(
      'downloads exist only when ClusterTap runs as `clustertap serve`',
    );
  });
});
