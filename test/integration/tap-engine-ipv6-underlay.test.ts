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
 * The kernel path over an IPv6 underlay (a dual-stack or IPv6-only cluster whose nodes reach the
 * desktop over IPv6): VXLAN devices with an IPv6 remote and local, the broker on [::]:4789.
 *
 *   pod a 10.66.0.2/32 ─veth─ cali… ┐ node ─ fd00:c7a9::1/64 ══ underlay MTU 1500 ══ fd00:c7a9::2 collector
 *   pod b 10.66.0.3/32 ─veth─ cali… ┘
 *
 * Jumbo pod frames over the 1500-byte underlay: on IPv4 the tunnel fragments them (DF cleared);
 * over IPv6 the kernel's VXLAN does not fragment, so they are counted as not delivered.
 */
const unavailable = NetnsLab.unavailableReason();
if (unavailable) console.warn(`tap-engine-ipv6-underlay: cannot run here: ${unavailable}`);

const NODE = 'node-6';
const NODE_IP = 'fd00:c7a9::1';
const COLLECTOR = 'fd00:c7a9::2';
const pods = [
  { namespace: 'shop', pod: 'a', podIP: '10.66.0.2' },
  { namespace: 'shop', pod: 'b', podIP: '10.66.0.3' },
].map((p) => ({
  ...p,
  key: `${p.namespace}/${p.pod}`,
  veth: `cali${createHash('sha1').update(`${p.namespace}.${p.pod}`).digest('hex').slice(0, 11)}`,
}));

describe.skipIf(unavailable !== undefined)('tap engine over an IPv6 underlay → broker on IPv6', () => {
  const lab = new NetnsLab(`ctte-6${process.pid}`);
  const dir = tempDir('ctte-ipv6');
  const ns: Record<string, string> = {};
  let engine: TapEngine | undefined;

  beforeAll(() => {
    for (const name of ['node', 'col', 'a', 'b']) ns[name] = lab.addNamespace(name);
    const node = ns.node as string;
    const col = ns.col as string;
    lab.link({ ns: node, dev: 'under0' }, { ns: col, dev: 'under0' });
    lab.exec(node, `ip -6 addr add ${NODE_IP}/64 dev under0 nodad`);
    lab.exec(col, `ip -6 addr add ${COLLECTOR}/64 dev under0 nodad`);
    for (const p of pods) {
      const podNs = ns[p.pod] as string;
      lab.link({ ns: podNs, dev: 'eth0', cidr: `${p.podIP}/32` }, { ns: node, dev: p.veth }, 9000);
      lab.exec(podNs, 'ip route add 169.254.1.1 dev eth0 && ip route add default via 169.254.1.1 dev eth0');
      lab.exec(
        node,
        `sysctl -qw net.ipv4.conf.${p.veth}.proxy_arp=1 && ip route add ${p.podIP}/32 dev ${p.veth}`,
      );
      for (const [n, dev] of [
        [podNs, 'eth0'],
        [node, p.veth],
      ] as const)
        lab.exec(
          n,
          `ethtool -K ${dev} tx off tso off gso off gro off >/dev/null && sysctl -qw net.ipv6.conf.${dev}.disable_ipv6=1`,
        );
    }
    // Proxy ARP answers for 169.254.1.1 only with a route to it: an IPv4 default route, as nodes have.
    lab.exec(node, 'sysctl -qw net.ipv4.ip_forward=1 && ip route add default dev under0');
  });

  afterAll(async () => {
    await engine?.removeAll().catch(() => undefined);
    lab.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('mirrors per pod and direction what tcpdump sees; jumbo mirrors that cannot cross are counted, not silent', async () => {
    engine = createTapEngine({
      sessionId: 'ctteipv6',
      nodeName: NODE,
      nodeIP: NODE_IP,
      collector: { address: COLLECTOR, port: 4789 },
      transport: 'vxlan',
      tunnelIdBase: 5000,
      exec: netnsExec(ns.node as string),
    });
    const result = await engine.reconcile(pods);
    expect(result.problems).toEqual([]);
    const taps = await engine.taps();
    const map = path.join(dir, 'map.json');
    fs.writeFileSync(
      map,
      JSON.stringify(
        taps.map((t) => ({
          tunnelId: t.tunnelId,
          name: tapInterfaceName(NODE, t),
          direction: t.direction === 'ingress' ? 'inbound' : 'outbound',
        })),
      ),
    );
    const out = path.join(dir, 'v6.pcapng');
    const broker = await startCapture(
      ['--vxlan', `[${COLLECTOR}]:4789`, '--tunnel-map', map, '-w', out, '--stats'],
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
    try {
      await waitFor(() => dumps.every((d) => /listening on/.test(d.stderr())), 10_000, 'tcpdump to start');
      lab.exec(ns.a as string, 'ping -c 3 -i 0.2 10.66.0.3 >/dev/null');
      lab.exec(ns.a as string, 'ping -c 2 -i 0.2 -s 8900 10.66.0.3 >/dev/null'); // 8942-byte frames
      await sleep(500);
    } finally {
      for (const d of dumps) d.child.kill('SIGINT');
      await Promise.all(dumps.map((d) => d.exited));
      await sleep(300);
      broker.child.kill('SIGINT');
    }
    expect(await broker.exited).toBe(0);
    // What fits the underlay arrives exactly as tcpdump saw it. The kernel does not fragment
    // VXLAN over IPv6 (no DF to clear, as on IPv4), so a jumbo mirror cannot leave the node:
    // each is counted as a send error of its tunnel device (node status `dropped`), not lost silently.
    const UNDERLAY_PAYLOAD = 1500 - 40 - 8 - 8; // IPv6, UDP, VXLAN headers
    const ours = readWithPeers(out);
    const counters = await engine.counters();
    for (const [iface, ref] of Object.entries(refs)) {
      const seen = readWithPeers(ref);
      const fits = seen.filter((f) => f.length <= UNDERLAY_PAYLOAD).map((f) => f.hex);
      const jumbo = seen.filter((f) => f.length > UNDERLAY_PAYLOAD);
      expect(fits.length, iface).toBeGreaterThanOrEqual(3);
      expect(jumbo.length, iface).toBe(2);
      expect(
        ours.filter((f) => f.interfaceName === iface).map((f) => f.hex),
        iface,
      ).toEqual(fits);
      const tap = taps.find((t) => tapInterfaceName(NODE, t) === iface);
      const counted = counters.find((c) => c.tunnelId === tap?.tunnelId);
      expect(counted?.tunnelTxErrors, iface).toBe(jumbo.length);
    }
    // The tunnels really ran over IPv6: the devices' remote is the collector's IPv6 address.
    const links = lab.exec(ns.node as string, 'ip -d link show');
    expect(links).toContain(`remote ${COLLECTOR}`);
  });
});
