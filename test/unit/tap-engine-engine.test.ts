import { describe, expect, it } from 'vitest';
import {
  createTapEngine,
  type EngineConfig,
  type Exec,
  ExecError,
  sessionIdentity,
} from '../../agent-image/src/tap-engine/index.js';

/**
 * The engine's decisions against a scripted node: which commands it runs, and what status each
 * pod gets when a step fails. The real kernel is in test/integration/tap-engine-*.test.ts.
 */
type Reply = string | ExecError | (() => string);

/**
 * A node that answers commands by rules, batches (`ip|tc [-j] [-s] -force -batch -`) line by line
 * as iproute2 does: the outputs of the lines that worked, and "Command failed -:N" for the others.
 */
function fakeNode(rules: [RegExp, Reply][]) {
  const calls: string[] = [];
  const answer = (line: string): string => {
    calls.push(line);
    for (const [pattern, reply] of rules)
      if (pattern.test(line)) {
        if (reply instanceof ExecError) throw reply;
        return typeof reply === 'function' ? reply() : reply;
      }
    return / show | get /.test(line) ? '[]' : '';
  };
  const exec: Exec = async (command, args, input) => {
    const batch = args.indexOf('-batch');
    if (batch < 0) {
      try {
        return answer([command, ...args].join(' '));
      } catch (error) {
        throw new ExecError(command, args, (error as ExecError).stderr);
      }
    }
    const options = args.slice(0, batch).filter((a) => a !== '-force');
    const outputs: string[] = [];
    const errors: string[] = [];
    (input ?? '')
      .split('\n')
      .filter(Boolean)
      .forEach((line, i) => {
        try {
          const out = answer([command, ...options, line.replaceAll('"', '')].join(' '));
          if (out) outputs.push(out);
        } catch (error) {
          errors.push(`${(error as ExecError).stderr}\nCommand failed -:${i + 1}`);
        }
      });
    if (errors.length) throw new ExecError(command, args, errors.join('\n'), outputs.join('\n'));
    return outputs.join('\n');
  };
  return { exec, calls };
}

const fail = (stderr: string) => new ExecError('x', [], stderr);
const link = (ifname: string, kind?: string, extra: object = {}) => ({
  ifindex: 1,
  ifname,
  flags: ['UP'],
  ...(kind ? { linkinfo: { info_kind: kind } } : {}),
  ...extra,
});
const links = (...entries: object[]): [RegExp, Reply] => [/^ip -j -d link show$/, JSON.stringify(entries)];
const route = (ip: string, dev: string, extra: object = {}): [RegExp, Reply] => [
  new RegExp(`^ip -j route get ${ip.replaceAll('.', '\\.')}$`),
  JSON.stringify([{ dst: ip, dev, ...extra }]),
];
const pod = (name: string, podIP: string) => ({ key: `ns/${name}`, namespace: 'ns', pod: name, podIP });
const ID = sessionIdentity('unit1');

function engine(exec: Exec, extra: Partial<EngineConfig> = {}) {
  return createTapEngine({
    sessionId: 'unit1',
    nodeName: 'n1',
    nodeIP: '10.0.0.5',
    collector: { address: '203.0.113.9', port: 4789 },
    transport: 'vxlan',
    tunnelIdBase: 100,
    exec,
    ...extra,
  });
}

describe('tap engine decisions', () => {
  it('GRE transport: gretap devices keyed by tunnel ID, mirrored into (command lines only: no gretap here)', async () => {
    const node = fakeNode([links(link('caliA', 'veth')), route('10.1.0.2', 'caliA')]);
    const result = await engine(node.exec, { transport: 'gre' }).reconcile([pod('a', '10.1.0.2')]);
    expect(result.statuses).toEqual([{ key: 'ns/a', state: 'tapped', interface: 'caliA' }]);
    expect(node.calls.filter((c) => c.startsWith('ip link add'))).toEqual([
      `ip link add ${ID.deviceName(100)} mtu 65000 arp off type gretap remote 203.0.113.9 local 10.0.0.5 key 100 nopmtudisc`,
      `ip link add ${ID.deviceName(101)} mtu 65000 arp off type gretap remote 203.0.113.9 local 10.0.0.5 key 101 nopmtudisc`,
    ]);
    const mirrors = node.calls.filter((c) => c.includes(' mirred '));
    expect(mirrors.map((c) => c.replace(/ bytecode .*? action /, ' bytecode … action '))).toEqual([
      `tc filter add dev caliA ingress prio ${ID.priority} handle 100 protocol all bpf bytecode … action mirred egress mirror dev ${ID.deviceName(100)} continue cookie ${ID.cookie}`,
      `tc filter add dev caliA egress prio ${ID.priority} handle 101 protocol all bpf bytecode … action mirred egress mirror dev ${ID.deviceName(101)} continue cookie ${ID.cookie}`,
    ]);
    // The qdisc was absent: added, and marked as ours.
    expect(node.calls).toContain('tc qdisc add dev caliA clsact');
    expect(node.calls.filter((c) => c.includes(`chain ${ID.markerChain}`))).toHaveLength(1);
  });

  it("turns each pod's failing step into its status and taps the rest", async () => {
    const node = fakeNode([
      links(link('caliB', 'veth'), link('caliC', 'veth'), link('caliD', 'veth')),
      [/^ip -j route get 10\.1\.0\.1$/, fail('RTNETLINK answers: Network is unreachable')],
      route('10.1.0.2', 'caliB'),
      route('10.1.0.3', 'caliC'),
      route('10.1.0.4', 'caliD'),
      [new RegExp(`^ip link add ${ID.deviceName(100)} `), fail('RTNETLINK answers: File exists')],
      [
        new RegExp(`^ip link set dev ${ID.deviceName(102)} alias .* up$`),
        fail('RTNETLINK answers: Operation not permitted'),
      ],
    ]);
    const result = await engine(node.exec).reconcile([
      pod('a', '10.1.0.1'),
      pod('b', '10.1.0.2'),
      pod('c', '10.1.0.3'),
      pod('d', '10.1.0.4'),
    ]);
    expect(result.statuses.map((s) => s.state)).toEqual(['failed', 'failed', 'failed', 'tapped']);
    expect(result.problems).toEqual([
      {
        pod: 'ns/a',
        message: expect.stringMatching(/^no route to pod IP 10\.1\.0\.1 on this node: .*unreachable/),
      },
      {
        pod: 'ns/b',
        message: `creating tunnel device ${ID.deviceName(100)}: RTNETLINK answers: File exists`,
      },
      {
        pod: 'ns/c',
        message: `bringing up tunnel device ${ID.deviceName(102)}: RTNETLINK answers: Operation not permitted`,
      },
    ]);
    expect(node.calls).toContain(`ip link del dev ${ID.deviceName(102)}`); // the half-made device went
    expect(node.calls).not.toContain(`ip link del dev ${ID.deviceName(100)}`); // not ours: it existed
  });

  it('taps even where /proc/sys is read-only, saying IPv6 was kept off by addrgenmode alone', async () => {
    const node = fakeNode([
      links(link('caliA', 'veth')),
      route('10.1.0.2', 'caliA'),
      [/^sysctl /, fail('sysctl: setting key "net.ipv6.conf.x.disable_ipv6": Read-only file system')],
    ]);
    const [status] = (await engine(node.exec).reconcile([pod('a', '10.1.0.2')])).statuses;
    expect(status?.state).toBe('tapped');
    expect(status?.message).toMatch(
      /IPv6 not disabled by sysctl .*Read-only file system.*have no IPv6 address/,
    );
  });

  it('bridged pods: neighbour MAC, then the FDB port; waits (without probing) until both exist', async () => {
    let neigh = '[]';
    let fdb = '[{"mac":"33:33:00:00:00:01","ifname":"cni0","flags":["self"],"state":"permanent"}]';
    const node = fakeNode([
      links(link('cni0', 'bridge'), link('veth1a2b', 'veth', { master: 'cni0' })),
      route('10.244.1.5', 'cni0'),
      [/^ip -j neigh show 10\.244\.1\.5 dev cni0$/, () => neigh],
      [/^bridge -j fdb show br cni0$/, () => fdb],
    ]);
    const e = engine(node.exec);
    const waiting = await e.reconcile([pod('a', '10.244.1.5')]);
    expect(waiting.problems).toEqual([
      {
        pod: 'ns/a',
        message:
          'waiting for a neighbour entry for 10.244.1.5 on cni0 (the node has not exchanged traffic with the pod yet)',
      },
    ]);
    neigh = '[{"dst":"10.244.1.5","lladdr":"0A:58:0A:F4:01:05","state":["STALE"]}]';
    expect((await e.reconcile([pod('a', '10.244.1.5')])).problems[0]?.message).toBe(
      'waiting for cni0 to learn the port of 10.244.1.5 (MAC 0A:58:0A:F4:01:05): no forwarding entry yet',
    );
    fdb = `[${fdb.slice(1, -1)},{"mac":"0a:58:0a:f4:01:05","ifname":"veth1a2b","flags":[],"master":"cni0","state":""}]`;
    await e.verify(); // verify retries waiting pods
    expect(e.statuses()).toEqual([{ key: 'ns/a', state: 'tapped', interface: 'veth1a2b' }]);
    expect(node.calls.some((c) => /ping|arping/.test(c))).toBe(false);
  });

  it('never taps our own tunnel devices, physical devices, the host network or another node', async () => {
    const node = fakeNode([
      links(link('ctapffffff2s', 'vxlan'), link('eth0')),
      route('10.1.0.1', 'ctapffffff2s'),
      route('10.1.0.2', 'eth0'),
      route('10.1.0.3', 'lo', { type: 'local' }),
      route('10.1.0.4', 'eth0', { gateway: '10.0.0.1' }),
    ]);
    const result = await engine(node.exec).reconcile(
      ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4'].map((ip, i) => pod(`p${i}`, ip)),
    );
    expect(result.problems.map((p) => p.message)).toEqual([
      'the route to 10.1.0.1 names ctapffffff2s, a ClusterTap tunnel device',
      "the route to 10.1.0.2 leaves through eth0 (a physical device), not a pod's veth or a bridge: is the pod on this node?",
      '10.1.0.3 is a local address of this node (host network?): no pod interface to tap',
      'the route to 10.1.0.4 goes through gateway 10.0.0.1 (eth0): is the pod on this node?',
    ]);
    expect(node.calls.some((c) => c.startsWith('ip link add') || c.startsWith('tc filter add'))).toBe(false);
  });

  it('gives two pods on one interface one tap, and says so for the second', async () => {
    const node = fakeNode([
      links(link('caliA', 'veth')),
      route('10.1.0.2', 'caliA'),
      route('10.1.0.9', 'caliA'),
    ]);
    const result = await engine(node.exec).reconcile([pod('a', '10.1.0.2'), pod('stale', '10.1.0.9')]);
    expect(result.problems).toEqual([{ pod: 'ns/stale', message: "caliA already carries ns/a's tap" }]);
  });

  it('pause() removes what it can and reports what it could not', async () => {
    const ours = (handle: number) =>
      JSON.stringify([
        {
          pref: ID.priority,
          kind: 'bpf',
          chain: 0,
          options: { handle: `0x${handle.toString(16)}`, actions: [{ kind: 'mirred', cookie: ID.cookie }] },
        },
      ]);
    const node = fakeNode([
      links(link('caliA', 'veth'), link('caliB', 'veth')),
      route('10.1.0.2', 'caliA'),
      route('10.1.0.3', 'caliB'),
      [/^tc -j qdisc show$/, '[{"kind":"clsact","dev":"caliA"},{"kind":"clsact","dev":"caliB"}]'],
      [/^tc -j filter show dev caliA ingress$/, ours(100)],
      [/^tc -j filter show dev caliB/, fail('Error: Operation not permitted')],
    ]);
    const e = engine(node.exec);
    await e.reconcile([pod('a', '10.1.0.2'), pod('b', '10.1.0.3')]);
    node.calls.length = 0;
    await expect(e.pause()).rejects.toThrow(
      /^pausing: reading the filters of caliB: .*Operation not permitted/,
    );
    expect(node.calls).toContain(
      `tc filter del dev caliA ingress prio ${ID.priority} handle 100 protocol all bpf`,
    );
  });
});
