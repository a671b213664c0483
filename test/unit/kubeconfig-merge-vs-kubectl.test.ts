import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeError } from '../../main/kube/kube-error.js';
import { loadKubeconfig, readMergedKubeconfig } from '../../main/kube/kubeconfig/index.js';
import {
  cleanEnv,
  findKubectl,
  kubectlView,
  ourView,
  put,
  runKubectl,
  tempDir,
} from './kubeconfig-fixtures.js';

// Every case loads the same files with kubectl and with us and compares the merged result.
const found = findKubectl();
if ('reason' in found) console.warn(`kubeconfig merge tests skipped: ${found.reason}`);
else console.info(`kubeconfig merge tests compare with ${found.kubectl} ${found.version}`);

describe.skipIf(!found.kubectl)('kubeconfig merging is the same as kubectl', () => {
  const kubectl = found.kubectl ?? 'kubectl';
  let dir: string;
  let home: string;

  beforeAll(() => {
    dir = tempDir();
    home = path.join(dir, 'home');
    fs.mkdirSync(home);
    // PEM-ish files the kubeconfigs point to with paths relative to their own directory.
    put(dir, 'one/ca.crt', 'CA of file one\n');
    put(dir, 'one/certs/alice.crt', 'alice cert\n');
    put(dir, 'one/certs/alice.key', 'alice key\n');
    put(dir, 'two/ca.crt', 'CA of file two\n');
    put(dir, 'two/sub/ca-b.crt', 'CA b\n');
    put(dir, 'two/token', 'token-from-file\n');
    put(
      dir,
      'one/config',
      `apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster:
    server: https://one.example:6443
    certificate-authority: ca.crt
- name: only-one
  cluster:
    server: https://only-one.example
    insecure-skip-tls-verify: true
    tls-server-name: api.one
users:
- name: alice
  user:
    client-certificate: certs/alice.crt
    client-key: certs/alice.key
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: bin/cred.sh
      args: [--cluster, one]
      env: [{name: REGION, value: eu}]
      installHint: install cred.sh
contexts:
- name: dev
  context: {cluster: shared, user: alice, namespace: shop}
- name: empty-body
`,
    );
    put(
      dir,
      'two/config',
      `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: shared
  cluster:
    server: https://two.example:6443
    certificate-authority: ca.crt
- name: only-two
  cluster:
    server: https://only-two.example
    certificate-authority: sub/ca-b.crt
    proxy-url: http://proxy.example:3128
users:
- name: alice
  user:
    token: from-two
- name: bob
  user:
    tokenFile: token
    as: admin
    as-groups: [a, b]
- name: carol
  user:
    username: carol
    password: secret
contexts:
- name: dev
  context: {cluster: only-two, user: bob}
- name: empty-body
  context: {cluster: only-two, user: bob}
- name: ops
  context: {cluster: only-two, user: bob, namespace: kube-system}
`,
    );
    put(dir, 'empty', '');
    put(dir, 'comments-only', '# nothing here\n');
    put(dir, 'current-only', 'current-context: ops\n');
    put(
      dir,
      'json.kubeconfig',
      JSON.stringify({ contexts: [{ name: 'j', context: { cluster: 'shared', user: 'alice' } }] }),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const kubeconfigList = (...files: string[]) =>
    files.map((f) => (f.startsWith('/') ? f : path.join(dir, f))).join(path.delimiter);

  function compareWithKubectl(KUBECONFIG: string) {
    const env = cleanEnv(home, { KUBECONFIG });
    const view = runKubectl(kubectl, ['config', 'view', '--merge', '--flatten', '-o', 'json'], env);
    expect(view.stderr).toBe('');
    const merged = readMergedKubeconfig({ env });
    expect(ourView(merged)).toEqual(kubectlView(view.stdout, merged));
    const current = runKubectl(kubectl, ['config', 'current-context'], env);
    if (current.status === 0) expect(merged.currentContext).toBe(current.stdout.trim());
    else expect(merged.currentContext).toBeUndefined();
    return merged;
  }

  it('the first file wins each name whole, relative paths follow their file, current-context from the first that sets it', () => {
    const merged = compareWithKubectl(kubeconfigList('one/config', 'two/config'));
    expect(merged.clusters.get('shared')?.server).toBe('https://one.example:6443');
    expect(merged.clusters.get('shared')?.certificateAuthority).toBe(path.join(dir, 'one/ca.crt'));
    expect(merged.clusters.get('only-two')?.certificateAuthority).toBe(path.join(dir, 'two/sub/ca-b.crt'));
    expect(merged.contexts.get('empty-body')).toMatchObject({ cluster: '', user: '' }); // set, though empty
    expect(merged.currentContext).toBe('dev');
  });

  it('the other order', () => {
    compareWithKubectl(kubeconfigList('two/config', 'one/config'));
  });

  it('missing files, empty files, comment-only files and repeated entries are skipped', () => {
    compareWithKubectl(
      kubeconfigList(
        'missing/config',
        'empty',
        'one/config',
        'comments-only',
        'one/config',
        'two/config',
        'nope',
      ),
    );
  });

  it('current-context from a file that defines nothing else', () => {
    const merged = compareWithKubectl(kubeconfigList('current-only', 'two/config', 'one/config'));
    expect(merged.currentContext).toBe('ops');
  });

  it('a JSON kubeconfig', () => {
    compareWithKubectl(kubeconfigList('json.kubeconfig', 'one/config'));
  });

  it('KUBECONFIG unset or empty means ~/.kube/config', () => {
    const kubeDir = path.join(home, '.kube');
    fs.mkdirSync(kubeDir, { recursive: true });
    fs.copyFileSync(path.join(dir, 'two/config'), path.join(kubeDir, 'config'));
    fs.copyFileSync(path.join(dir, 'two/ca.crt'), path.join(kubeDir, 'ca.crt'));
    fs.mkdirSync(path.join(kubeDir, 'sub'), { recursive: true });
    fs.copyFileSync(path.join(dir, 'two/sub/ca-b.crt'), path.join(kubeDir, 'sub/ca-b.crt'));
    for (const env of [cleanEnv(home), cleanEnv(home, { KUBECONFIG: '' })]) {
      const view = runKubectl(kubectl, ['config', 'view', '--flatten', '-o', 'json'], env);
      const merged = readMergedKubeconfig({ env });
      expect(merged.files).toEqual([path.join(kubeDir, 'config')]);
      expect(ourView(merged)).toEqual(kubectlView(view.stdout, merged));
    }
    fs.rmSync(kubeDir, { recursive: true });
  });

  it('--kubeconfig reads exactly that file and ignores KUBECONFIG', () => {
    const env = cleanEnv(home, { KUBECONFIG: kubeconfigList('one/config') });
    const file = path.join(dir, 'two/config');
    const view = runKubectl(
      kubectl,
      ['--kubeconfig', file, 'config', 'view', '--flatten', '-o', 'json'],
      env,
    );
    const merged = readMergedKubeconfig({ kubeconfig: file, env });
    expect(ourView(merged)).toEqual(kubectlView(view.stdout, merged));
  });

  it('--kubeconfig naming a missing file fails for both', () => {
    const missing = path.join(dir, 'missing.yaml');
    const env = cleanEnv(home);
    expect(runKubectl(kubectl, ['--kubeconfig', missing, 'get', '--raw', '/version'], env).status).not.toBe(
      0,
    );
    expect(() => readMergedKubeconfig({ kubeconfig: missing, env })).toThrow(
      /missing.yaml given with --kubeconfig does not exist/,
    );
  });

  it('--context picks the context, its cluster, user and namespace, like kubectl config view --minify', () => {
    const env = cleanEnv(home, { KUBECONFIG: kubeconfigList('one/config', 'two/config') });
    for (const context of ['ops', 'dev', undefined]) {
      const args = [
        'config',
        'view',
        '--minify',
        '--flatten',
        '-o',
        'json',
        ...(context ? ['--context', context] : []),
      ];
      const minified = JSON.parse(runKubectl(kubectl, args, env).stdout) as {
        'current-context': string;
        clusters: Array<{ cluster: { server: string } }>;
        contexts: Array<{ context: { namespace?: string; user: string } }>;
      };
      const loaded = loadKubeconfig({ context, env });
      expect(loaded.context).toBe(minified['current-context']);
      expect(loaded.server).toBe(minified.clusters[0]?.cluster.server);
      expect(loaded.namespace).toBe(minified.contexts[0]?.context.namespace ?? 'default');
    }
  });

  it.each([
    ['YAML that does not parse', 'clusters: [\n  - name: a\n    bad: : x\n', /line \d+/],
    [
      'a name YAML reads as a boolean',
      'contexts:\n- name: on\n  context: {cluster: c}\n',
      /line 2: contexts\[0\]\.name must be a string, not boolean.*quote it/,
    ],
    [
      'a name that is a number',
      'contexts:\n- name: 123\n  context: {cluster: c}\n',
      /line 2: contexts\[0\]\.name must be a string, not number/,
    ],
    [
      'a name defined twice in one file',
      'clusters:\n- name: c\n  cluster: {server: "https://a"}\n- name: c\n  cluster: {server: "https://b"}\n',
      /line 4: cluster "c" is defined twice/,
    ],
    [
      'a list where a mapping belongs',
      'clusters:\n- name: c\n  cluster: [a]\n',
      /line 3: clusters\[0\]\.cluster must be a mapping/,
    ],
    [
      'bad base64 data',
      'clusters:\n- name: c\n  cluster: {server: "https://a", certificate-authority-data: "%%%"}\n',
      /certificate-authority-data is not valid base64/,
    ],
  ])('%s fails for both, and we name the file and line', (_what, text, message) => {
    const file = put(dir, 'bad.yaml', text);
    const env = cleanEnv(home, { KUBECONFIG: kubeconfigList('one/config', file) });
    const view = runKubectl(kubectl, ['config', 'view', '-o', 'json'], env);
    expect(view.status).not.toBe(0);
    expect(view.stderr).toContain('bad.yaml');
    const error = catchError(() => readMergedKubeconfig({ env }));
    expect(error).toBeInstanceOf(KubeError);
    expect(error.kind).toBe('kubeconfig');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(message);
  });
});

function catchError(fn: () => unknown): KubeError {
  try {
    fn();
  } catch (error) {
    return error as KubeError;
  }
  throw new Error('expected an error');
}
