import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openForwarders } from '../../../main/broker/forward/forwarders.js';

describe('forwarders', () => {
  it('a PCAP-over-IP receiver that stops reading cannot hold the capture open; what it missed is counted', async () => {
    const server = net.createServer((socket) => socket.pause());
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
    );
    const [forwarder] = openForwarders([{ url: `pcap-over-ip://127.0.0.1:${port}` }]);
    if (!forwarder) throw new Error('no forwarder');
    await forwarder.ready;
    const frame = new Uint8Array(1500);
    for (let i = 0; i < 20_000; i++) forwarder.observe(1, frame, 1500, 1_700_000_000 + i / 1000);
    const began = Date.now();
    await forwarder.close();
    expect(Date.now() - began).toBeLessThan(4000);
    const stats = forwarder.stats();
    expect(stats.forwarded + stats.dropped).toBe(20_000);
    expect(stats.dropped).toBeGreaterThan(0);
    server.close();
  });

  it('a bad spec after a good one opens nothing (no socket left behind)', async () => {
    const accepted: net.Socket[] = [];
    const server = net.createServer((socket) => accepted.push(socket));
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
    );
    expect(() =>
      openForwarders([{ url: `pcap-over-ip://127.0.0.1:${port}` }, { url: 'vxlan://127.0.0.1:4789' }]),
    ).toThrow(/--forward vxlan:\/\/127.0.0.1:4789: vni is missing/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(accepted).toHaveLength(0);
    server.close();
  });
});
