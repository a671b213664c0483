import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { forgetExecCredentials, loadKubeconfig, probeCluster } from '../../main/kube/kubeconfig/index.js';
import {
  type ConnectProxy,
  cleanEnv,
  type FakeApiServer,
  findKubectl,
  lastVersionRequest,
  makePki,
  type Pki,
  put,
  runKubectlAsync,
  type SeenRequest,
  startConnectProxy,
  startFakeApiServer,
  tempDir,
} from './kubeconfig-fixtures.js';

// What the API server sees from kubectl and from us, for the same kubeconfig: credentials,
// client certificate, SNI, impersonation, proxies, exec plugins.
const found = findKubectl();
if ('reason' in found) console.warn(`kubeconfig request tests skipped: ${found.reason}`);

describe.skipIf(!found.kubectl)('requests carry what kubectl would send', { timeout: 30_000 }, () => {
  const kubectl = found.kubectl ?? 'kubectl';
  let dir: string;
  let home: string;
  let pki: Pki;
  let api: FakeApiServer;
  let named: FakeApiServer;
  let plain: FakeApiServer;
  let proxy: ConnectProxy;

  beforeAll(async () => {
    dir = tempDir();
    home = path.join(dir, 'home');
    fs.mkdirSync(home);
    fs.mkdirSync(path.join(dir, 'pki'));
    pki = makePki(path.join(dir, 'pki'));
    api = await startFakeApiServer(pki);
    named = await startFakeApiServer(pki, { cert: 'named' });
    plain = await startFakeApiServer(pki, { tls: false });
    proxy = await startConnectProxy();
  });
  afterAll(async () => {
    await Promise.all([api, named, plain, proxy].map((s) => s?.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => forgetExecCredentials());

  function kubeconfig(name: string, cluster: string, user: string): string {
    return put(
      dir,
      `${name}/config`,
      `apiVersion: v1
kind: Config
current-context: t
clusters:
- name: c
  cluster:
${indent(cluster, 4)}
users:
- name: u
  user:
${indent(user, 4)}
contexts:
- name: t
  context: {cluster: c, user: u}
`,
    );
  }

  interface Outcome {
    ok: boolean;
    saw?: SeenRequest;
    detail: string;
  }

  /** Runs `kubectl get --raw /version` and our probe (from another cwd) and returns what the server saw of each. */
  async function both(server: FakeApiServer, file: string, extraEnv: NodeJS.ProcessEnv = {}) {
    const env = cleanEnv(home, extraEnv);
    server.requests.length = 0;
    const run = await runKubectlAsync(kubectl, ['--kubeconfig', file, 'get', '--raw', '/version'], env, home);
    const k: Outcome = { ok: run.status === 0, saw: lastVersionRequest(server.requests), detail: run.stderr };
    server.requests.length = 0;
    const loaded = loadKubeconfig({ kubeconfig: file, env });
    const probe = await probeCluster(loaded.kubeConfig, 10_000);
    const ours: Outcome = {
      ok: probe.reachable,
      saw: lastVersionRequest(server.requests),
      detail: probe.reachable ? probe.version : probe.error.message,
    };
    return { kubectl: k, ours, probe };
  }

  function sameAsKubectl(k: Outcome, ours: Outcome) {
    expect(ours.ok, `ours: ${ours.detail}`).toBe(k.ok);
    const view = (o: Outcome) =>
      o.saw && {
        authorization: o.saw.headers.authorization,
        clientCN: o.saw.clientCN,
        servername: o.saw.servername,
        impersonate: Object.fromEntries(
          Object.entries(o.saw.distinct).filter(([h]) => h.startsWith('impersonate-')),
        ),
      };
    expect(view(ours)).toEqual(view(k));
  }

  it('bearer token and CA file', async () => {
    const file = kubeconfig(
      'token',
      `server: ${api.url}\ncertificate-authority: ../pki/ca.crt`,
      'token: abc',
    );
    const { kubectl: k, ours } = await both(api, file);
    expect(k.ok, k.detail).toBe(true);
    expect(ours.saw?.headers.authorization).toBe('Bearer abc');
    sameAsKubectl(k, ours);
  });

  it('tokenFile relative to the kubeconfig, trailing newline trimmed; `token-file` is not a field', async () => {
    put(dir, 'tokenfile/tok', 'from-file\n');
    const file = kubeconfig(
      'tokenfile',
      `server: ${api.url}\ncertificate-authority-data: ${b64(pki.caFile)}`,
      'tokenFile: tok\ntoken-file: /nonexistent',
    );
    const { kubectl: k, ours } = await both(api, file);
    expect(ours.saw?.headers.authorization).toBe('Bearer from-file');
    sameAsKubectl(k, ours);
  });

  it('client certificate files relative to the kubeconfig', async () => {
    const file = kubeconfig(
      'cert',
      `server: ${api.url}\ncertificate-authority: ../pki/ca.crt`,
      'client-certificate: ../pki/client.crt\nclient-key: ../pki/client.key',
    );
    const { kubectl: k, ours } = await both(api, file);
    expect(ours.saw?.clientCN).toBe('alice');
    sameAsKubectl(k, ours);
  });

  it('client certificate data', async () => {
    const file = kubeconfig(
      'certdata',
      `server: ${api.url}\ncertificate-authority-data: ${b64(pki.caFile)}`,
      `client-certificate-data: ${b64(pki.clientCert)}\nclient-key-data: ${b64(pki.clientKey)}`,
    );
    const { kubectl: k, ours } = await both(api, file);
    expect(ours.saw?.clientCN).toBe('alice');
    sameAsKubectl(k, ours);
  });

  it('basic auth', async () => {
    const file = kubeconfig(
      'basic',
      `server: ${api.url}\ncertificate-authority: ../pki/ca.crt`,
      'username: carol\npassword: s3cret',
    );
    const { kubectl: k, ours } = await both(api, file);
    expect(ours.saw?.headers.authorization).toBe(`Basic ${Buffer.from('carol:s3cret').toString('base64')}`);
    sameAsKubectl(k, ours);
  });

  it('impersonation with several groups and extra values', async () => {
    const file = kubeconfig(
      'as',
      `server: ${api.url}\ncertificate-authority: ../pki/ca.crt`,
      'token: abc\nas: bob\nas-uid: u-1\nas-groups: [devs, ops]\nas-user-extra:\n  scopes: [read, write]',
    );
    const { kubectl: k, ours } = await both(api, file);
    expect(ours.saw?.distinct['impersonate-group']).toEqual(['devs', 'ops']);
    sameAsKubectl(k, ours);
  });

  it('tls-server-name: the certificate names kube.test, the server URL is an IP', async () => {
    const withName = kubeconfig(
      'sni',
      `server: ${named.url}\ncertificate-authority: ../pki/ca.crt\ntls-server-name: kube.test`,
      'token: abc',
    );
    const { kubectl: k, ours } = await both(named, withName);
    expect(k.ok, k.detail).toBe(true);
    expect(ours.saw?.servername).toBe('kube.test');
    sameAsKubectl(k, ours);
    // Without it, both must refuse the certificate.
    const without = kubeconfig(
      'nosni',
      `server: ${named.url}\ncertificate-authority: ../pki/ca.crt`,
      'token: abc',
    );
    const second = await both(named, without);
    expect(second.kubectl.ok).toBe(false);
    expect(second.ours.ok).toBe(false);
    expect(second.probe.reachable === false && second.probe.error.kind).toBe('unreachable');
  });

  it('insecure-skip-tls-verify without a CA', async () => {
    const file = kubeconfig('insecure', `server: ${api.url}\ninsecure-skip-tls-verify: true`, 'token: abc');
    const { kubectl: k, ours } = await both(api, file);
    expect(k.ok, k.detail).toBe(true);
    sameAsKubectl(k, ours);
    // and a wrong CA is refused by both
    put(dir, 'wrongca/ca.crt', fs.readFileSync(pki.clientCert));
    const wrong = await both(
      api,
      kubeconfig('wrongca', `server: ${api.url}\ncertificate-authority: ca.crt`, 'token: abc'),
    );
    expect([wrong.kubectl.ok, wrong.ours.ok]).toEqual([false, false]);
  });

  it('plain http:// servers get no credentials, only impersonation (kubectl sends secrets over TLS only)', async () => {
    const file = kubeconfig('plain', `server: ${plain.url}`, 'token: abc\nas: bob');
    const { kubectl: k, ours } = await both(plain, file);
    expect(k.ok, k.detail).toBe(true);
    expect(ours.saw?.headers.authorization).toBeUndefined();
    expect(ours.saw?.headers['impersonate-user']).toBe('bob');
    sameAsKubectl(k, ours);
  });

  it('proxy-url: through an HTTP CONNECT proxy to a name only the proxy resolves', async () => {
    const file = kubeconfig(
      'proxy',
      `server: https://kube.test:${api.port}\ncertificate-authority: ../pki/ca.crt\nproxy-url: ${proxy.url}`,
      'token: abc',
    );
    proxy.connects.length = 0;
    const { kubectl: k, ours } = await both(api, file);
    expect(k.ok, k.detail).toBe(true);
    expect(proxy.connects.filter((c) => c === `kube.test:${api.port}`).length).toBeGreaterThanOrEqual(2);
    expect(ours.saw?.servername).toBe('kube.test');
    sameAsKubectl(k, ours);
  });

  it('HTTPS_PROXY from the environment, and NO_PROXY excluding the server', async () => {
    const file = kubeconfig(
      'envproxy',
      `server: https://kube.test:${api.port}\ncertificate-authority: ../pki/ca.crt`,
      'token: abc',
    );
    const viaProxy = await both(api, file, { HTTPS_PROXY: proxy.url });
    expect(viaProxy.kubectl.ok, viaProxy.kubectl.detail).toBe(true);
    sameAsKubectl(viaProxy.kubectl, viaProxy.ours);
    const bypassed = await both(api, file, { HTTPS_PROXY: proxy.url, NO_PROXY: '.test' });
    expect([bypassed.kubectl.ok, bypassed.ours.ok]).toEqual([false, false]); // kube.test does not resolve without it
    const loopback = kubeconfig(
      'loopback',
      `server: ${api.url}\ncertificate-authority: ../pki/ca.crt`,
      'token: abc',
    );
    proxy.connects.length = 0;
    const direct = await both(api, loopback, { HTTPS_PROXY: 'http://127.0.0.1:9' }); // loopback is never proxied
    expect([direct.kubectl.ok, direct.ours.ok]).toEqual([true, true]);
  });

  it('exec plugin: relative command, env, args, KUBERNETES_EXEC_INFO with cluster info', async () => {
    const plugin = put(
      dir,
      'exec/bin/cred.sh',
      `#!/bin/sh
printf '%s' "$KUBERNETES_EXEC_INFO" > "$OUT_DIR/info-$WHO.json"
printf '%s' "$*" > "$OUT_DIR/args-$WHO"
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin-'"$REGION"'"}}'
`,
      0o755,
    );
    expect(fs.existsSync(plugin)).toBe(true);
    const user = `exec:
  apiVersion: client.authentication.k8s.io/v1
  command: bin/cred.sh
  args: [--region, eu]
  env: [{name: REGION, value: eu-1}]
  interactiveMode: IfAvailable
  provideClusterInfo: true`;
    const cluster = `server: ${api.url}\ncertificate-authority: ../pki/ca.crt\nextensions:\n- name: client.authentication.k8s.io/exec\n  extension: {audience: test}`;
    const file = kubeconfig('exec', cluster, user);
    const outDir = path.join(dir, 'exec');
    api.requests.length = 0;
    const env = cleanEnv(home, { OUT_DIR: outDir, WHO: 'kubectl' });
    const run = await runKubectlAsync(kubectl, ['--kubeconfig', file, 'get', '--raw', '/version'], env, home);
    expect(run.status, run.stderr).toBe(0);
    const kSaw = lastVersionRequest(api.requests);
    api.requests.length = 0;
    const loaded = loadKubeconfig({ kubeconfig: file, env: { ...env, WHO: 'ours' } });
    const probe = await probeCluster(loaded.kubeConfig, 10_000);
    expect(probe.reachable, probe.reachable ? '' : probe.error.message).toBe(true);
    expect(lastVersionRequest(api.requests)?.headers.authorization).toBe('Bearer from-plugin-eu-1');
    expect(lastVersionRequest(api.requests)?.headers.authorization).toBe(kSaw?.headers.authorization);
    const info = (who: string) => JSON.parse(fs.readFileSync(path.join(outDir, `info-${who}.json`), 'utf8'));
    expect(info('ours')).toEqual(info('kubectl'));
    expect(info('ours').spec.cluster.config).toEqual({ audience: 'test' });
    expect(fs.readFileSync(path.join(outDir, 'args-ours'), 'utf8')).toBe('--region eu');
  });

  it('exec plugin rules kubectl enforces: v1 needs interactiveMode; Always needs a terminal', async () => {
    const cluster = `server: ${api.url}\ncertificate-authority: ../pki/ca.crt`;
    const noMode = kubeconfig(
      'nomode',
      cluster,
      'exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/true}',
    );
    const a = await bothOrLoadError(noMode);
    expect(a).toEqual({ kubectl: false, ours: false });
    const always = kubeconfig(
      'always',
      cluster,
      'exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/true, interactiveMode: Always}',
    );
    const b = await bothOrLoadError(always);
    expect(b).toEqual({ kubectl: false, ours: false });
  });

  it('a rejected token: both fail, ours says unauthorized', async () => {
    const file = kubeconfig('bad', `server: ${api.url}\ncertificate-authority: ../pki/ca.crt`, 'token: bad');
    const { kubectl: k, ours, probe } = await both(api, file);
    expect([k.ok, ours.ok]).toEqual([false, false]);
    expect(probe.reachable === false && probe.error.kind).toBe('unauthorized');
  });

  it.each([
    [
      'a CA together with insecure-skip-tls-verify',
      'insecure-skip-tls-verify: true\ncertificate-authority: ../pki/ca.crt',
      'token: abc',
      /insecure flag is not allowed/,
    ],
    [
      'token and basic auth together',
      'certificate-authority: ../pki/ca.crt',
      'token: abc\nusername: a\npassword: b',
      /more than one authentication method/,
    ],
    [
      'a client certificate without key',
      'certificate-authority: ../pki/ca.crt',
      'client-certificate: ../pki/client.crt',
      /client-key-data or client-key must be specified/,
    ],
    [
      'an unreadable tokenFile',
      'certificate-authority: ../pki/ca.crt',
      'tokenFile: nope',
      /unable to read tokenFile/,
    ],
    [
      'the removed gcp auth-provider',
      'certificate-authority: ../pki/ca.crt',
      'auth-provider: {name: gcp}',
      /gke-gcloud-auth-plugin/,
    ],
    [
      'a proxy-url with an unsupported scheme',
      'certificate-authority: ../pki/ca.crt\nproxy-url: ftp://x',
      'token: abc',
      /unsupported scheme "ftp"/,
    ],
    [
      'groups without a user to impersonate',
      'certificate-authority: ../pki/ca.crt',
      'token: abc\nas-groups: [a]',
      /without impersonating a user/,
    ],
  ])('%s is refused by both', async (_what, cluster, user, message) => {
    const file = kubeconfig(`refused-${_what.replaceAll(' ', '-')}`, `server: ${api.url}\n${cluster}`, user);
    const run = await runKubectlAsync(
      kubectl,
      ['--kubeconfig', file, 'get', '--raw', '/version'],
      cleanEnv(home),
      home,
    );
    expect(run.status).not.toBe(0);
    expect(() => loadKubeconfig({ kubeconfig: file, env: cleanEnv(home) })).toThrow(message);
  });

  async function bothOrLoadError(file: string) {
    const env = cleanEnv(home);
    const run = await runKubectlAsync(kubectl, ['--kubeconfig', file, 'get', '--raw', '/version'], env, home);
    let ours: boolean;
    try {
      ours = (await probeCluster(loadKubeconfig({ kubeconfig: file, env }).kubeConfig, 5000)).reachable;
    } catch {
      ours = false;
    }
    return { kubectl: run.status === 0, ours };
  }
});

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}

function b64(file: string): string {
  return fs.readFileSync(file).toString('base64');
}
