import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTapEngine, netnsExec, type TapEngine } from '../../agent-image/src/tap-engine/index.js';
import { tapInterfaceName } from '../../main/kube/deploy/node-status.js';
import { NetnsLab } from '../helpers/netns.js';
import { readWithPeers } from '../helpers/peers.js';
import { type Spawned, sleep, start, startCapture, tempDir, waitFor } from '../helpers/run.js';

/**
 * The tap engine on a Flannel-style node: pods on a /24 behind the `cni0` bridge, where the
 * route names the bridge and only the neighbour entry (pod MAC) and the bridge's forwarding
 * database (port) lead to the pod's veth. Nothing is sent to find them.
 *
 *   pod p1 10.244.1.2/24 ─veth─┐                                   collector
 *   pod p2 10.244.1.3/24 ─veth─┴ cni0 10.244.1.1 (node) ─underlay─ clustertap capture
 *                                flannel.1 (VNI 1, 8472)   198.18.3.0/30
 */
const unavailable = NetnsLab.unavailableReason();
if (unavailable) console.warn(`tap-engine-flannel: cannot run here: ${unavailable}`);

const NODE = 'node-f';
const COLLECTOR = '198.18.3.2';
const pods = ['p1', 'p2'].map((pod, i) => ({
  key: `apps/${pod}`,
  namespace: 'apps',
  pod,
  podIP: `10.244.1.${i + 2}`,
  // Flannel's bridge plugin names host veths "veth" + 8 random hex digits.
  veth: `veth${createHash('sha1').update(pod).digest('hex').slice(0, 8)}`,
}));

describe.skipIf(unavailable !== undefined)('tap engine on a Flannel-style (bridged) node', () => {
  const lab = new NetnsLab(`ctte-f${process.pid}`);
  const dir = tempDir('ctte-flannel');
  const ns: Record<string, string> = {};
  let engine: TapEngine;

  beforeAll(() => {
    for (const name of ['node', 'col', 'p1', 'p2']) ns[name] = lab.addNamespace(name);
    const node = ns.node as string;
    lab.exec(node, 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1');
    lab.link(
      { ns: node, dev: 'under0', cidr: '198.18.3.1/30' },
      { ns: ns.col as string, dev: 'under0', cidr: `${COLLECTOR}/30` },
    );
    lab.exec(node, `ip route add default via ${COLLECTOR}`);
    // No multicast snooping: its IGMP reports (the bridge joins 224.0.0.106) come at random
    // moments, and one falling between the broker's start and tcpdump's would be ours alone.
    lab.exec(
      node,
      'ip link add cni0 mtu 1450 type bridge mcast_snooping 0 && ip addr add 10.244.1.1/24 dev cni0 && ip link set cni0 up',
    );
    lab.exec(node, 'ip link add flannel.1 type vxlan id 1 dstport 8472 local 198.18.3.1 nolearning');
    for (const p of pods) {
      const podNs = ns[p.pod] as string;
      lab.exec(podNs, 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1');
      lab.link({ ns: podNs, dev: 'eth0', cidr: `${p.podIP}/24` }, { ns: node, dev: p.veth }, 1450);
      lab.exec(node, `ip link set ${p.veth} master cni0`);
      lab.exec(podNs, 'ip route add default via 10.244.1.1');
      // Wire-sized frames with finished checksums (see tap-engine-calico.test.ts).
      lab.exec(podNs, 'ethtool -K eth0 tx off tso off gso off gro off >/dev/null');
      lab.exec(node, `ethtool -K ${p.veth} tx off tso off gso off gro off >/dev/null`);
    }
    engine = createTapEngine({
      sessionId: 'ctteflannel',
      nodeName: NODE,
      nodeIP: '198.18.3.1',
      collector: { address: COLLECTOR, port: 4789 },
      transport: 'vxlan',
      tunnelIdBase: 1,
      exec: netnsExec(node),
    });
  });

  afterAll(async () => {
    await engine?.removeAll().catch(() => undefined);
    lab.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('waits for a neighbour entry instead of probing the pod, then taps it (verify retries)', async () => {
    const first = await engine.reconcile(pods);
    expect(first.statuses.map((s) => s.state)).toEqual(['waiting', 'waiting']);
    expect(first.problems[0]?.message).toMatch(/^waiting for a neighbour entry for 10\.244\.1\.2 on cni0/);
    expect(lab.exec(ns.node as string, 'ip neigh show dev cni0')).toBe(''); // we sent nothing
    // The pods talk to their gateway (DNS, a probe…): now the node knows their MACs.
    for (const p of pods) lab.exec(ns[p.pod] as string, 'ping -c 1 -W 1 10.244.1.1 >/dev/null');
    await engine.verify();
    expect(engine.statuses()).toEqual(pods.map((p) => ({ key: p.key, state: 'tapped', interface: p.veth })));
    // Flannel's VNI 1 is never ours.
    expect((await engine.taps()).map((t) => t.tunnelId)).toEqual([2, 3, 4, 5]);
  });

  it('mirrors exactly what tcpdump sees on each port veth, per pod and direction', async () => {
    const taps = await engine.taps();
    const map = path.join(dir, 'map.json');
    fs.writeFileSync(
      map,
      JSON.stringify(taps.map((t) => ({ tunnelId: t.tunnelId, name: tapInterfaceName(NODE, t) }))),
    );
    const out = path.join(dir, 'bridge.pcapng');
    const broker = await startCapture(
      ['--vxlan', `${COLLECTOR}:4789`, '--tunnel-map', map, '-w', out, '--stats'],
      ns.col,
    );
    const refs: Record<string, string> = {};
    const dumps: Spawned[] = [];
    for (const p of pods)
      for (const [q, direction] of [
        ['in', 'egress'],
        ['out', 'ingress'],
      ] as const) {
        const file = path.join(dir, `${p.pod}-${direction}.pcap`);
        refs[tapInterfaceName(NODE, { ...p, direction })] = file;
        dumps.push(
          start('tcpdump', ['-i', p.veth, '-Q', q, '-s', '0', '--immediate-mode', '-U', '-w', file], ns.node),
        );
      }
    const server = start('python3', ['-c', SERVER], ns.p2);
    try {
      await waitFor(() => dumps.every((d) => /listening on/.test(d.stderr())), 10_000, 'tcpdump to start');
      const p1 = ns.p1 as string;
      lab.exec(p1, 'ping -c 3 -i 0.2 10.244.1.3 >/dev/null');
      lab.exec(p1, 'ping -c 2 -i 0.2 -s 1422 10.244.1.3 >/dev/null'); // full 1450-byte packets
      lab.exec(
        p1,
        "python3 -c \"import socket; s=socket.socket(2,2); [s.sendto(b'u'*n,('10.244.1.3',9999)) for n in (1,500,1422)]\"",
      );
      await waitFor(() => lab.exec(ns.p2 as string, 'ss -ltn').includes(':9200'), 5000, 'the TCP server');
      lab.exec(p1, `python3 -c "${CLIENT}"`);
      await sleep(500);
    } finally {
      for (const d of dumps) d.child.kill('SIGINT');
      await Promise.all(dumps.map((d) => d.exited));
      server.child.kill();
      await sleep(300);
      broker.child.kill('SIGINT');
    }
    expect(await broker.exited).toBe(0);
    const ours = readWithPeers(out);
    for (const [iface, ref] of Object.entries(refs)) {
      const expected = readWithPeers(ref).map((f) => digest(f.hex));
      expect(expected.length, iface).toBeGreaterThan(5);
      expect(
        ours.filter((f) => f.interfaceName === iface).map((f) => digest(f.hex)),
        iface,
      ).toEqual(expected);
    }
    // Frames of 1464 bytes leave through a 1500-byte underlay as IP fragments, and arrive whole.
    expect(ours.map((f) => f.length)).toContain(1464);
    expect(JSON.parse(broker.stdout()).kernelDrops).toBe(0);
  });
});

const SERVER = `import socket
s = socket.socket(); s.setsockopt(1, 2, 1); s.bind(('10.244.1.3', 9200)); s.listen(4)
c, _ = s.accept(); c.recv(65536); c.sendall(b'k' * 5000); c.close()`;
const CLIENT =
  "import socket; c=socket.create_connection(('10.244.1.3',9200)); c.sendall(b'hello'); [None for _ in iter(lambda: c.recv(65536), b'')]";

function digest(hex: string): string {
  return `${hex.length / 2}:${createHash('sha1').update(hex).digest('hex').slice(0, 12)}`;
}
