import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubeError } from '../../main/kube/kube-error.js';
import { forgetExecCredentials, loadKubeconfig, probeCluster } from '../../main/kube/kubeconfig/index.js';
import {
  type FakeApiServer,
  makePki,
  type Pki,
  put,
  startFakeApiServer,
  tempDir,
} from './kubeconfig-fixtures.js';

// Our exec credential plugin runner: caching until expiry, one run for parallel requests,
// failures not cached, and messages that say what to do.
describe('exec credential plugins', () => {
  let dir: string;
  let pki: Pki;
  let api: FakeApiServer;

  beforeAll(async () => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'pki'));
    pki = makePki(path.join(dir, 'pki'));
    api = await startFakeApiServer(pki);
    // Counts its runs; answers with $ANSWER (a file) so a test can change what it says.
    put(
      dir,
      'plugin.sh',
      `#!/bin/sh
echo run >> "$COUNT_FILE"
if [ -f "$FAIL_FILE" ]; then echo "please log in first" >&2; exit 3; fi
cat "$ANSWER"
`,
      0o755,
    );
  });
  afterAll(async () => {
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => forgetExecCredentials());

  let n = 0;
  function setup(status: object, apiVersion = 'client.authentication.k8s.io/v1') {
    n += 1;
    const answer = put(
      dir,
      `answer-${n}.json`,
      JSON.stringify({ apiVersion, kind: 'ExecCredential', status }),
    );
    const countFile = path.join(dir, `count-${n}`);
    const failFile = path.join(dir, `fail-${n}`);
    const file = put(
      dir,
      `kc-${n}/config`,
      `clusters:
- name: c
  cluster: {server: "${api.url}", certificate-authority: ${pki.caFile}}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${path.join(dir, 'plugin.sh')}
      interactiveMode: IfAvailable
      installHint: "run: brew install cred"
      env:
      - {name: ANSWER, value: ${answer}}
      - {name: COUNT_FILE, value: ${countFile}}
      - {name: FAIL_FILE, value: ${failFile}}
contexts:
- name: t
  context: {cluster: c, user: u}
current-context: t
`,
    );
    const runs = () =>
      fs.existsSync(countFile) ? fs.readFileSync(countFile, 'utf8').split('\n').length - 1 : 0;
    return { file, answer, runs, failFile };
  }

  const probe = (file: string) =>
    probeCluster(loadKubeconfig({ kubeconfig: file, env: process.env }).kubeConfig, 5000);

  it('a token without expiry is fetched once, also for parallel requests and reloads', async () => {
    const { file, runs } = setup({ token: 'tok-1' });
    const results = await Promise.all([probe(file), probe(file), probe(file)]);
    expect(results.every((r) => r.reachable)).toBe(true);
    await probe(file);
    expect(runs()).toBe(1);
    expect(api.requests.at(-1)?.headers.authorization).toBe('Bearer tok-1');
  });

  it('an expiring token is fetched again after expirationTimestamp', async () => {
    const { file, answer, runs } = setup({
      token: 'short',
      expirationTimestamp: new Date(Date.now() + 1000).toISOString(),
    });
    await probe(file);
    await probe(file);
    expect(runs()).toBe(1);
    fs.writeFileSync(
      answer,
      JSON.stringify({
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        status: { token: 'renewed' },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await probe(file);
    expect(runs()).toBe(2);
    expect(api.requests.at(-1)?.headers.authorization).toBe('Bearer renewed');
  });

  it('a client certificate from the plugin', async () => {
    const { file } = setup({
      clientCertificateData: fs.readFileSync(pki.clientCert, 'utf8'),
      clientKeyData: fs.readFileSync(pki.clientKey, 'utf8'),
    });
    const result = await probe(file);
    expect(result.reachable).toBe(true);
    expect(api.requests.at(-1)?.clientCN).toBe('alice');
  });

  it('a failing plugin says why, as unauthorized, and is asked again next time', async () => {
    const { file, failFile, runs } = setup({ token: 'after-login' });
    fs.writeFileSync(failFile, '');
    const connection = loadKubeconfig({ kubeconfig: file, env: process.env }).kubeConfig;
    const error = await connection.applyToHTTPSOptions({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeError);
    expect((error as KubeError).kind).toBe('unauthorized');
    expect((error as KubeError).message).toMatch(
      /plugin\.sh" of user "u" failed with exit code 3: please log in first/,
    );
    const failed = await probe(file);
    expect(failed.reachable === false && failed.error.message).toMatch(/please log in first/);
    fs.rmSync(failFile);
    expect((await probe(file)).reachable).toBe(true);
    expect(runs()).toBe(3);
  });

  it.each([
    ['no status', undefined, 'client.authentication.k8s.io/v1', /didn't return a status field/],
    [
      'neither token nor certificate',
      {},
      'client.authentication.k8s.io/v1',
      /didn't return a token or cert\/key pair/,
    ],
    [
      'a certificate without key',
      { clientCertificateData: 'x' },
      'client.authentication.k8s.io/v1',
      /only certificate or key/,
    ],
    [
      'another apiVersion',
      { token: 't' },
      'client.authentication.k8s.io/v1beta1',
      /configured to use API version client.authentication.k8s.io\/v1, plugin returned version client.authentication.k8s.io\/v1beta1/,
    ],
  ])('an answer with %s is refused with client-go’s message', async (_what, status, apiVersion, message) => {
    const { file } = setup(status as object, apiVersion);
    const connection = loadKubeconfig({ kubeconfig: file, env: process.env }).kubeConfig;
    await expect(connection.applyToHTTPSOptions({})).rejects.toThrow(message);
  });

  it('a plugin that is not installed shows its installHint', async () => {
    const { file } = setup({ token: 't' });
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace(path.join(dir, 'plugin.sh'), 'clustertap-no-such-plugin'),
    );
    const connection = loadKubeconfig({ kubeconfig: file, env: process.env }).kubeConfig;
    const error = (await connection.applyToHTTPSOptions({}).catch((e: unknown) => e)) as KubeError;
    expect(error.kind).toBe('kubeconfig');
    expect(error.message).toBe(
      'getting credentials: exec plugin "clustertap-no-such-plugin" of user "u" was not found: run: brew install cred',
    );
  });
});
