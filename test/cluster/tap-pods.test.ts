import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { clustertap, kubectl, kubectlJson, type LabState, labState } from '../helpers/lab.js';
import { inNetns, type LabPod, labPods, ourDevicesAndQdiscs, ourMirrors } from '../helpers/lab-pods.js';
import { allNodesMirroring, type Running, startTap, tcpdumpOn, withPattern } from '../helpers/lab-tap.js';
import { framesViaTcpdump, readWithPeers } from '../helpers/peers.js';
import { sleep, tempDir, waitFor } from '../helpers/run.js';

const { lab, reason } = labState();
if (reason) console.warn(`tap tests cannot run: ${reason}`);

describe.skipIf(reason !== undefined)(
  'clustertap tap: pods mirrored in the kernel, labelled in pcapng',
  () => {
    const l = lab as LabState;
    const dir = tempDir('ct-tap');
    const running: Running[] = [];
    afterEach(() => {
      // A failed test must not leave its tap holding UDP 4789 for the next one.
      for (const tap of running.splice(0)) if (tap.child.exitCode === null) tap.child.kill('SIGKILL');
    });
    afterAll(async () => {
      await clustertap(['undeploy', '--kubeconfig', l.kubeconfig, '--context', 'lab']);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('writes, per pod and direction, exactly the frames tcpdump sees on the host veths — same node and across nodes', async () => {
      const shop = labPods().filter((p) => p.namespace === 'shop' && p.hostInterface);
      const [a, b] = shop.filter((p) => p.node === shop[0]?.node);
      const c =
        shop.find(
          (p) =>
            p.node !== a?.node &&
            l.nodes.find((n) => n.name === p.node)?.cni !== l.nodes.find((n) => n.name === a?.node)?.cni,
        ) ?? shop.find((p) => p.node !== a?.node);
      if (!a || !b || !c)
        throw new Error(`the lab needs two shop pods on one node and one elsewhere: ${JSON.stringify(shop)}`);
      const file = path.join(dir, 'tap.pcapng');
      const tap = startTap(l, [
        '--session',
        'tap1',
        '--select-namespace',
        'shop',
        '-w',
        file,
        '-a',
        'duration:20',
      ]);
      running.push(tap);
      await waitFor(
        () => allNodesMirroring(tap.stderr(), l) || tap.child.exitCode !== null,
        150_000,
        'mirroring on every node',
      );
      expect(allNodesMirroring(tap.stderr(), l), tap.stderr()).toBe(true);

      const pairs: [LabPod, LabPod, string][] = [
        [a, b, 'c1a55e01'], // same node
        [a, c, 'c1a55e02'], // across nodes (and CNI styles where the lab mixes them)
      ];
      const seen: Record<string, string[]> = {};
      for (const [src, dst, pattern] of pairs) {
        const files = {
          srcOut: path.join(dir, `${pattern}-src-in.pcap`),
          dstIn: path.join(dir, `${pattern}-dst-out.pcap`),
        };
        const stops = [
          await tcpdumpOn(src, l, 'in', files.srcOut),
          await tcpdumpOn(dst, l, 'out', files.dstIn),
        ];
        inNetns(src.netns, 'ping', ['-c', '3', '-i', '0.2', '-p', pattern, dst.ip]);
        for (const stop of stops) await stop();
        seen[`${src.node}/shop/${src.name} (egress)|${pattern}`] = withPattern(
          framesViaTcpdump(files.srcOut),
          pattern,
        );
        seen[`${dst.node}/shop/${dst.name} (ingress)|${pattern}`] = withPattern(
          framesViaTcpdump(files.dstIn),
          pattern,
        );
      }
      expect(await tap.exited).toBe(0);
      expect(tap.stderr()).toContain('session tap1: nothing left');
      // auto (the default): the agents' probes arrive, so the kernel tunnel stays, and says so.
      expect(tap.stderr()).toContain("Transport: vxlan (the agents' tunnel probes arrive here)");
      expect(tap.stderr()).toMatch(/Tunnel probes of the agents \(received, not written\): [1-9]/);

      const ours = readWithPeers(file);
      // Tunnels are named before their filters go in: not one packet under a generic tunnel name.
      expect(new Set(ours.map((f) => f.interfaceName).filter((n) => !n.startsWith('lab-node-')))).toEqual(
        new Set(),
      );
      for (const [key, expected] of Object.entries(seen)) {
        const [iface, pattern] = key.split('|') as [string, string];
        expect(expected.length, key).toBeGreaterThanOrEqual(3);
        const got = withPattern(
          ours.filter((f) => f.interfaceName === iface).map((f) => f.hex),
          pattern,
        );
        expect(got, key).toEqual(expected);
      }
      // Direction flags follow the pod: egress = outbound.
      const egress = ours.find((f) => f.interfaceName.endsWith('(egress)'));
      expect(egress?.direction).toMatch(/outbound|0x00000002|Outbound/i);
      for (const node of l.nodes) {
        expect(ourMirrors(node.netns), node.name).toEqual([]);
        expect(ourDevicesAndQdiscs(node.netns), node.name).toEqual([]);
      }
    });

    it('taps a new pod within 2 s, survives kill -9 of an agent without duplicates, and the Lease dead-man switch clears every mirror', async () => {
      const tap = startTap(l, [
        '--session',
        'tap2',
        '--select-namespace',
        'shop',
        '--lease-ttl',
        '6',
        '--keep',
        '-w',
        path.join(dir, 'tap2.pcapng'),
      ]);
      running.push(tap);
      await waitFor(
        () => allNodesMirroring(tap.stderr(), l) || tap.child.exitCode !== null,
        150_000,
        'mirroring',
      );
      expect(allNodesMirroring(tap.stderr(), l), tap.stderr()).toBe(true);
      const node = l.nodes[0];
      if (!node) throw new Error('no lab node');
      const mirrorsBefore = ourMirrors(node.netns).length;
      expect(mirrorsBefore).toBeGreaterThan(0);

      // Churn: a new selected pod gets its two mirrors soon after it has an address.
      kubectl(l, [
        'run',
        'churn-1',
        '-n',
        'shop',
        '--image=clustertap.lab/idle:1',
        '--restart=Never',
        `--overrides={"spec":{"nodeName":"${node.name}"}}`,
      ]);
      let addressedAt = 0;
      await waitFor(
        () => {
          const pod = labPods().find((p) => p.namespace === 'shop' && p.name === 'churn-1');
          if (pod && !addressedAt) addressedAt = Date.now();
          return !!pod;
        },
        30_000,
        'churn-1 running',
      );
      const churn = labPods().find((p) => p.name === 'churn-1') as LabPod;
      await waitFor(
        () => ourMirrors(node.netns).some((m) => m.startsWith(`${churn.hostInterface} `)),
        10_000,
        'churn-1 tapped',
      );
      const tappedAfterMs = Date.now() - addressedAt;
      console.log(`churn-1 tapped ${tappedAfterMs} ms after the harness reported its address`);
      expect(tappedAfterMs).toBeLessThanOrEqual(2000);
      expect(ourMirrors(node.netns).filter((m) => m.startsWith(`${churn.hostInterface} `))).toHaveLength(2);

      // kill -9 one agent: the harness restarts it; the new one cleans up and re-taps, no duplicates.
      const agentPid = execFileSync('ip', ['netns', 'pids', node.netns], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .find((pid) => {
          try {
            return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('clustertap-agent.js');
          } catch {
            return false;
          }
        });
      expect(agentPid).toMatch(/^\d+$/);
      process.kill(Number(agentPid), 'SIGKILL');
      await sleep(1000);
      await waitFor(
        () => {
          const ds = kubectlJson<{ status: { numberReady: number; desiredNumberScheduled: number } }>(l, [
            'get',
            'ds',
            'clustertap-agent',
            '-n',
            'clustertap-tap2',
          ]);
          return ds.status.numberReady === ds.status.desiredNumberScheduled;
        },
        60_000,
        'the agent back',
      );
      await sleep(2000);
      const mirrors = ourMirrors(node.netns);
      expect(mirrors.length).toBe(mirrorsBefore + 2);
      expect(new Set(mirrors.map((m) => m.split(':')[0])).size).toBe(mirrors.length); // one per interface and hook

      // The client dies without a word: the Lease lapses, every mirror goes within TTL + 5 s.
      tap.child.kill('SIGKILL');
      const killedAt = Date.now();
      await waitFor(() => l.nodes.every((n) => ourMirrors(n.netns).length === 0), 30_000, 'mirrors gone');
      const goneAfterMs = Date.now() - killedAt;
      console.log(`every mirror gone ${goneAfterMs} ms after the client was killed (TTL 6 s)`);
      expect(goneAfterMs).toBeLessThanOrEqual(11_000);
      kubectl(l, ['delete', 'pod', 'churn-1', '-n', 'shop', '--wait=false']);

      const undeployed = await clustertap([
        'undeploy',
        '--kubeconfig',
        l.kubeconfig,
        '--context',
        'lab',
        '--session',
        'tap2',
      ]);
      expect(undeployed.code).toBe(0);
      await sleep(1000);
      for (const n of l.nodes) {
        expect(ourMirrors(n.netns), n.name).toEqual([]);
        expect(ourDevicesAndQdiscs(n.netns), n.name).toEqual([]);
      }
    });
  },
);
