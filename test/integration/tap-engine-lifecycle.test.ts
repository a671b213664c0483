import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTapEngine,
  type EngineConfig,
  type Exec,
  netnsExec,
  sessionIdentity,
  type TapEngine,
} from '../../agent-image/src/tap-engine/index.js';
import { NetnsLab } from '../helpers/netns.js';

/**
 * What the tap engine leaves on a node, against the real kernel: idempotent reconciles, exact
 * removal (a clsact qdisc and filter of someone else's stay), leftovers after kill -9, CNI
 * resyncs undone by verify(), the dead-man switch, pods whose interface changes.
 * Calico-style node: pods a, b, c behind /32 routes to `cali…` veths; b's veth already has a
 * clsact qdisc with a foreign filter.
 */
const unavailable = NetnsLab.unavailableReason();
if (unavailable) console.warn(`tap-engine-lifecycle: cannot run here: ${unavailable}`);

const pods = ['a', 'b', 'c'].map((name, i) => ({
  key: `team/${name}`,
  namespace: 'team',
  pod: name,
  podIP: `10.65.2.${i + 2}`,
  veth: `calilife${name}`,
}));
const [a, b, c] = pods as [(typeof pods)[0], (typeof pods)[0], (typeof pods)[0]];
const ONE = sessionIdentity('lifeone');
const TWO = sessionIdentity('lifetwo');

describe.skipIf(unavailable !== undefined)('tap engine lifecycle on a node', () => {
  const lab = new NetnsLab(`ctte-l${process.pid}`);
  let node = '';
  let commands: string[] = [];
  const engines: TapEngine[] = [];

  beforeAll(() => {
    node = lab.addNamespace('node');
    // Link-local IPv6 routes come and go with DAD on their own: keep them out of the route check.
    lab.exec(node, 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1');
    const col = lab.addNamespace('col');
    lab.link(
      { ns: node, dev: 'under0', cidr: '198.18.2.1/30' },
      { ns: col, dev: 'under0', cidr: '198.18.2.2/30' },
    );
    lab.exec(node, 'ip route add default via 198.18.2.2');
    for (const p of pods) {
      const podNs = lab.addNamespace(p.pod);
      lab.link({ ns: podNs, dev: 'eth0', cidr: `${p.podIP}/32` }, { ns: node, dev: p.veth });
      lab.exec(node, `ip route add ${p.podIP}/32 dev ${p.veth}`);
    }
    lab.exec(node, `tc qdisc add dev ${b.veth} clsact`);
    lab.exec(node, `tc filter add dev ${b.veth} ingress prio 10 protocol all u32 match u32 0 0 classid 1:1`);
  });

  afterEach(async () => {
    for (const e of engines.splice(0)) await e.removeAll().catch(() => undefined);
    // A qdisc the first of two sessions added outlives both when the other one still had
    // filters on it at the first one's clean-up (documented): the next test starts clean.
    for (const p of [a, c]) lab.exec(node, `tc qdisc del dev ${p.veth} clsact 2>/dev/null || true`);
  });
  afterAll(() => lab.cleanup());

  function engine(sessionId = 'lifeone', extra: Partial<EngineConfig> = {}): TapEngine {
    const inNode = netnsExec(node);
    const recording: Exec = (command, args, input) => {
      commands.push(`${command} ${args.join(' ')}${input ? `\n${input}` : ''}`);
      return inNode(command, args, input);
    };
    const e = createTapEngine({
      sessionId,
      nodeName: 'node-l',
      nodeIP: '198.18.2.1',
      collector: { address: '198.18.2.2', port: 4789 },
      transport: 'vxlan',
      tunnelIdBase: sessionId === 'lifeone' ? 100 : 200,
      exec: recording,
      ...extra,
    });
    engines.push(e);
    return e;
  }

  const json = (command: string) => JSON.parse(lab.exec(node, command) || '[]');
  /** Filters at a session's priority on an interface, both hooks. */
  const filtersAt = (dev: string, priority: number) =>
    ['ingress', 'egress'].flatMap((hook) =>
      (json(`tc -j filter show dev ${dev} ${hook}`) as { pref: number; chain: number; options?: unknown }[])
        .filter((f) => f.pref === priority && f.chain === 0 && f.options)
        .map(() => hook),
    );
  const devices = (prefix = 'ctap') =>
    (json('ip -j link show') as { ifname: string }[])
      .map((l) => l.ifname)
      .filter((n) => n.startsWith(prefix));
  const clsact = () =>
    (json('tc -j qdisc show') as { kind: string; dev: string }[])
      .filter((q) => q.kind === 'clsact')
      .map((q) => q.dev);
  const foreignIntact = () => {
    expect(clsact()).toContain(b.veth);
    expect(lab.exec(node, `tc filter show dev ${b.veth} ingress`)).toMatch(/pref 10 u32/);
  };

  it('taps within 2 s, and a second reconcile adds nothing', async () => {
    const e = engine();
    const started = Date.now();
    const first = await e.reconcile(pods);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(first.statuses.map((s) => s.state)).toEqual(['tapped', 'tapped', 'tapped']);
    commands = [];
    const second = await e.reconcile(pods);
    expect(second.statuses).toEqual(first.statuses);
    expect(commands.filter((line) => / add /.test(line))).toEqual([]);
    for (const p of pods) expect(filtersAt(p.veth, ONE.priority)).toEqual(['ingress', 'egress']);
    expect(devices()).toHaveLength(6);
    expect((await e.taps()).map((t) => [t.pod, t.direction, t.interface, t.tunnelId])).toEqual([
      ['a', 'egress', a.veth, 100],
      ['a', 'ingress', a.veth, 101],
      ['b', 'egress', b.veth, 102],
      ['b', 'ingress', b.veth, 103],
      ['c', 'egress', c.veth, 104],
      ['c', 'ingress', c.veth, 105],
    ]);
  });

  it('untaps a pod that went away; removeAll leaves nothing of ours and the foreign qdisc intact', async () => {
    const routesBefore = lab.exec(node, 'ip route show table all');
    const e = engine();
    await e.reconcile(pods);
    await e.reconcile([a]);
    expect(filtersAt(b.veth, ONE.priority)).toEqual([]);
    expect(filtersAt(c.veth, ONE.priority)).toEqual([]);
    expect(clsact()).not.toContain(c.veth); // we added it, we took it away
    foreignIntact();
    expect(devices()).toHaveLength(2);
    await e.removeAll();
    expect(devices()).toEqual([]);
    expect(clsact()).toEqual([b.veth]);
    foreignIntact();
    expect(lab.exec(node, 'ip route show table all')).toBe(routesBefore);
  });

  it('after kill -9, a new engine of the session removes its leftovers, and only those', async () => {
    const killed = engine('lifeone');
    await killed.reconcile([a, b]);
    const other = engine('lifetwo');
    await other.reconcile([a, c]); // another session tapping a pod we tap too
    engines.splice(engines.indexOf(killed), 1); // its state is gone with the process
    const restarted = engine('lifeone');
    const report = await restarted.cleanupLeftovers();
    // a's qdisc (ours) stays: the other session's filters hang on it.
    expect(report).toEqual({ filters: 4, devices: 4, qdiscs: 0, errors: [] });
    expect(devices(ONE.devicePrefix)).toEqual([]);
    for (const p of [a, b]) expect(filtersAt(p.veth, ONE.priority)).toEqual([]);
    expect(devices(TWO.devicePrefix)).toHaveLength(4);
    for (const p of [a, c]) expect(filtersAt(p.veth, TWO.priority)).toEqual(['ingress', 'egress']);
    foreignIntact();
  });

  it("a fresh engine's first reconcile cleans up by itself: no stale filter next to the new one", async () => {
    await engine().reconcile([a, b]);
    engines.splice(0); // it "crashed": no removeAll for it
    const restarted = engine();
    await restarted.reconcile([a]);
    expect(filtersAt(a.veth, ONE.priority)).toEqual(['ingress', 'egress']);
    expect(filtersAt(b.veth, ONE.priority)).toEqual([]);
    expect(devices(ONE.devicePrefix)).toHaveLength(2);
  });

  it('verify() restores filters, qdiscs and devices a CNI resync removed, each call within 2 s', async () => {
    const e = engine();
    await e.reconcile(pods);
    commands = [];
    expect(await e.verify()).toBe(0);
    expect(commands.filter((line) => / add /.test(line))).toEqual([]);
    const timed = async () => {
      const started = Date.now();
      const restored = await e.verify();
      expect(Date.now() - started).toBeLessThan(2000);
      return restored;
    };
    lab.exec(node, `tc filter del dev ${a.veth} ingress prio ${ONE.priority}`);
    expect(await timed()).toBe(1);
    expect(filtersAt(a.veth, ONE.priority)).toEqual(['ingress', 'egress']);
    lab.exec(node, `tc qdisc del dev ${c.veth} clsact`);
    expect(await timed()).toBe(2);
    expect(filtersAt(c.veth, ONE.priority)).toEqual(['ingress', 'egress']);
    const [tap] = await e.taps();
    lab.exec(node, `ip link del ${ONE.deviceName(tap?.tunnelId as number)}`);
    expect(await timed()).toBe(2); // the device, and the filter that pointed at it
    expect(devices()).toHaveLength(6);
    expect(lab.exec(node, `tc filter show dev ${a.veth} ingress`)).toContain(
      ONE.deviceName(tap?.tunnelId as number),
    );
    await e.removeAll();
    expect(clsact()).toEqual([b.veth]); // the re-added qdisc was ours: gone
  });

  it('pause() removes every mirror filter and keeps the devices; resume() puts them back', async () => {
    const e = engine();
    await e.reconcile(pods);
    await e.pause();
    for (const p of pods) expect(filtersAt(p.veth, ONE.priority)).toEqual([]);
    expect(devices()).toHaveLength(6);
    expect(e.statuses().map((s) => s.state)).toEqual(['paused', 'paused', 'paused']);
    expect(await e.verify()).toBe(0); // paused: nothing to restore
    await e.reconcile(pods);
    for (const p of pods) expect(filtersAt(p.veth, ONE.priority)).toEqual([]);
    await e.resume();
    for (const p of pods) expect(filtersAt(p.veth, ONE.priority)).toEqual(['ingress', 'egress']);
  });

  it('follows a pod whose veth was replaced, keeping its tunnel IDs', async () => {
    const e = engine();
    await e.reconcile([a]);
    const before = (await e.taps()).map((t) => t.tunnelId);
    lab.exec(node, `ip link del ${a.veth}`);
    lab.link({ ns: `${lab.prefix}-a`, dev: 'eth1' }, { ns: node, dev: 'calilifenew' });
    lab.exec(node, `ip route add ${a.podIP}/32 dev calilifenew`);
    await e.reconcile([a]);
    expect(e.statuses()).toEqual([{ key: a.key, state: 'tapped', interface: 'calilifenew' }]);
    expect((await e.taps()).map((t) => t.tunnelId)).toEqual(before);
    expect(filtersAt('calilifenew', ONE.priority)).toEqual(['ingress', 'egress']);
  });

  it('says why a pod cannot be tapped, and taps the others', async () => {
    const e = engine();
    const result = await e.reconcile([
      a,
      { key: 'team/elsewhere', namespace: 'team', pod: 'elsewhere', podIP: '10.99.0.9' },
      { key: 'team/hostnet', namespace: 'team', pod: 'hostnet', podIP: '198.18.2.1' },
    ]);
    expect(result.statuses.map((s) => s.state)).toEqual(['tapped', 'failed', 'failed']);
    expect(result.problems).toEqual([
      {
        pod: 'team/elsewhere',
        message: expect.stringMatching(/through gateway 198.18.2.2 .*is the pod on this node/),
      },
      { pod: 'team/hostnet', message: expect.stringMatching(/local address of this node/) },
    ]);
    const bad = engine('lifetwo', { filter: 'tcp port' });
    const compiled = await bad.reconcile([c]);
    expect(compiled.problems).toEqual([
      { pod: c.key, message: expect.stringMatching(/capture filter "tcp port": /) },
    ]);
    expect(devices(TWO.devicePrefix)).toEqual([]);
  });
});
