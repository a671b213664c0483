import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { clustertap, type LabState, labState } from '../helpers/lab.js';
import { inNetns, type LabPod, labPods, ourDevicesAndQdiscs, ourMirrors } from '../helpers/lab-pods.js';
import { allNodesMirroring, type Running, startTap, tcpdumpOn, withPattern } from '../helpers/lab-tap.js';
import { framesViaTcpdump, readWithPeers } from '../helpers/peers.js';
import { tempDir, waitFor } from '../helpers/run.js';

const { lab, reason } = labState();
if (reason) console.warn(`transport tests cannot run: ${reason}`);

/** Pings src → dst with a payload pattern; returns what tcpdump saw on both host veths, keyed by interface name. */
async function exchange(l: LabState, dir: string, src: LabPod, dst: LabPod, pattern: string) {
  const files = {
    srcOut: path.join(dir, `${pattern}-in.pcap`),
    dstIn: path.join(dir, `${pattern}-out.pcap`),
  };
  const stops = [await tcpdumpOn(src, l, 'in', files.srcOut), await tcpdumpOn(dst, l, 'out', files.dstIn)];
  inNetns(src.netns, 'ping', ['-c', '3', '-i', '0.2', '-p', pattern, dst.ip]);
  for (const stop of stops) await stop();
  return {
    [`${src.node}/shop/${src.name} (egress)`]: withPattern(framesViaTcpdump(files.srcOut), pattern),
    [`${dst.node}/shop/${dst.name} (ingress)`]: withPattern(framesViaTcpdump(files.dstIn), pattern),
  };
}

function expectSameFrames(file: string, expected: Record<string, string[]>, pattern: string) {
  const ours = readWithPeers(file);
  // Every packet under its pod's name, from the first one on (taps are published before they start).
  expect(new Set(ours.map((f) => f.interfaceName).filter((n) => !n.startsWith('lab-node-')))).toEqual(
    new Set(),
  );
  for (const [iface, frames] of Object.entries(expected)) {
    expect(frames.length, iface).toBeGreaterThanOrEqual(3);
    const got = withPattern(
      ours.filter((f) => f.interfaceName === iface).map((f) => f.hex),
      pattern,
    );
    expect(got, iface).toEqual(frames);
  }
}

describe.skipIf(reason !== undefined)('clustertap tap: transports and the automatic fallback', () => {
  const l = lab as LabState;
  const dir = tempDir('ct-transport');
  const running: Running[] = [];
  afterEach(() => {
    for (const tap of running.splice(0)) if (tap.child.exitCode === null) tap.child.kill('SIGKILL');
  });
  afterAll(async () => {
    await clustertap(['undeploy', '--kubeconfig', l.kubeconfig, '--context', 'lab']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const pair = () => {
    const shop = labPods().filter((p) => p.namespace === 'shop' && p.hostInterface);
    const a = shop[0];
    const c = shop.find((p) => p.node !== a?.node);
    if (!a || !c) throw new Error(`the lab needs shop pods on two nodes: ${JSON.stringify(shop)}`);
    return [a, c] as const;
  };

  it('--transport api: the frames come through the API server (pods/proxy), equal to tcpdump, pod-named, no kernel mirror on any node', async () => {
    const [a, c] = pair();
    const file = path.join(dir, 'api.pcapng');
    const tap = startTap(l, [
      '--session',
      'api1',
      '--select-namespace',
      'shop',
      '--transport',
      'api',
      '-w',
      file,
    ]);
    running.push(tap);
    await waitFor(
      () =>
        (allNodesMirroring(tap.stderr(), l) &&
          (tap.stderr().match(/api transport: streaming from/g)?.length ?? 0) >= l.nodes.length) ||
        tap.child.exitCode !== null,
      150_000,
      'every agent streaming',
    );
    expect(tap.stderr()).toContain('Transport: api (you chose --transport api)');
    // The user-space path: no tunnel device, no mirror filter of ours on any node.
    for (const node of l.nodes) {
      expect(ourMirrors(node.netns), node.name).toEqual([]);
      expect(ourDevicesAndQdiscs(node.netns), node.name).toEqual([]);
    }
    const seen = await exchange(l, dir, a, c, 'a91e0001');
    // The stream is near real time, but give the last records a moment through the proxy.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    tap.child.kill('SIGINT');
    expect(await tap.exited).toBe(0);
    expect(tap.stderr()).toContain('session api1: nothing left');
    expectSameFrames(file, seen, 'a91e0001');
  });

  it('auto: tunnels that never arrive (the nodes send them where nothing listens) → the api transport, said and why, and capture goes on', async () => {
    const [a, c] = pair();
    const file = path.join(dir, 'fallback.pcapng');
    // The broker listens on 4789; the agents are told 4790: like a NAT or firewall, the tunnel is lost.
    const tap = startTap(l, [
      '--session',
      'auto1',
      '--select-namespace',
      'shop',
      '--collector',
      `${l.gatewayIP}:4790`,
      '-w',
      file,
    ]);
    running.push(tap);
    await waitFor(
      () =>
        (tap.stderr().match(/api transport: streaming from/g)?.length ?? 0) >= l.nodes.length ||
        tap.child.exitCode !== null,
      150_000,
      'the switch to the api transport',
    );
    const stderr = tap.stderr();
    expect(stderr).toMatch(
      /no vxlan tunnel probe from .*lab-node-\d \(198\.19\.200\.\d+\).* reached [\d.]+:4790 in \d+ s/,
    );
    expect(stderr).toMatch(/Transport: api \(no tunnel probe arrived from /);
    expect(stderr).not.toContain('Transport: vxlan');
    // After the switch the agents run the user-space path: the kernel mirrors are gone.
    await waitFor(
      () => l.nodes.every((n) => ourMirrors(n.netns).length === 0),
      10_000,
      'kernel mirrors gone',
    );
    const seen = await exchange(l, dir, a, c, 'a91e0002');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    tap.child.kill('SIGINT');
    expect(await tap.exited).toBe(0);
    expectSameFrames(file, seen, 'a91e0002');
    expect(tap.stderr()).toContain('session auto1: nothing left');
  });
});
