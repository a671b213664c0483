import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTapEngine,
  netnsExec,
  sessionIdentity,
  type TapEngine,
} from '../../agent-image/src/tap-engine/index.js';
import { tapInterfaceName } from '../../main/kube/deploy/node-status.js';
import { NetnsLab } from '../helpers/netns.js';
import { capinfosPacketCount, readWithPeers } from '../helpers/peers.js';
import { type Spawned, sh, sleep, start, startCapture, tempDir, waitFor } from '../helpers/run.js';

/**
 * The tap engine on a Calico-style node, against the real kernel and the real broker:
 *
 *   pod web 10.65.0.2/32 ─veth─ cali… ┐ node (proxy ARP, /32 routes,       collector
 *   pod db  10.65.0.3/32 ─veth─ cali… ┘  vxlan.calico VNI 4096) ─underlay─ clustertap capture
 *                                                    198.18.1.1/30, MTU 1500  198.18.1.2:4789
 *
 * Pods run at MTU 9000 over a 1500-byte underlay, so jumbo mirrors travel as IP fragments.
 */
const unavailable = NetnsLab.unavailableReason();
if (unavailable) console.warn(`tap-engine-calico: cannot run here: ${unavailable}`);

const NODE = 'node-a';
const COLLECTOR = '198.18.1.2';
const pods = [
  { namespace: 'shop', pod: 'web', podIP: '10.65.0.2' },
  { namespace: 'shop', pod: 'db', podIP: '10.65.0.3' },
].map((p) => ({ ...p, key: `${p.namespace}/${p.pod}`, veth: caliName(p.namespace, p.pod) }));
const [web, db] = pods as [(typeof pods)[0], (typeof pods)[0]];

const RESPONDER = `import socket
s = socket.socket(); s.setsockopt(1, 2, 1); s.bind(('10.65.0.3', 8080)); s.listen(8)
while True:
    c, _ = s.accept(); c.recv(65536); c.sendall(b'HTTP/1.0 200 OK\\r\\n\\r\\n' + b'h' * 3000); c.close()`;
const REQUEST =
  "import socket; c=socket.create_connection(('10.65.0.3',8080)); c.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n'); [None for _ in iter(lambda: c.recv(65536), b'')]";

/** Calico's host veth name: "cali" + the first 11 hex digits of sha1("<namespace>.<pod>"). */
function caliName(namespace: string, pod: string): string {
  return `cali${createHash('sha1').update(`${namespace}.${pod}`).digest('hex').slice(0, 11)}`;
}

describe.skipIf(unavailable !== undefined)('tap engine on a Calico-style node → broker → pcapng', () => {
  const lab = new NetnsLab(`ctte-c${process.pid}`);
  const dir = tempDir('ctte-calico');
  const ns: Record<string, string> = {};
  let engine: TapEngine | undefined;
  let server: Spawned | undefined;

  beforeAll(() => {
    for (const name of ['node', 'col', 'web', 'db']) ns[name] = lab.addNamespace(name);
    const node = ns.node as string;
    lab.link(
      { ns: node, dev: 'under0', cidr: '198.18.1.1/30' },
      { ns: ns.col as string, dev: 'under0', cidr: `${COLLECTOR}/30` },
    );
    // A node's default route (proxy ARP answers only for addresses it has a route to).
    lab.exec(node, `ip route add default via ${COLLECTOR} && sysctl -qw net.ipv4.ip_forward=1`);
    for (const p of pods) {
      const podNs = ns[p.pod] as string;
      lab.link({ ns: podNs, dev: 'eth0', cidr: `${p.podIP}/32` }, { ns: node, dev: p.veth }, 9000);
      lab.exec(podNs, 'ip route add 169.254.1.1 dev eth0 && ip route add default via 169.254.1.1 dev eth0');
      lab.exec(
        node,
        `sysctl -qw net.ipv4.conf.${p.veth}.proxy_arp=1 && ip route add ${p.podIP}/32 dev ${p.veth}`,
      );
      // Wire-sized frames (no GSO) for the byte-for-byte comparison, and checksums computed by
      // the sender: a veth carries a CHECKSUM_PARTIAL packet unfinished (tcpdump shows the
      // partial sum), while a mirror that is IP-fragmented on the underlay gets it completed.
      // No IPv6 chatter in the window.
      for (const [n, dev] of [
        [podNs, 'eth0'],
        [node, p.veth],
      ] as const)
        lab.exec(
          n,
          `ethtool -K ${dev} tx off tso off gso off gro off >/dev/null && sysctl -qw net.ipv6.conf.${dev}.disable_ipv6=1`,
        );
    }
    // Calico's VXLAN device: UDP 4789, VNI 4096. Ours share the port, so 4096 must be skipped.
    lab.exec(node, 'ip link add vxlan.calico type vxlan id 4096 dstport 4789 local 198.18.1.1 nolearning');
    lab.exec(node, 'sysctl -qw net/ipv6/conf/vxlan.calico/disable_ipv6=1 && ip link set vxlan.calico up');
    // The CNI's own tc program on db's veth, at the priority the kernel gives filters added
    // without one (49152): it must still see every packet after our mirror has run.
    lab.exec(
      node,
      'ip link add cnisink type veth peer name cnisink1 && ip link set cnisink up && ip link set cnisink1 up',
    );
    lab.exec(node, `tc qdisc add dev ${db.veth} clsact`);
    lab.exec(
      node,
      `tc filter add dev ${db.veth} egress prio 49152 protocol all u32 match u32 0 0 action mirred egress mirror dev cnisink`,
    );
    // A request/response server; not http.server, which resolves its own name before listening.
    server = start('python3', ['-c', RESPONDER], ns.db);
  });

  afterAll(async () => {
    server?.child.kill();
    await engine?.removeAll().catch(() => undefined);
    lab.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function newEngine(filter?: string): TapEngine {
    return createTapEngine({
      sessionId: 'cttecalico',
      nodeName: NODE,
      nodeIP: '198.18.1.1',
      collector: { address: COLLECTOR, port: 4789 },
      transport: 'vxlan',
      tunnelIdBase: 4095,
      filter,
      exec: netnsExec(ns.node as string),
    });
  }

  /** Runs traffic with the broker listening and tcpdump on both directions of both veths. */
  async function mirrorRun(name: string, taps: TapEngine, traffic: () => Promise<void> | void) {
    const map = path.join(dir, `${name}-map.json`);
    const tapList = await taps.taps();
    fs.writeFileSync(
      map,
      JSON.stringify(
        tapList.map((t) => ({
          tunnelId: t.tunnelId,
          name: tapInterfaceName(NODE, t),
          direction: t.direction === 'ingress' ? 'inbound' : 'outbound',
        })),
      ),
    );
    const out = path.join(dir, `${name}.pcapng`);
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
        const file = path.join(dir, `${name}-${p.pod}-${direction}.pcap`);
        refs[tapInterfaceName(NODE, { ...p, direction })] = file;
        dumps.push(
          start('tcpdump', ['-i', p.veth, '-Q', q, '-s', '0', '--immediate-mode', '-U', '-w', file], ns.node),
        );
      }
    try {
      await waitFor(() => dumps.every((d) => /listening on/.test(d.stderr())), 10_000, 'tcpdump to start');
      await traffic();
      await sleep(500);
    } finally {
      for (const d of dumps) d.child.kill('SIGINT');
      await Promise.all(dumps.map((d) => d.exited));
      await sleep(300);
      broker.child.kill('SIGINT');
    }
    expect(await broker.exited).toBe(0);
    return { out, refs, taps: tapList, stats: JSON.parse(broker.stdout()) };
  }

  const podTraffic = () => {
    lab.exec(ns.web as string, 'ping -c 3 -i 0.2 10.65.0.3 >/dev/null');
    lab.exec(ns.web as string, 'ping -c 2 -i 0.2 -s 8900 10.65.0.3 >/dev/null'); // 8942-byte frames
    lab.exec(
      ns.web as string,
      "python3 -c \"import socket; s=socket.socket(2,2); [s.sendto(b'x'*n,('10.65.0.3',9999)) for n in (0,100,1472,8972)]\"",
    );
    lab.exec(ns.web as string, `python3 -c "${REQUEST}"`);
  };

  it('mirrors exactly what tcpdump sees on each pod veth, per pod and direction, jumbo frames whole', async () => {
    engine = newEngine();
    const result = await engine.reconcile(pods);
    expect(result.problems).toEqual([]);
    expect(result.statuses.map((s) => [s.key, s.state, s.interface])).toEqual(
      pods.map((p) => [p.key, 'tapped', p.veth]),
    );
    const run = await mirrorRun('all', engine, podTraffic);
    // One tunnel per (pod, direction); Calico's VNI 4096 skipped.
    expect(run.taps.map((t) => t.tunnelId).sort()).toEqual([4095, 4097, 4098, 4099]);
    const ours = readWithPeers(run.out);
    expect(capinfosPacketCount(run.out)).toBe(ours.length);
    for (const [iface, ref] of Object.entries(run.refs)) {
      const expected = readWithPeers(ref).map((f) => digest(f.hex));
      expect(expected.length, iface).toBeGreaterThan(0);
      expect(
        ours.filter((f) => f.interfaceName === iface).map((f) => digest(f.hex)),
        iface,
      ).toEqual(expected);
    }
    const fromWeb = ours.filter(
      (f) => f.interfaceName === tapInterfaceName(NODE, { ...web, direction: 'egress' }),
    );
    expect(fromWeb.map((f) => f.length)).toEqual(expect.arrayContaining([8942, 9014])); // jumbo ICMP, UDP
    expect(run.stats.kernelDrops).toBe(0);
    // The tc counters saw what the broker wrote.
    const counted = await engine.taps();
    expect(counted.reduce((n, t) => n + t.packets, 0)).toBe(run.stats.written);
    // Our filter let the CNI's later one run on every packet (mirred `continue`).
    const toDb = counted.find((t) => t.pod === 'db' && t.direction === 'ingress');
    const cni = JSON.parse(lab.exec(ns.node as string, `tc -s -j filter show dev ${db.veth} egress`)) as {
      pref: number;
      options?: { actions?: { stats: { packets: number } }[] };
    }[];
    const cniPackets = cni.find((f) => f.pref === 49152 && f.options?.actions)?.options?.actions?.[0]?.stats
      .packets;
    expect(cniPackets).toBe(toDb?.packets);
    // Mirroring jumbo frames through a 1500-byte underlay leaves no PMTU exception on the pod route.
    expect(lab.exec(ns.node as string, 'ip route get 10.65.0.3')).not.toMatch(/mtu/);
  });

  it('still carries every TCP byte when the veth hands the mirror GSO super-packets', async () => {
    for (const [n, dev] of [
      [ns.web, 'eth0'],
      [ns.node, web.veth],
    ] as const)
      lab.exec(n as string, `ethtool -K ${dev} tso on gso on >/dev/null`);
    lab.exec(
      ns.db as string,
      'sh -c "python3 -c \\"import socket; s=socket.socket(); s.setsockopt(1,2,1); s.bind((\'10.65.0.3\',9100)); s.listen(1); c,_=s.accept(); [None for _ in iter(lambda: c.recv(65536), b\'\')]\\" >/dev/null 2>&1 &"',
    );
    await sleep(300);
    const run = await mirrorRun('gso', engine as TapEngine, () => {
      lab.exec(
        ns.web as string,
        "python3 -c \"import socket; s=socket.create_connection(('10.65.0.3',9100)); s.sendall(b'z'*2000000); s.close()\"",
      );
    });
    for (const [n, dev] of [
      [ns.web, 'eth0'],
      [ns.node, web.veth],
    ] as const)
      lab.exec(n as string, `ethtool -K ${dev} tso off gso off >/dev/null`);
    // The super-packets (up to 64 KiB, far above the 1500-byte underlay) are encapsulated whole
    // and segmented or fragmented on the way: every payload byte reaches the broker.
    const fromWeb = path.join(dir, 'gso-from-web.pcapng');
    sh('tshark', [
      '-r',
      run.out,
      '-Y',
      `frame.interface_name == "${tapInterfaceName(NODE, { ...web, direction: 'egress' })}"`,
      '-w',
      fromWeb,
    ]);
    expect(tcpPayloadCoverage(fromWeb, 'tcp.dstport==9100')).toBe(2_000_000);
    expect(run.stats.kernelDrops).toBe(0);
  });

  it('runs the capture filter in the kernel: `icmp` mirrors only ICMP, in both directions', async () => {
    await engine?.removeAll();
    engine = newEngine('icmp');
    expect((await engine.reconcile(pods)).problems).toEqual([]);
    const run = await mirrorRun('icmp', engine, podTraffic);
    const ours = readWithPeers(run.out);
    for (const [iface, ref] of Object.entries(run.refs)) {
      const filtered = `${ref}.icmp.pcap`;
      sh('tcpdump', ['-r', ref, '-w', filtered, 'icmp']);
      const expected = readWithPeers(filtered).map((f) => digest(f.hex));
      // Echo requests leave web (host-veth ingress: the Ethernet header is seen there too),
      // replies and db's port-unreachables enter it (host-veth egress); UDP and TCP stayed home.
      expect(expected.length, iface).toBe(
        iface.includes('web (egress)') || iface.includes('db (ingress)') ? 5 : 9,
      );
      expect(
        ours.filter((f) => f.interfaceName === iface).map((f) => digest(f.hex)),
        iface,
      ).toEqual(expected);
    }
    expect(ours.length).toBe(28);
    expect(sh('tshark', ['-r', run.out, '-Y', '!icmp'])).toBe('');
  });

  it('makes silent, deaf tunnel devices: no frame of their own, injected VXLAN dropped', async () => {
    await engine?.removeAll();
    engine = newEngine();
    const quiet = await mirrorRun('quiet', engine, async () => {
      expect((await engine?.reconcile(pods))?.problems).toEqual([]);
      await sleep(1500); // devices come up while the broker listens: no ARP, ND, MLD from them
    });
    expect(quiet.stats.written).toBe(0);
    const taps = await engine.taps();
    const links = JSON.parse(lab.exec(ns.node as string, 'ip -j -d addr show')) as {
      ifname: string;
      flags: string[];
      mtu: number;
      addr_info: unknown[];
    }[];
    const devices = links.filter((l) => l.ifname.startsWith('ctap'));
    expect(devices).toHaveLength(taps.length);
    for (const d of devices) {
      expect(d.flags).toContain('NOARP');
      expect(d.addr_info).toEqual([]);
      expect(d.mtu).toBe(65000);
    }
    // A well-formed VXLAN packet with our VNI, sent to the node, carrying an echo request for db
    // addressed to the device's MAC: without the drop filter the node would route it to db.
    const vni = taps[0]?.tunnelId as number;
    const device = sessionIdentity('cttecalico').deviceName(vni);
    const deviceRx = () => rxPackets(ns.node as string, device);
    const [podBefore, deviceBefore] = [rxPackets(ns.db as string), deviceRx()];
    const mac = JSON.parse(lab.exec(ns.node as string, `ip -j link show ${device}`))[0].address;
    const header = `bytes([8, 0, 0, 0, ${vni >> 16}, ${(vni >> 8) & 255}, ${vni & 255}, 0])`;
    lab.exec(
      ns.col as string,
      `/usr/bin/python3 -c "
from scapy.all import *
inner = Ether(src='02:00:00:00:00:09', dst='${mac}')/IP(src='10.65.0.2', dst='10.65.0.3')/ICMP()
send(IP(dst='198.18.1.1')/UDP(sport=40000, dport=4789)/Raw(${header})/inner, count=3, verbose=0)"`,
    );
    await sleep(300);
    expect(deviceRx() - deviceBefore).toBe(3); // it arrived, decapsulated…
    expect(rxPackets(ns.db as string)).toBe(podBefore); // …and went no further
  });

  function rxPackets(netns: string, dev = 'eth0'): number {
    return JSON.parse(lab.exec(netns, `ip -s -j link show ${dev}`))[0].stats64.rx.packets as number;
  }
});

/** Length and hash: compact in a failure message, yet any differing byte shows. */
function digest(hex: string): string {
  return `${hex.length / 2}:${createHash('sha1').update(hex).digest('hex').slice(0, 12)}`;
}

/** Distinct TCP payload bytes seen (retransmissions counted once), from tshark's relative seq. */
function tcpPayloadCoverage(file: string, filter: string): number {
  const out = sh('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-e', 'tcp.seq', '-e', 'tcp.len']);
  const ranges = out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t').map(Number) as [number, number])
    .filter(([, len]) => len > 0)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let end = 0;
  for (const [seq, len] of ranges) {
    const from = Math.max(seq, end);
    if (seq + len > from) covered += seq + len - from;
    end = Math.max(end, seq + len);
  }
  return covered;
}
