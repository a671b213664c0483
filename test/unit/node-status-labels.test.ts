import { describe, expect, it } from 'vitest';
import { TunnelMap } from '../../main/broker/tunnel-map.js';
import type { NodeStatus } from '../../main/kube/deploy/node-status.js';
import { labelsFromStatus } from '../../main/kube/deploy/node-status-watch.js';

const status = (
  node: string,
  nodeIP: string,
  taps: [number, string, 'ingress' | 'egress'][],
): NodeStatus => ({
  version: 1,
  node,
  nodeIP,
  sessionId: 'abcd',
  updated: '2026-11-30T00:00:00Z',
  mirroring: 'active',
  taps: taps.map(([tunnelId, pod, direction]) => ({
    tunnelId,
    namespace: 'shop',
    pod,
    interface: 'cali0123456789a',
    direction,
    packets: 0,
    bytes: 0,
  })),
  dropped: 0,
  problems: [],
});

describe('tunnel labels from the agents’ node status', () => {
  it('name each tunnel after node, namespace, pod and direction; IDs are per node', () => {
    const map = new TunnelMap(
      labelsFromStatus([
        status('lab-node-1', '198.19.200.11', [
          [1048576, 'web-0', 'egress'],
          [1048577, 'web-0', 'ingress'],
        ]),
        status('lab-node-2', '198.19.200.12', [[1048576, 'db-0', 'egress']]),
      ]),
    );
    expect(map.lookup('198.19.200.11', 1048576)).toMatchObject({
      name: 'lab-node-1/shop/web-0 (egress)',
      direction: 'outbound',
    });
    expect(map.lookup('198.19.200.12', 1048576)?.name).toBe('lab-node-2/shop/db-0 (egress)');
    expect(map.lookup('198.19.200.11', 1048577)).toMatchObject({
      name: 'lab-node-1/shop/web-0 (ingress)',
      direction: 'inbound',
    });
    // Behind NAT the peer differs: an ID unique across nodes still names its pod, a shared one does not guess.
    expect(map.lookup('203.0.113.9', 1048577)?.name).toBe('lab-node-1/shop/web-0 (ingress)');
    expect(map.lookup('203.0.113.9', 1048576)).toBeUndefined();
  });
});
