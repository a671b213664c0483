import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCore } from '../ipc/fixtures.js';

/** A one-packet pcap (Ethernet/IPv4/UDP). */
function pcapFile(file: string): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const frame = Buffer.from(
    '0200000000020200000000010800450000200000400040110000' +
      '0af40001' +
      '0af40002' +
      '03e807d0000c0000' +
      '61626364',
    'hex',
  );
  const record = Buffer.alloc(16);
  record.writeUInt32LE(1_700_000_000, 0);
  record.writeUInt32LE(frame.length, 8);
  record.writeUInt32LE(frame.length, 12);
  fs.writeFileSync(file, Buffer.concat([header, record, frame]));
}

describe('opening a capture the browser uploaded', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it("names the pcap's interface and the source after the file the user picked, not the upload's temporary name", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-upload-'));
    const temp = path.join(dir, 'f3a9c0d1e2-upload.tmp');
    pcapFile(temp);
    const c = startCore({ source: { kubeconfig: '/nonexistent' } });
    cleanups.push(async () => {
      await c.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const ref = c.core.files.grant(temp, 'read', { name: 'shop-web.pcap' });
    const opened = await c.api.request('packets.stats', {});
    expect(opened.ok).toBe(true);
    const result = await c.api.request('capture.open', { file: ref });
    expect(result.ok && result.value.packets).toBe(1);
    const rows = await c.api.request('packets.rows', { start: 0, count: 5 });
    if (!rows.ok) throw new Error(rows.error.message);
    expect(rows.value.rows.map((r) => [r.interfaceName, r.protocol, r.source])).toEqual([
      ['shop-web.pcap', 'UDP', '10.244.0.1'],
    ]);
    const stats = await c.api.request('packets.stats', {});
    expect(stats.ok && [stats.value.source, stats.value.fileName]).toEqual(['file', 'shop-web.pcap']);
  });
});
