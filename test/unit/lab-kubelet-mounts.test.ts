import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mountArgv } from '../lab/kubelet/mount-script.js';

const reason =
  process.getuid?.() !== 0 ? 'needs root: the mount prologue makes a private mount namespace' : undefined;
if (reason) console.warn(`lab kubelet mount tests skipped: ${reason}`);

describe.skipIf(reason)('lab kubelet: container volumes without touching the host filesystem', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctlab-mounts-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const volume = path.join(dir, 'volume');
  fs.mkdirSync(volume);
  fs.writeFileSync(path.join(volume, 'token'), 'the-token');
  const missingTop = `/ctlab-test-${process.pid}`;

  const runInContainer = (script: string) => {
    const stage = fs.mkdtempSync(path.join(dir, 'stage-'));
    const argv = mountArgv(
      [
        { source: volume, target: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
        { source: volume, target: `${missingTop}/data`, readOnly: false },
      ],
      stage,
      'pod-hostname',
    );
    return spawnSync(
      'unshare',
      ['--mount', '--uts', '--propagation', 'private', ...argv, 'sh', '-c', script],
      {
        encoding: 'utf8',
      },
    );
  };

  it('mounts volumes at paths that do not exist on the host, read-only where asked', () => {
    const result = runInContainer(
      `cat /var/run/secrets/kubernetes.io/serviceaccount/token; echo; cat ${missingTop}/data/token; echo; hostname;` +
        ' touch /var/run/secrets/kubernetes.io/serviceaccount/x 2>/dev/null && echo writable || echo read-only',
    );
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual(['the-token', 'the-token', 'pod-hostname', 'read-only', '']);
  });

  it('still shows the host entries next to a shadowed mount point', () => {
    const result = runInContainer('ls /run /etc | sort -u');
    const hostRun = fs.readdirSync('/run');
    expect(result.status).toBe(0);
    for (const entry of [...hostRun, 'secrets', 'os-release'])
      expect(result.stdout.split('\n')).toContain(entry);
  });

  it('mounts a volume over an ancestor of another volume’s source (emptyDir at /tmp)', () => {
    const stage = fs.mkdtempSync(path.join(dir, 'stage-'));
    const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
    const argv = mountArgv(
      [
        { source: empty, target: '/tmp', readOnly: false },
        { source: volume, target: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      ],
      stage,
      'pod',
    );
    const script = 'ls -A /tmp; cat /var/run/secrets/kubernetes.io/serviceaccount/token';
    const result = spawnSync(
      'unshare',
      ['--mount', '--uts', '--propagation', 'private', ...argv, 'sh', '-c', script],
      {
        encoding: 'utf8',
      },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('the-token');
  });

  it('leaves nothing on the host', () => {
    runInContainer('true');
    expect(fs.existsSync(missingTop)).toBe(false);
    expect(fs.existsSync('/run/secrets/kubernetes.io')).toBe(false);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/ctlab-(stage|root|shadow)/);
  });
});
