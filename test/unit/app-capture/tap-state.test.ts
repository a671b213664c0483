import { describe, expect, it } from 'vitest';
import {
  idleState,
  missingPermissions,
  withAgentReports,
  withLog,
  withRollout,
} from '../../../main/app/capture/tap-state.js';

describe('the tap state the UI shows', () => {
  it('merges the rollout and the agents’ reports per node, sorted, with their reasons and problems', () => {
    let state = withRollout(idleState(), [
      { node: 'n2', state: 'problem', reason: 'image pull: ErrImagePull', problem: 'image-pull' },
      { node: 'n1', state: 'ready' },
    ]);
    state = withAgentReports(state, [
      {
        version: 1,
        node: 'n1',
        nodeIP: '10.0.0.1',
        sessionId: 's',
        updated: '',
        mirroring: 'active',
        taps: [
          {
            tunnelId: 5,
            namespace: 'shop',
            pod: 'a',
            interface: 'cali1',
            direction: 'egress',
            packets: 3,
            bytes: 300,
          },
          {
            tunnelId: 6,
            namespace: 'shop',
            pod: 'a',
            interface: 'cali1',
            direction: 'ingress',
            packets: 2,
            bytes: 100,
          },
        ],
        dropped: 7,
        problems: [{ pod: 'shop/b', message: 'waiting for a neighbour entry' }],
      },
    ]);
    expect(state.nodes.map((n) => n.node)).toEqual(['n1', 'n2']);
    expect(state.nodes[0]).toMatchObject({
      agent: 'ready',
      mirroring: 'active',
      taps: 2,
      packets: 5,
      bytes: 400,
    });
    expect(state.nodes[0]?.problems).toEqual([{ pod: 'shop/b', message: 'waiting for a neighbour entry' }]);
    expect(state.nodes[1]).toMatchObject({
      agent: 'problem',
      reason: 'image pull: ErrImagePull',
      mirroring: null,
    });
  });

  it('keeps a bounded log', () => {
    let state = idleState();
    for (let i = 0; i < 500; i++) state = withLog(state, 'info', `line ${i}`);
    expect(state.log).toHaveLength(200);
    expect(state.log.at(-1)?.message).toBe('line 499');
  });

  it('lists the permissions a preflight failure names, for the permissions panel', () => {
    const message =
      'you (lab-viewer) lack 2 permissions ClusterTap needs; nothing was changed:\n  - create namespaces (cluster-wide)\n  - create daemonsets.apps in namespace clustertap-1\nAsk a cluster admin to grant them, or use a context that has them.';
    expect(missingPermissions(message)).toEqual([
      'create namespaces (cluster-wide)',
      'create daemonsets.apps in namespace clustertap-1',
    ]);
  });
});
