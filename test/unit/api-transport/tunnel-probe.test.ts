import { describe, expect, it } from 'vitest';
import { isTunnelProbe, parseTunnelProbe, tunnelProbeFrame } from '../../../main/broker/tunnel-probe.js';
import type { NodeStatus } from '../../../main/kube/deploy/node-status.js';
import { TunnelProbeWatch } from '../../../main/kube/deploy/tunnel-probe-watch.js';

const status = (node: string, nodeIP: string, taps: number, mirroring: NodeStatus['mirroring'] = 'active') =>
  ({
    version: 1,
    node,
    nodeIP,
    sessionId: 's1',
    updated: '',
    mirroring,
    taps: Array.from({ length: taps }, (_, i) => ({
      tunnelId: 100 + i,
      namespace: 'shop',
      pod: `p${i}`,
      interface: `cali${i}`,
      direction: 'egress' as const,
      packets: 0,
      bytes: 0,
    })),
    dropped: 0,
    problems: [],
  }) satisfies NodeStatus;

describe('the tunnel probe frame', () => {
  it('is a minimum-size Ethernet broadcast the broker recognises and reads back', () => {
    const frame = tunnelProbeFrame({ session: 'abcd1234', node: 'lab-node-2' });
    expect(frame.length).toBeGreaterThanOrEqual(60);
    expect(frame.subarray(0, 6).toString('hex')).toBe('ffffffffffff');
    expect(isTunnelProbe(frame)).toBe(true);
    expect(parseTunnelProbe(frame)).toEqual({ session: 'abcd1234', node: 'lab-node-2' });
  });

  it('is not confused with ordinary traffic of the same EtherType or with short frames', () => {
    const other = Buffer.alloc(60);
    other.writeUInt16BE(0x88b5, 12);
    expect(isTunnelProbe(other)).toBe(false);
    expect(isTunnelProbe(tunnelProbeFrame({ session: 's', node: 'n' }).subarray(0, 20))).toBe(false);
    const ipv4 = tunnelProbeFrame({ session: 's', node: 'n' });
    ipv4.writeUInt16BE(0x0800, 12);
    expect(isTunnelProbe(ipv4)).toBe(false);
  });
});

describe('deciding that a node is unreachable by tunnel', () => {
  it('judges a node only after it has mirrored for the wait without a probe arriving', () => {
    const watch = new TunnelProbeWatch(7000);
    watch.observe([status('n1', '10.0.0.1', 2), status('n2', '10.0.0.2', 2)], 1000);
    expect(watch.unreachable(7999)).toEqual([]);
    watch.probeArrived('10.0.0.1', 3000);
    expect(watch.unreachable(8000)).toEqual([{ node: 'n2', nodeIP: '10.0.0.2', waitedMs: 7000 }]);
    expect(watch.reachable('10.0.0.1')).toBe(true);
  });

  it('does not judge nodes with nothing tapped or paused by the Lease, and restarts the clock', () => {
    const watch = new TunnelProbeWatch(7000);
    watch.observe([status('n1', '10.0.0.1', 0), status('n2', '10.0.0.2', 3, 'paused')], 0);
    expect(watch.unreachable(60_000)).toEqual([]);
    watch.observe([status('n1', '10.0.0.1', 1)], 60_000);
    expect(watch.unreachable(66_000)).toEqual([]);
    expect(watch.unreachable(67_000)).toHaveLength(1);
    expect(watch.anyArrived()).toBe(false);
  });
});
