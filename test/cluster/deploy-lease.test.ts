import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clustertap, kubectlJson, type LabState, labState } from '../helpers/lab.js';
import { waitFor } from '../helpers/run.js';

const { lab, reason } = labState();
if (reason) console.warn(`session Lease tests cannot run: ${reason}`);

interface Lease {
  spec: { holderIdentity: string; renewTime: string; leaseDurationSeconds: number };
}

describe.skipIf(reason !== undefined)('deploy --hold renews the session Lease', () => {
  const l = lab as LabState;
  afterAll(async () => {
    await clustertap(['undeploy', '--kubeconfig', l.kubeconfig, '--context', 'lab', '--session', 'hold1']);
  });

  it('renews every TTL/3 while it runs, and stops on Ctrl-C', async () => {
    const cli = path.join(import.meta.dirname, '../../bin/clustertap.js');
    const child = spawn(
      process.execPath,
      [
        cli,
        'deploy',
        '--kubeconfig',
        l.kubeconfig,
        '--context',
        'lab',
        '--session',
        'hold1',
        '--select-namespace',
        'shop',
        '--agent-image',
        'ghcr.io/clustertap/clustertap-agent:0.1.0',
        '--lease-ttl',
        '6',
        '--hold',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(() => stderr.includes('holding the session Lease'), 120_000, 'the deploy to finish');
    const lease = () =>
      kubectlJson<Lease>(l, ['get', 'lease', 'clustertap-session', '-n', 'clustertap-hold1']).spec;
    const first = lease();
    expect(first.leaseDurationSeconds).toBe(6);
    await new Promise((resolve) => setTimeout(resolve, 4500));
    const second = lease();
    expect(Date.parse(second.renewTime)).toBeGreaterThan(Date.parse(first.renewTime));
    expect(second.holderIdentity).toMatch(/^clustertap@/);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopped renewing; agents stop mirroring within 6 s');
    const last = lease().renewTime;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(lease().renewTime).toBe(last);
  });
});
