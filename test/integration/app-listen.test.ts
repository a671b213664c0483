import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TapState } from '../../main/ipc/contract/tap.js';
import { waitFor } from '../helpers/run.js';
import { innerFrame, sendDatagrams, vxlanDatagram } from '../helpers/vxlan-sender.js';
import { startCore } from '../unit/ipc/fixtures.js';

const PORT = 47911;

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('the app listens for tunnels without deploying (tap.listen)', () => {
  const cores: ReturnType<typeof startCore>[] = [];
  afterEach(async () => {
    for (const c of cores.splice(0)) await c.close();
  });

  it('stores what arrives on its VXLAN port, with the live policy, until stopped; the port is free again', async () => {
    const c = startCore({ source: { kubeconfig: '/nonexistent' } });
    cores.push(c);
    let state: TapState | undefined;
    let count = 0;
    c.api.subscribe('packets.changed', (stats) => {
      count = stats.count;
    });
    c.api.subscribe('tap.changed', (s) => {
      state = s;
    });
    const listening = unwrap(await c.api.request('tap.listen', { port: PORT, policy: { filter: 'udp' } }));
    expect(listening.listening).toBe(`VXLAN on UDP ${PORT}`);
    expect(state?.phase).toBe('running');
    expect(state?.transport?.why).toContain('nothing deployed');
    const again = await c.api.request('tap.listen', { port: PORT });
    expect(again.ok || again.error.message).toBe('already listening: stop it first');

    // 20 UDP frames the capture filter keeps, 5 ARP frames it drops.
    const arp = Buffer.concat([Buffer.from('ffffffffffff0200000000010806', 'hex'), Buffer.alloc(28)]);
    await sendDatagrams(PORT, [
      ...Array.from({ length: 20 }, (_, i) => vxlanDatagram(5000 + (i % 2), innerFrame(i))),
      ...Array.from({ length: 5 }, () => vxlanDatagram(5000, arp)),
    ]);
    await waitFor(() => count === 20, 5000, '20 packets');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the ARP frames had their chance
    expect(count).toBe(20);
    const { rows } = unwrap(await c.api.request('packets.rows', { start: 0, count: 50 }));
    expect(rows.map((r) => r.number)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.interfaceName))).toEqual(
      new Set(['vxlan:127.0.0.1/vni=5000', 'vxlan:127.0.0.1/vni=5001']),
    );
    expect(rows.every((r) => r.protocol === 'UDP')).toBe(true);

    // Flows of what arrived, exported as CSV to the file the user chose.
    const csvFile = path.join(os.tmpdir(), `ct-flows-${process.pid}.csv`);
    const exported = unwrap(
      await c.api.request('flows.export', { file: c.core.files.grant(csvFile, 'write') }),
    );
    expect(exported.flows).toBe(1);
    expect(fs.readFileSync(csvFile, 'utf8').split('\n')[1]).toMatch(
      /^UDP,10\.244\.0\.1,1000,10\.244\.0\.2,2000,,,20,/,
    );
    fs.rmSync(csvFile);

    unwrap(await c.api.request('tap.stop', {}));
    expect(state?.phase).toBe('idle');
    // Stopped: another listener can take the port at once.
    const d = startCore({ source: { kubeconfig: '/nonexistent' } });
    cores.push(d);
    unwrap(await d.api.request('tap.listen', { port: PORT }));
    unwrap(await d.api.request('tap.stop', {}));
  });
});
