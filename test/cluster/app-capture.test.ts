import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TapState } from '../../main/ipc/contract/tap.js';
import { clustertap, kubectl, type LabState, labState } from '../helpers/lab.js';
import { inNetns, labPods, ourDevicesAndQdiscs, ourMirrors } from '../helpers/lab-pods.js';
import { AGENT_IMAGE } from '../helpers/lab-tap.js';
import { tempDir, waitFor } from '../helpers/run.js';
import { startCore } from '../unit/ipc/fixtures.js';

const { lab, reason } = labState();
if (reason) console.warn(`app capture tests cannot run: ${reason}`);

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe.skipIf(reason !== undefined)('the app core taps the lab: what the UI is built on', () => {
  const l = lab as LabState;
  const dir = tempDir('ct-app');
  const cores: ReturnType<typeof startCore>[] = [];
  afterAll(async () => {
    for (const c of cores) await c.close();
    await clustertap(['undeploy', '--kubeconfig', l.kubeconfig, '--context', 'lab']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tap → live pod-named packets → display filter → detail → live capture filter → save pcapng tshark reads → flows → stop with zero residue', async () => {
    // A UDP port of its own: integration tests may hold 4789 on this host at the same time.
    const c = startCore({ source: { kubeconfig: l.kubeconfig, context: 'lab' }, vxlanPort: 4796 });
    cores.push(c);
    let tap: TapState | undefined;
    c.api.subscribe('tap.changed', (s) => {
      tap = s;
    });
    let count = 0;
    c.api.subscribe('packets.changed', (s) => {
      count = s.count;
    });
    // As the UI does (its pod tree): the inventory also names the pods at both ends of a flow.
    unwrap(await c.api.request('inventory.subscribe', {}));
    const started = unwrap(
      await c.api.request('tap.start', { selection: { namespaces: ['shop'] }, agentImage: AGENT_IMAGE }),
    );
    expect(started.sessionId).toMatch(/^[0-9a-f]{8}$/);
    await waitFor(() => tap?.phase === 'running' || tap?.phase === 'failed', 150_000, 'tap running');
    expect(tap?.error ?? null).toBeNull();
    expect(tap?.nodes.every((n) => n.agent === 'ready')).toBe(true);
    await waitFor(() => tap?.transport !== null && tap?.transport !== undefined, 20_000, 'transport decided');
    expect(tap?.transport).toEqual({ kind: 'vxlan', why: "the agents' tunnel probes arrive here" });

    const shop = labPods().filter((p) => p.namespace === 'shop' && p.hostInterface);
    const [a, b] = [shop[0], shop.find((p) => p.node !== shop[0]?.node)];
    if (!a || !b) throw new Error('need shop pods on two nodes');
    inNetns(a.netns, 'ping', ['-c', '3', '-i', '0.2', '-p', 'a99c0001', b.ip]);
    await waitFor(() => count > 0, 20_000, 'packets in the store');

    // The shop's own traffic fills the store at once; the pings' mirrors (3 requests, seen leaving
    // a and entering b) may still be on their way: apply the filter until all six are in.
    const filter = `icmp && ip.dst == ${b.ip} && k8s.namespace == "shop"`;
    let filtered = { displayed: 0 };
    for (let tries = 0; tries < 40 && filtered.displayed < 6; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      filtered = unwrap(await c.api.request('packets.setDisplayFilter', { filter }));
    }
    expect(filtered.displayed).toBe(6);
    const { rows } = unwrap(await c.api.request('packets.rows', { start: 0, count: 100 }));
    expect(rows.length).toBe(filtered.displayed);
    for (const row of rows) {
      expect(row.protocol).toBe('ICMP');
      expect(row.namespace).toBe('shop');
      expect(row.interfaceName).toMatch(/^lab-node-\d\/shop\/\S+ \((egress|ingress)\)$/);
      expect(row.destination).toBe(b.ip);
      expect(row.info).toMatch(/Echo \(ping\) request/);
    }
    expect(new Set(rows.map((r) => r.pod))).toEqual(new Set([a.name, b.name]));
    const bad = unwrap(await c.api.request('packets.checkDisplayFilter', { filter: 'ip.dst == ' }));
    expect(bad.valid).toBe(false);

    const detail = unwrap(await c.api.request('packets.detail', { number: rows[0]?.number ?? 0 }));
    expect(detail.tree.map((n) => n.label).join('\n')).toMatch(/Internet Control Message Protocol/);
    expect(Buffer.from(detail.bytes, 'base64').length).toBe(detail.originalLength);

    // The capture filter, live: on the nodes (session config) and in the broker.
    const invalid = await c.api.request('policy.apply', { policy: { filter: 'tcp port' } });
    expect(invalid.ok).toBe(false);
    expect(unwrap(await c.api.request('policy.apply', { policy: { filter: 'icmp' } })).applied).toBe(true);
    await waitFor(
      () =>
        tap?.log.some((line) => line.message.includes('capture filter pushed to the agents: icmp')) ?? false,
      5000,
      'filter pushed',
    );

    const file = path.join(dir, 'displayed.pcapng');
    const ref = c.core.files.grant(file, 'write');
    const saved = unwrap(await c.api.request('capture.save', { which: 'displayed', file: ref }));
    expect(saved.packets).toBe(filtered.displayed);
    const names = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    expect(names).toHaveLength(saved.packets);
    for (const name of names) expect(name).toMatch(/^lab-node-\d\/shop\/\S+ \((egress|ingress)\)$/);

    const { flows } = unwrap(await c.api.request('flows.list', {}));
    expect(
      flows.some((f) => f.protocol === 'ICMP' && f.source === a.ip && f.sourcePod === `shop/${a.name}`),
    ).toBe(true);

    const stopped = unwrap(await c.api.request('tap.stop', {}));
    expect(stopped.removed).toBe(true);
    expect(tap?.phase).toBe('idle');
    for (const node of l.nodes) {
      expect(ourMirrors(node.netns), node.name).toEqual([]);
      expect(ourDevicesAndQdiscs(node.netns), node.name).toEqual([]);
    }
    expect(
      kubectl(l, ['get', 'namespaces', '-l', 'app.kubernetes.io/part-of=clustertap', '-o', 'name']).trim(),
    ).toBe('');
    // The packets stay after the tap: still there to save.
    expect(unwrap(await c.api.request('packets.stats', {})).count).toBeGreaterThanOrEqual(count);
  });

  it('a context without the permissions: the tap fails before any change, naming what is missing', async () => {
    // Its own UDP port: a failure of the test above must not decide this one.
    const c = startCore({ source: { kubeconfig: l.kubeconfig, context: 'lab-viewer' }, vxlanPort: 4795 });
    cores.push(c);
    let tap: TapState | undefined;
    c.api.subscribe('tap.changed', (s) => {
      tap = s;
    });
    unwrap(
      await c.api.request('tap.start', { selection: { namespaces: ['shop'] }, agentImage: AGENT_IMAGE }),
    );
    await waitFor(() => tap?.phase === 'failed', 60_000, 'tap failed');
    expect(tap?.error?.kind).toBe('forbidden');
    expect(tap?.error?.missing).toContain('create namespaces (cluster-wide)');
    // Nothing of this session was created (another test's session may exist meanwhile).
    expect(tap?.sessionId).toMatch(/^[0-9a-f]{8}$/);
    expect(
      kubectl(l, [
        'get',
        'namespace',
        `clustertap-${tap?.sessionId}`,
        '--ignore-not-found',
        '-o',
        'name',
      ]).trim(),
    ).toBe('');
  });
});
