import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeError } from '../../main/kube/kube-error.js';
import { proxyFromEnvironment } from '../../main/kube/kubeconfig/env-proxy.js';
import {
  kubeconfigCandidates,
  listContexts,
  loadKubeconfig,
  readMergedKubeconfig,
} from '../../main/kube/kubeconfig/index.js';
import { put, tempDir } from './kubeconfig-fixtures.js';

// Where the kubeconfig comes from and what the user reads when it cannot be used.
describe('which files', () => {
  it('--kubeconfig alone; else KUBECONFIG split, empty entries dropped, duplicates once; else ~/.kube/config', () => {
    const env = { KUBECONFIG: ['a', '', 'b', 'a'].join(path.delimiter) };
    expect(kubeconfigCandidates({ kubeconfig: 'x', env })).toEqual(['x']);
    expect(kubeconfigCandidates({ env })).toEqual(['a', 'b']);
    expect(kubeconfigCandidates({ env: { HOME: '/home/eng' } })).toEqual(['/home/eng/.kube/config']);
    expect(kubeconfigCandidates({ env: { KUBECONFIG: '' }, home: '/h' })).toEqual(['/h/.kube/config']);
  });
});

describe('what the user reads', () => {
  const dir = tempDir();
  const good = put(
    dir,
    'good',
    `clusters:
- {name: c, cluster: {server: "https://c.example"}}
users:
- {name: u, user: {token: t}}
contexts:
- {name: beta, context: {cluster: c, user: u, namespace: shop}}
- {name: alpha, context: {cluster: c, user: u}}
- {name: lost-cluster, context: {cluster: gone, user: u}}
- {name: lost-user, context: {cluster: c, user: nobody}}
- {name: anonymous, context: {cluster: c}}
`,
  );
  const load = (opts: Parameters<typeof loadKubeconfig>[0]) => {
    try {
      return loadKubeconfig(opts);
    } catch (error) {
      expect(error).toBeInstanceOf(KubeError);
      expect((error as KubeError).kind).toBe('kubeconfig');
      return (error as KubeError).message;
    }
  };

  it('no kubeconfig at all', () => {
    expect(load({ env: { HOME: dir } })).toBe(
      `no kubeconfig found: ${dir}/.kube/config does not exist; set KUBECONFIG or pass --kubeconfig FILE`,
    );
    expect(load({ env: { KUBECONFIG: `${dir}/x:${dir}/y` } })).toMatch(
      /none of the files in KUBECONFIG exists/,
    );
    expect(load({ env: { KUBECONFIG: put(dir, 'empty', '') } })).toMatch(/the kubeconfig is empty/);
  });

  it('an unknown context lists the known ones', () => {
    expect(load({ kubeconfig: good, context: 'prod' })).toBe(
      `context "prod" does not exist in ${good}; known contexts: alpha, anonymous, beta, lost-cluster, lost-user`,
    );
  });

  it('no current-context and no --context', () => {
    expect(load({ kubeconfig: good })).toMatch(
      /no context chosen: current-context is not set in .*good; choose one with --context \(alpha, /,
    );
  });

  it('a context whose cluster or user is not defined', () => {
    expect(load({ kubeconfig: good, context: 'lost-cluster' })).toBe(
      `context "lost-cluster" (${good}) cannot be used: cluster "gone" is not defined; fix the kubeconfig or choose another context`,
    );
    expect(load({ kubeconfig: good, context: 'lost-user' })).toMatch(/user "nobody" is not defined/);
  });

  it('a context without user is anonymous, as for kubectl; namespace defaults to "default"', () => {
    const loaded = loadKubeconfig({ kubeconfig: good, context: 'anonymous' });
    expect(typeof loaded === 'object' && [loaded.context, loaded.namespace, loaded.server]).toEqual([
      'anonymous',
      'default',
      'https://c.example',
    ]);
  });

  it('contexts are listed sorted with the current one marked', () => {
    const merged = readMergedKubeconfig({ kubeconfig: good });
    const list = listContexts(merged, 'beta');
    expect(list.map((c) => `${c.current ? '*' : ''}${c.name}/${c.namespace}/${c.server}`)).toEqual([
      'alpha/default/https://c.example',
      'anonymous/default/https://c.example',
      '*beta/shop/https://c.example',
      'lost-cluster/default/',
      'lost-user/default/https://c.example',
    ]);
  });

  it('a server without scheme gets https:// with TLS settings, else http:// (client-go)', () => {
    const file = put(
      dir,
      'schemeless',
      `clusters:
- {name: tls, cluster: {server: "10.0.0.1:6443", insecure-skip-tls-verify: true}}
- {name: plain, cluster: {server: "10.0.0.1:8080/"}}
contexts:
- {name: tls, context: {cluster: tls}}
- {name: plain, context: {cluster: plain}}
`,
    );
    expect(loadKubeconfig({ kubeconfig: file, context: 'tls' }).server).toBe('https://10.0.0.1:6443');
    expect(loadKubeconfig({ kubeconfig: file, context: 'plain' }).server).toBe('http://10.0.0.1:8080');
  });
});

describe('proxy from the environment (Go http.ProxyFromEnvironment)', () => {
  const env = (extra: NodeJS.ProcessEnv) => ({
    HTTPS_PROXY: 'proxy:3128',
    HTTP_PROXY: 'http://p80',
    ...extra,
  });
  it.each([
    ['https://kube.example:6443', {}, 'http://proxy:3128'],
    ['http://kube.example', {}, 'http://p80'],
    ['https://kube.example', { HTTPS_PROXY: undefined, https_proxy: 'socks5://s:1080' }, 'socks5://s:1080'],
    ['https://127.0.0.1:6443', {}, undefined],
    ['https://localhost:6443', {}, undefined],
    ['https://[::1]:6443', {}, undefined],
    ['https://kube.example', { NO_PROXY: '*' }, undefined],
    ['https://kube.example', { NO_PROXY: 'example' }, undefined], // a domain matches its subdomains
    ['https://kube.example', { NO_PROXY: 'ample' }, 'http://proxy:3128'], // but only at a dot
    ['https://kube.example', { NO_PROXY: 'kube.example' }, undefined],
    ['https://a.kube.example', { NO_PROXY: 'kube.example' }, undefined],
    ['https://kube.example', { NO_PROXY: '.kube.example' }, 'http://proxy:3128'],
    ['https://a.kube.example', { no_proxy: '*.kube.example' }, undefined],
    ['https://kube.example:6443', { NO_PROXY: 'kube.example:443' }, 'http://proxy:3128'],
    ['https://kube.example:6443', { NO_PROXY: 'kube.example:6443' }, undefined],
    ['https://10.1.2.3', { NO_PROXY: '10.0.0.0/8' }, undefined],
    ['https://10.1.2.3', { NO_PROXY: '10.1.2.3' }, undefined],
    ['https://11.1.2.3', { NO_PROXY: '10.0.0.0/8, kube.example' }, 'http://proxy:3128'],
    ['https://[fd00::1]:6443', { NO_PROXY: 'fd00::/8' }, undefined],
  ])('%s with %o → %s', (server, extra, expected) => {
    expect(proxyFromEnvironment(server, env(extra as NodeJS.ProcessEnv))).toBe(expected);
  });
});
