import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectlJson, LAB_DIR, type LabState, labState } from '../helpers/lab.js';
import { hasCommand } from '../helpers/run.js';

const { lab, reason } = labState();
if (reason) console.warn(`kubelet harness node tests cannot run: ${reason}`);

interface Node {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { podCIDR?: string; taints?: { key: string }[] };
  status: {
    addresses: { type: string; address: string }[];
    conditions: { type: string; status: string }[];
    nodeInfo: { kubeletVersion: string };
  };
}
interface ShopPod {
  metadata: { name: string; labels: Record<string, string> };
  spec: { nodeName?: string };
  status: { podIP?: string; conditions?: { type: string; status: string }[] };
}

const PROGRAMS = path.resolve(import.meta.dirname, '../lab/workloads/programs');

/** Counts UDP packets to each port on a node's eth0 for a few seconds (tcpdump in the node's namespace). */
function vxlanPorts(netns: string, seconds: number): Promise<Map<number, number>> {
  return new Promise((resolve) => {
    const tcpdump = spawn(
      'ip',
      ['netns', 'exec', netns, 'tcpdump', '-lni', 'eth0', '-c', '400', 'udp and (port 4789 or port 8472)'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let out = '';
    tcpdump.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => tcpdump.kill('SIGINT'), seconds * 1000);
    tcpdump.on('close', () => {
      clearTimeout(timer);
      const counts = new Map<number, number>();
      for (const m of out.matchAll(/ > [\d.]+\.(4789|8472): /g))
        counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
      resolve(counts);
    });
  });
}

describe.skipIf(reason !== undefined)('kubelet harness: nodes, CNI look-alikes and the shop', () => {
  const l = lab as LabState;

  it('registers every node Ready, schedulable, with its address, pod CIDR and CNI marks', () => {
    const nodes = kubectlJson<{ items: Node[] }>(l, ['get', 'nodes']).items;
    for (const n of l.nodes) {
      const node = nodes.find((x) => x.metadata.name === n.name);
      expect(node, n.name).toBeDefined();
      if (!node) continue;
      expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(node.spec.taints ?? []).toEqual([]);
      expect(node.spec.podCIDR).toBe(n.podCIDR);
      expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: n.internalIP });
      expect(node.metadata.labels).toMatchObject({
        'kubernetes.io/os': 'linux',
        'clustertap.lab/cni': n.cni,
      });
      if (n.cni === 'calico')
        expect(node.metadata.annotations['projectcalico.org/IPv4VXLANTunnelAddr']).toBe(
          n.podCIDR.replace(/\/\d+$/, ''),
        );
      else
        expect(
          JSON.parse(node.metadata.annotations['flannel.alpha.coreos.com/backend-data'] ?? '{}'),
        ).toMatchObject({ VNI: 1 });
    }
  });

  it('renews each node’s Lease every 10 s', () => {
    const leases = kubectlJson<{ items: { metadata: { name: string }; spec: { renewTime: string } }[] }>(l, [
      'get',
      'leases',
      '-n',
      'kube-node-lease',
    ]).items;
    for (const n of l.nodes) {
      const lease = leases.find((x) => x.metadata.name === n.name);
      expect(Date.now() - Date.parse(lease?.spec.renewTime ?? '0')).toBeLessThan(25_000);
    }
  });

  it('runs the CNI DaemonSets of the styles in use, one Ready pod per node of that style', () => {
    const sets = kubectlJson<{
      items: {
        metadata: { name: string; namespace: string };
        status: { desiredNumberScheduled: number; numberReady: number };
      }[];
    }>(l, ['get', 'daemonsets', '-A']).items;
    const expected = { calico: 'kube-system/calico-node', flannel: 'kube-flannel/kube-flannel-ds' };
    for (const style of ['calico', 'flannel'] as const) {
      const count = l.nodes.filter((n) => n.cni === style).length;
      const ds = sets.find((s) => `${s.metadata.namespace}/${s.metadata.name}` === expected[style]);
      if (count === 0) continue; // made only for the styles in use (an earlier lab may have left one)
      expect(ds?.status.numberReady, expected[style]).toBe(count);
    }
  });

  it('lets shop clients reach web, web reach db, and everyone ask dns, within and across nodes', () => {
    const pods = kubectlJson<{ items: ShopPod[] }>(l, ['get', 'pods', '-n', 'shop']).items;
    const ready = (app: string) =>
      pods.filter(
        (p) =>
          p.metadata.labels.app === app &&
          p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(Math.min(3, l.nodes.length));
    const entries = JSON.parse(fs.readFileSync(path.join(LAB_DIR, 'pods.json'), 'utf8')) as {
      name: string;
      netns: string;
    }[];
    const client = ready('client')[0];
    const netns = entries.find((e) => e.name === client?.metadata.name)?.netns ?? '';
    const peers = path.join(LAB_DIR, 'kubelet/peers/peers.json');
    const script = `
      import(${JSON.stringify(path.join(PROGRAMS, 'lib.js'))}).then(async (lib) => {
        const out = [];
        for (const ip of ${JSON.stringify(ready('web').map((p) => p.status.podIP))})
          out.push((await fetch('http://' + ip + ':8080/api/products/7')).status);
        out.push((await lib.resolveA('db.shop.svc.cluster.local')).length);
        process.stdout.write(JSON.stringify(out));
      });`;
    const out = JSON.parse(
      execFileSync('ip', ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, CLUSTERTAP_PEERS_FILE: peers },
      }),
    ) as number[];
    expect(out.slice(0, -1)).toEqual(ready('web').map(() => 200));
    expect(out.at(-1)).toBe(ready('db').length);
  });

  it.skipIf(!hasCommand('tcpdump'))(
    'carries cross-node pod traffic in each CNI’s VXLAN (4789 Calico, 8472 Flannel)',
    async () => {
      if (l.nodes.length < 2) return console.warn('one node: no cross-node traffic to look at');
      const counts = await Promise.all(l.nodes.map((n) => vxlanPorts(n.netns, 4)));
      for (const [i, node] of l.nodes.entries()) {
        const peersStyles = new Set(l.nodes.filter((p) => p.name !== node.name).map((p) => p.cni));
        for (const style of peersStyles) {
          const port = style === 'calico' ? 4789 : 8472;
          expect(counts[i]?.get(port) ?? 0, `${node.name} → ${style} peers on UDP ${port}`).toBeGreaterThan(
            0,
          );
        }
      }
    },
  );
});

if (!hasCommand('tcpdump')) console.warn('VXLAN capture test skipped: tcpdump is not installed');
