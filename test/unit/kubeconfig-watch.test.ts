import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeError } from '../../main/kube/kube-error.js';
import { type LoadedKubeconfig, watchKubeconfig } from '../../main/kube/kubeconfig/index.js';
import { put, tempDir } from './kubeconfig-fixtures.js';

// Editors save by writing in place or by writing a temporary file and renaming it over the old
// one; kubectl config use-context rewrites the file. Each change must show up, once.
const config = (current: string, server = 'https://a.example') => `clusters:
- name: c
  cluster: {server: "${server}"}
contexts:
- {name: one, context: {cluster: c}}
- {name: two, context: {cluster: c}}
current-context: ${current}
`;

describe('watchKubeconfig', () => {
  let dir: string;
  let stop: (() => void) | undefined;
  let events: Array<LoadedKubeconfig | KubeError>;

  beforeEach(() => {
    dir = tempDir();
    events = [];
  });
  afterEach(() => {
    stop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const next = async (count: number, timeoutMs = 5000) => {
    const start = Date.now();
    while (events.length < count) {
      if (Date.now() - start > timeoutMs)
        throw new Error(`expected ${count} change(s), saw ${events.length}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return events[count - 1];
  };
  const contextOf = (event: LoadedKubeconfig | KubeError | undefined) =>
    event instanceof KubeError ? `error: ${event.message}` : event?.context;

  it('an edit in place and a replacement by rename are seen, once each', async () => {
    const file = put(dir, 'config', config('one'));
    stop = watchKubeconfig({ kubeconfig: file }, (e) => events.push(e), { debounceMs: 50 });
    fs.writeFileSync(file, config('two'));
    expect(contextOf(await next(1))).toBe('two');
    const temp = put(dir, '.config.swp', config('one', 'https://b.example'));
    fs.renameSync(temp, file);
    const replaced = await next(2);
    expect(contextOf(replaced)).toBe('one');
    expect((replaced as LoadedKubeconfig).server).toBe('https://b.example');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toHaveLength(2);
  });

  it('touching a file without changing it is not a change', async () => {
    const file = put(dir, 'config', config('one'));
    stop = watchKubeconfig({ kubeconfig: file }, (e) => events.push(e), { debounceMs: 30 });
    fs.writeFileSync(file, config('one'));
    fs.utimesSync(file, new Date(), new Date());
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toHaveLength(0);
  });

  it('a broken file is reported as the error, and the fix as the new config', async () => {
    const file = put(dir, 'config', config('one'));
    stop = watchKubeconfig({ kubeconfig: file }, (e) => events.push(e), { debounceMs: 30 });
    fs.writeFileSync(file, 'clusters: [\n');
    const broken = await next(1);
    expect(broken).toBeInstanceOf(KubeError);
    expect((broken as KubeError).message).toContain(file);
    fs.writeFileSync(file, config('two'));
    expect(contextOf(await next(2))).toBe('two');
  });

  it('a KUBECONFIG file that appears later, in a directory that appears later, is merged in', async () => {
    const first = put(dir, 'first', config('one'));
    const later = path.join(dir, 'later/dir/config');
    const env = { KUBECONFIG: [later, first].join(path.delimiter) };
    stop = watchKubeconfig({ env }, (e) => events.push(e), { debounceMs: 30, pollMs: 100 });
    put(dir, 'later/dir/config', 'current-context: two\n');
    const merged = await next(1);
    expect(contextOf(merged)).toBe('two');
    expect((merged as LoadedKubeconfig).files).toEqual([later, first]);
  });

  it('a file that goes away is reported', async () => {
    const file = put(dir, 'config', config('one'));
    stop = watchKubeconfig({ env: { KUBECONFIG: file } }, (e) => events.push(e), { debounceMs: 30 });
    fs.rmSync(file);
    expect(contextOf(await next(1))).toMatch(/^error: no kubeconfig found/);
  });

  it('stops when asked', async () => {
    const file = put(dir, 'config', config('one'));
    watchKubeconfig({ kubeconfig: file }, (e) => events.push(e), { debounceMs: 30, pollMs: 50 })();
    fs.writeFileSync(file, config('two'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toHaveLength(0);
  });
});
