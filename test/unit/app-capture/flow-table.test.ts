import { describe, expect, it } from 'vitest';
import { FlowTable } from '../../../main/app/capture/flow-table.js';
import { ipv4Udp, tcpSyn } from './frames.js';

describe('the Flows view', () => {
  it('joins both directions of a conversation, counts packets and wire bytes, names pods, busiest first', () => {
    const table = new FlowTable();
    const t0 = 1_700_000_000;
    table.observe(1, tcpSyn('10.244.1.5', 40000, '10.244.2.7', 80), 74, t0);
    table.observe(1, tcpSyn('10.244.2.7', 80, '10.244.1.5', 40000), 74, t0 + 0.5);
    table.observe(1, ipv4Udp('10.244.1.5', 5353, '10.244.3.2', 53, 20), 62, t0 + 1.2);
    const pods: Record<string, string> = { '10.244.1.5': 'shop/client', '10.244.2.7': 'shop/web' };
    const flows = table.list(10, (ip) => pods[ip] ?? null, t0 + 1.5);
    expect(flows).toHaveLength(2);
    expect(flows[0]).toMatchObject({
      protocol: 'TCP',
      source: '10.244.1.5',
      sourcePort: 40000,
      destination: '10.244.2.7',
      destinationPort: 80,
      sourcePod: 'shop/client',
      destinationPod: 'shop/web',
      packets: 2,
      bytes: 148,
      firstSeen: t0,
      lastSeen: t0 + 0.5,
    });
    expect(flows[1]).toMatchObject({
      protocol: 'UDP',
      destinationPort: 53,
      destinationPod: null,
      packets: 1,
    });
  });

  it('stays within its bound, dropping the least recently seen flows', () => {
    const table = new FlowTable(100);
    for (let i = 0; i < 250; i++) table.observe(1, ipv4Udp('10.0.0.1', 1000 + i, '10.0.0.2', 53, 4), 46, i);
    expect(table.size).toBeLessThanOrEqual(100);
    const ports = table.list(1000, () => null, 300).map((f) => f.sourcePort ?? 0);
    expect(Math.min(...ports)).toBeGreaterThan(1000 + 100); // the oldest went first
    expect(ports).toContain(1249);
  });

  it('exports CSV a spreadsheet reads, one flow per line', () => {
    const table = new FlowTable();
    table.observe(1, ipv4Udp('10.0.0.1', 1234, '10.0.0.2', 53, 4), 46, 1_700_000_000);
    const lines = table
      .csv(() => 'ns/pod "x"')
      .trim()
      .split('\n');
    expect(lines[0]).toBe(
      'protocol,source,source_port,destination,destination_port,source_pod,destination_pod,packets,bytes,first_seen,last_seen',
    );
    expect(lines[1]).toBe(
      'UDP,10.0.0.1,1234,10.0.0.2,53,"ns/pod ""x""","ns/pod ""x""",1,46,2023-11-14T22:13:20.000Z,2023-11-14T22:13:20.000Z',
    );
  });
});
