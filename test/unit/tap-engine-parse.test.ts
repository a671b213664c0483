import { describe, expect, it } from 'vitest';
import {
  parseFdb,
  parseFilters,
  parseLinks,
  parseNeighbours,
  parseQdiscs,
  parseRouteGet,
} from '../../agent-image/src/tap-engine/iproute-json.js';

// Fixtures: what iproute2 6.1 printed on kernel 6.18 (trimmed to what matters, otherwise verbatim).

describe('ip -j -d -s link show', () => {
  it('gives kind, flags, alias, VNI and port of a VXLAN device, and its transmit counters', () => {
    const text = JSON.stringify([
      {
        ifindex: 5,
        ifname: 'ctap1a2b3c8c',
        flags: ['BROADCAST', 'MULTICAST', 'NOARP', 'UP', 'LOWER_UP'],
        mtu: 65000,
        linkinfo: {
          info_kind: 'vxlan',
          info_data: {
            id: 300,
            remote: '198.18.0.2',
            local: '198.18.0.1',
            port: 4789,
            learning: false,
            df: 'unset',
          },
        },
        ifalias: 'clustertap session=abc tunnel=300',
        stats64: {
          rx: { bytes: 0, packets: 0 },
          tx: { bytes: 18668, packets: 16, errors: 0, dropped: 2, carrier_errors: 0 },
        },
      },
    ]);
    expect(parseLinks(text)).toEqual([
      {
        index: 5,
        name: 'ctap1a2b3c8c',
        kind: 'vxlan',
        flags: ['BROADCAST', 'MULTICAST', 'NOARP', 'UP', 'LOWER_UP'],
        mtu: 65000,
        master: undefined,
        alias: 'clustertap session=abc tunnel=300',
        tunnelId: 300,
        port: 4789,
        remote: '198.18.0.2',
        tx: { packets: 16, bytes: 18668, errors: 0, dropped: 2 },
      },
    ]);
  });

  it('reads GRE keys printed as dotted quads, bridge ports and devices without linkinfo', () => {
    const text = JSON.stringify([
      {
        ifindex: 7,
        ifname: 'gt',
        flags: [],
        linkinfo: { info_kind: 'gretap', info_data: { okey: '0.0.1.44' } },
      },
      {
        ifindex: 8,
        ifname: 'veth1',
        flags: ['UP'],
        master: 'cni0',
        linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge' },
      },
      { ifindex: 1, ifname: 'eth0', flags: ['UP'] },
    ]);
    expect(parseLinks(text).map((l) => [l.name, l.kind, l.tunnelId, l.master])).toEqual([
      ['gt', 'gretap', 300, undefined],
      ['veth1', 'veth', undefined, 'cni0'],
      ['eth0', undefined, undefined, undefined],
    ]);
  });

  it('names the command when the output is not what it should be', () => {
    expect(() => parseLinks('RTNETLINK answers')).toThrow(/^ip -j link show: not JSON/);
    expect(() => parseLinks('[{"ifname": 3}]')).toThrow(/^ip -j link show: unexpected JSON/);
  });
});

describe('ip -j route get', () => {
  it('a pod route, a local address, a route through a gateway', () => {
    expect(
      parseRouteGet(
        '[{"dst":"10.65.0.2","dev":"calitest","prefsrc":"10.65.0.254","flags":[],"uid":0,"cache":[]}]',
      ),
    ).toEqual({
      dev: 'calitest',
      gateway: undefined,
      type: 'unicast',
    });
    expect(
      parseRouteGet(
        '[{"type":"local","dst":"10.65.0.254","dev":"lo","prefsrc":"10.65.0.254","flags":[],"uid":0,"cache":["local"]}]',
      ),
    ).toEqual({ dev: 'lo', gateway: undefined, type: 'local' });
    expect(
      parseRouteGet('[{"dst":"8.8.8.8","gateway":"192.0.2.1","dev":"eth0","prefsrc":"192.0.2.2"}]')?.gateway,
    ).toBe('192.0.2.1');
  });
});

describe('ip -j neigh, bridge -j fdb, tc -j qdisc', () => {
  it('neighbour entries with their state', () => {
    expect(parseNeighbours('[{"dst":"10.66.0.2","lladdr":"32:84:bd:92:54:0f","state":["DELAY"]}]')).toEqual([
      { dst: '10.66.0.2', lladdr: '32:84:bd:92:54:0f', state: ['DELAY'] },
    ]);
    expect(parseNeighbours('[]')).toEqual([]);
  });

  it('forwarding entries: learned on a port, and the bridge’s own', () => {
    const text =
      '[{"mac":"33:33:00:00:00:01","ifname":"br0","flags":["self"],"state":"permanent"},' +
      '{"mac":"32:84:bd:92:54:0f","ifname":"vethx","flags":[],"master":"br0","state":""}]';
    expect(parseFdb(text)).toEqual([
      { mac: '33:33:00:00:00:01', ifname: 'br0', flags: ['self'], state: 'permanent' },
      { mac: '32:84:bd:92:54:0f', ifname: 'vethx', flags: [], master: 'br0', state: '' },
    ]);
  });

  it('qdiscs of every device', () => {
    const text =
      '[{"kind":"noqueue","handle":"0:","dev":"lo","root":true,"refcnt":2,"options":{}},' +
      '{"kind":"clsact","handle":"ffff:","dev":"calitest","parent":"ffff:fff1","options":{}}]';
    expect(parseQdiscs(text).filter((q) => q.kind === 'clsact')).toEqual([
      { kind: 'clsact', dev: 'calitest', handle: 'ffff:' },
    ]);
  });
});

describe('tc -j -s filter show', () => {
  const text = JSON.stringify([
    { protocol: 'all', pref: 45000, kind: 'bpf', chain: 0 },
    {
      protocol: 'all',
      pref: 45000,
      kind: 'bpf',
      chain: 0,
      options: {
        handle: '0x12c',
        not_in_hw: true,
        bytecode: { length: 1, insns: [{ code: 6, jt: 0, jf: 0, k: 262144 }] },
        actions: [
          {
            order: 1,
            kind: 'mirred',
            mirred_action: 'mirror',
            direction: 'egress',
            to_dev: '*', // its device was deleted
            control_action: { type: 'continue' },
            index: 1,
            cookie: 'c7a90001',
            stats: { bytes: 18472, packets: 10, drops: 0, overlimits: 1, requeues: 0 },
          },
        ],
      },
    },
    { protocol: 'all', pref: 10, kind: 'u32', chain: 0, options: { fh: '800::800', flowid: '1:1' } },
    {
      protocol: 'all',
      pref: 45000,
      kind: 'bpf',
      chain: 77,
      options: {
        handle: '0x1',
        bytecode: {
          insns: [
            { code: 0, jt: 0, jf: 0, k: 3349 },
            { code: 6, jt: 0, jf: 0, k: 0 },
          ],
        },
      },
    },
  ]);

  it('skips the per-priority headers and reads handle, chain, program, actions and counters', () => {
    expect(parseFilters(text)).toEqual([
      {
        priority: 45000,
        chain: 0,
        kind: 'bpf',
        handle: 300,
        insns: [[6, 0, 0, 262144]],
        actions: [
          {
            kind: 'mirred',
            toDev: '*',
            cookie: 'c7a90001',
            control: 'continue',
            stats: { packets: 10, bytes: 18472, drops: 0, overlimits: 1 },
          },
        ],
      },
      { priority: 10, chain: 0, kind: 'u32', handle: undefined, insns: [], actions: [] },
      {
        priority: 45000,
        chain: 77,
        kind: 'bpf',
        handle: 1,
        insns: [
          [0, 0, 0, 3349],
          [6, 0, 0, 0],
        ],
        actions: [],
      },
    ]);
  });

  it('reads nothing at all (a hook without filters) as no filters', () => {
    expect(parseFilters('')).toEqual([]);
    expect(parseFilters('\n')).toEqual([]);
  });
});
