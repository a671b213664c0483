import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionIdentity } from '../../agent-image/src/tap-engine/identity.js';
import { healthPortOf } from '../../main/kube/deploy/session.js';
import { clustertap, type LabState, labState } from '../helpers/lab.js';
import { inNetns } from '../helpers/lab-pods.js';
import { AGENT_IMAGE } from '../helpers/lab-tap.js';
import { waitFor } from '../helpers/run.js';

const { lab, reason } = labState();
if (reason) console.warn(`dead-session tests cannot run: ${reason}`);

/** A tunnel device as a session's agent names and marks it (a bridge: this kernel has no dummy devices; the kind does not matter to the sweep). */
function fakeSessionDevice(netns: string, sessionId: string): string {
  const name = sessionIdentity(sessionId).deviceName(0x1234);
  inNetns(netns, 'ip', ['link', 'add', name, 'type', 'bridge']);
  inNetns(netns, 'ip', ['link', 'set', 'dev', name, 'alias', `clustertap session=${sessionId} fake`]);
  return name;
}

const devices = (netns: string) => inNetns(netns, 'ip', ['-o', 'link', 'show']);

describe.skipIf(reason !== undefined)('mirrors of sessions whose agent is gone', () => {
  const l = lab as LabState;
  let liveAgent: ChildProcess | undefined;
  afterAll(async () => {
    liveAgent?.kill();
    await clustertap(['undeploy', '--kubeconfig', l.kubeconfig, '--context', 'lab']);
    for (const node of l.nodes)
      for (const id of ['dead0001', 'alive001'])
        try {
          inNetns(node.netns, 'ip', ['link', 'del', sessionIdentity(id).deviceName(0x1234)]);
        } catch {
          // already gone
        }
  });

  it('are removed by the next session’s agent on that node; a session whose agent answers is left alone', async () => {
    const node = l.nodes[0];
    if (!node) throw new Error('no lab node');
    const dead = fakeSessionDevice(node.netns, 'dead0001');
    const alive = fakeSessionDevice(node.netns, 'alive001');
    // "alive001"'s agent: something answers on its health port on the node.
    liveAgent = spawn('ip', [
      'netns',
      'exec',
      node.netns,
      process.execPath,
      '-e',
      `require('node:net').createServer(s => s.end()).listen(${healthPortOf('alive001')}, '0.0.0.0')`,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const deployed = await clustertap([
      'deploy',
      '--kubeconfig',
      l.kubeconfig,
      '--context',
      'lab',
      '--session',
      'sweep1',
      '--select-namespace',
      'shop',
      '--agent-image',
      AGENT_IMAGE,
    ]);
    expect(deployed.code, deployed.stderr).toBe(0);
    await waitFor(() => !devices(node.netns).includes(dead), 30_000, `${dead} removed`);
    expect(devices(node.netns)).toContain(alive);
  });
});
