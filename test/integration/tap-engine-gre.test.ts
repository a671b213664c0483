import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTapEngine, netnsExec, type TapEngine } from '../../agent-image/src/tap-engine/index.js';
import { tapInterfaceName } from '../../main/kube/deploy/node-status.js';
import { NetnsLab, tryDeleteNamespace } from '../helpers/netns.js';
import { readWithPeers } from '../helpers/peers.js';
import { type Spawned, sh, sleep, start, startCapture, tempDir, waitFor } from '../helpers/run.js';

/**
 * The GRE transport (gretap, key = tunnel ID) against the real kernel, where the kernel can:
 * one pod on a Calico-style node, its traffic mirrored into gretap devices and terminated by
 * `clustertap capture --gre`. Where the kernel has no gretap, the engine must say so per pod.
 */
const unavailable = NetnsLab.unavailableReason();
if (unavailable) console.warn(`tap-engine-gre: cannot run here: ${unavailable}`);
const hasGretap = unavailable === undefined && kernelHasGretap();
if (unavailable === undefined && !hasGretap)
  console.warn(
    'tap-engine-gre: this kernel has no gretap (CONFIG_NET_IPGRE): the GRE kernel path is UNTESTED here; ' +
      'test/unit/tap-engine-commands.test.ts checks its command lines, this file checks the status it gives',
  );

function kernelHasGretap(): boolean {
  const probe = `ctte-gre-probe${process.pid}`;
  try {
    sh('ip', ['netns', 'add', probe]);
    sh('ip', ['-n', probe, 'link', 'add', 'g0', 'type', 'gretap', 'remote', '198.18.4.2', 'key', '1']);
    return true;
  } catch {
    return false;
  } finally {
    tryDeleteNamespace(probe);
  }
}

const NODE = 'node-g';
const COLLECTOR = '198.18.4.2';
const pod = { key: 'shop/cart', namespace: 'shop', pod: 'cart', podIP: '10.65.4.2' };

describe.skipIf(unavailable !== undefined)('tap engine with the GRE transport', () => {
  const lab = new NetnsLab(`ctte-g${process.pid}`);
  const dir = tempDir('ctte-gre');
  const ns: Record<string, string> = {};
  let engine: TapEngine;

  beforeAll(() => {
    for (const name of ['node', 'col', 'cart']) ns[name] = lab.addNamespace(name);
    const node = ns.node as string;
    lab.link(
      { ns: node, dev: 'under0', cidr: '198.18.4.1/30' },
      { ns: ns.col as string, dev: 'under0', cidr: `${COLLECTOR}/30` },
    );
    lab.exec(node, `ip route add default via ${COLLECTOR} && sysctl -qw net.ipv4.ip_forward=1`);
    lab.link({ ns: ns.cart as string, dev: 'eth0', cidr: `${pod.podIP}/32` }, { ns: node, dev: 'calicart' });
    lab.exec(
      ns.cart as string,
      'ip route add 169.254.1.1 dev eth0 && ip route add default via 169.254.1.1 dev eth0',
    );
    lab.exec(
      node,
      `sysctl -qw net.ipv4.conf.calicart.proxy_arp=1 && ip route add ${pod.podIP}/32 dev calicart`,
    );
    for (const [n, dev] of [
      [ns.cart, 'eth0'],
      [node, 'calicart'],
    ] as const)
      lab.exec(
        n as string,
        `ethtool -K ${dev} tx off tso off gso off gro off >/dev/null && sysctl -qw net.ipv6.conf.${dev}.disable_ipv6=1`,
      );
    engine = createTapEngine({
      sessionId: 'cttegre',
      nodeName: NODE,
      nodeIP: '198.18.4.1',
      collector: { address: COLLECTOR, port: 4789 },
      transport: 'gre',
      tunnelIdBase: 500,
      exec: netnsExec(node),
    });
  });

  afterAll(async () => {
    await engine?.removeAll().catch(() => undefined);
    lab.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(hasGretap)(
    'says per pod that this kernel cannot make gretap devices, and leaves nothing',
    async () => {
      const result = await engine.reconcile([pod]);
      expect(result.problems).toEqual([
        {
          pod: pod.key,
          message: expect.stringMatching(
            /this kernel cannot create gretap devices .*use the VXLAN transport/,
          ),
        },
      ]);
      expect(lab.exec(ns.node as string, 'ip -br link show')).not.toMatch(/^ctap/m);
    },
  );

  it.skipIf(!hasGretap)(
    'mirrors into gretap tunnels keyed by tunnel ID, as tcpdump sees the veth',
    async () => {
      expect((await engine.reconcile([pod])).problems).toEqual([]);
      const taps = await engine.taps();
      expect(taps.map((t) => t.tunnelId)).toEqual([500, 501]);
      const map = path.join(dir, 'map.json');
      fs.writeFileSync(
        map,
        JSON.stringify(taps.map((t) => ({ tunnelId: t.tunnelId, name: tapInterfaceName(NODE, t) }))),
      );
      const out = path.join(dir, 'gre.pcapng');
      const broker = await startCapture(
        ['--no-vxlan', '--gre', '--tunnel-map', map, '-w', out, '--stats'],
        ns.col,
      );
      const refs: Record<string, string> = {};
      const dumps: Spawned[] = [];
      for (const [q, direction] of [
        ['in', 'egress'],
        ['out', 'ingress'],
      ] as const) {
        const file = path.join(dir, `${direction}.pcap`);
        refs[tapInterfaceName(NODE, { ...pod, direction })] = file;
        dumps.push(
          start(
            'tcpdump',
            ['-i', 'calicart', '-Q', q, '-s', '0', '--immediate-mode', '-U', '-w', file],
            ns.node,
          ),
        );
      }
      try {
        await waitFor(() => dumps.every((d) => /listening on/.test(d.stderr())), 10_000, 'tcpdump to start');
        lab.exec(ns.cart as string, `ping -c 3 -i 0.2 ${COLLECTOR} >/dev/null`);
        lab.exec(ns.cart as string, `ping -c 1 -s 3000 ${COLLECTOR} >/dev/null || true`); // fragments
        await sleep(500);
      } finally {
        for (const d of dumps) d.child.kill('SIGINT');
        await Promise.all(dumps.map((d) => d.exited));
        await sleep(300);
        broker.child.kill('SIGINT');
      }
      expect(await broker.exited).toBe(0);
      const ours = readWithPeers(out);
      for (const [iface, ref] of Object.entries(refs)) {
        const expected = readWithPeers(ref).map((f) => digest(f.hex));
        expect(expected.length, iface).toBeGreaterThan(2);
        expect(
          ours.filter((f) => f.interfaceName === iface).map((f) => digest(f.hex)),
          iface,
        ).toEqual(expected);
      }
    },
  );
});

function digest(hex: string): string {
  return `${hex.length / 2}:${createHash('sha1').update(hex).digest('hex').slice(0, 12)}`;
}
