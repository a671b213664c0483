import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { BLOCK, type InterfaceInfo, type InterfaceStatistics } from '../../../main/capture/pcapng-blocks.js';
import { PcapngWriter } from '../../../main/capture/pcapng-writer.js';
import { makeTempDir, patternBytes, readAll } from '../support/capture-files.js';
import { blocksOf } from '../support/pcapng-walk.js';
import { capinfosTable } from '../support/wireshark.js';

const dir = makeTempDir('rotation');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const INTERFACES: InterfaceInfo[] = [
  {
    linkType: 1,
    snapLength: 65535,
    name: 'node-a/default/web-1 eth0',
    description: 'pod web-1',
    tsResolution: 6,
  },
  { linkType: 101, snapLength: 65535, name: 'node-b/default/db-0 eth0', tsResolution: 9 },
];
const STATISTICS: InterfaceStatistics[] = [
  { interfaceId: 0, high: 0, low: 0, received: 20, dropped: 0, delivered: 20 },
  { interfaceId: 1, high: 0, low: 0, received: 20, dropped: 0, delivered: 20 },
];
const PACKET_COUNT = 40;
const PACKET_SIZE = 500; // an EPB of 532 bytes, 544 with flags

function packetOf(i: number) {
  return { iface: i % 2, data: patternBytes(PACKET_SIZE, i), flags: i % 3 === 0 ? 0 : 1 + (i % 2) };
}

describe('PcapngWriter rotation (-b filesize)', () => {
  const target = path.join(dir, 'ring.pcapng');
  let files: readonly string[] = [];

  it('starts a new file after each 4 kB, every file a complete pcapng that capinfos reads', async () => {
    const writer = new PcapngWriter({
      target,
      section: { application: 'unit' },
      rotation: { fileSizeKB: 4 },
      statistics: () => STATISTICS,
      onError: (error) => {
        throw error;
      },
    });
    for (const info of INTERFACES) writer.addInterface(info);
    for (let i = 0; i < PACKET_COUNT; i++) {
      const p = packetOf(i);
      expect(writer.writePacket(p.iface, 0, i, p.data, p.data.length, p.flags)).toBe(true);
    }
    await writer.close();
    files = writer.files;

    // 40 × ~540 B ≈ 21.6 kB plus headers: 5 or 6 files.
    expect(files.length).toBeGreaterThanOrEqual(5);
    files.forEach((file, i) => {
      expect(path.basename(file)).toMatch(
        new RegExp(`^ring_${String(i + 1).padStart(5, '0')}_\\d{14}\\.pcapng$`),
      );
    });
    const rows = capinfosTable([...files]);
    expect(rows.map((r) => r['File type'])).toEqual(files.map(() => 'pcapng'));
    expect(rows.reduce((sum, r) => sum + Number(r['Number of packets']), 0)).toBe(PACKET_COUNT);
  });

  it('begins every file with SHB and all IDBs and ends it with the ISBs', () => {
    for (const file of files) {
      const types = blocksOf(fs.readFileSync(file)).map((b) => b.type);
      expect(types.slice(0, 3), file).toEqual([
        BLOCK.SECTION_HEADER,
        BLOCK.INTERFACE_DESCRIPTION,
        BLOCK.INTERFACE_DESCRIPTION,
      ]);
      expect(types.slice(-2), file).toEqual([BLOCK.INTERFACE_STATISTICS, BLOCK.INTERFACE_STATISTICS]);
      expect(
        types.slice(3, -2).every((t) => t === BLOCK.ENHANCED_PACKET),
        file,
      ).toBe(true);
    }
  });

  it('rotates right after the packet that reaches the size, not before and not later', () => {
    for (const file of files.slice(0, -1)) {
      const blocks = blocksOf(fs.readFileSync(file));
      const sizes = blocks
        .filter((b) => b.type !== BLOCK.INTERFACE_STATISTICS)
        .map((b) => b.body.length + 12);
      const bytes = sizes.reduce((a, b) => a + b, 0);
      expect(bytes, file).toBeGreaterThanOrEqual(4000);
      expect(bytes - (sizes.at(-1) as number), file).toBeLessThan(4000);
    }
  });

  it('spreads the packets over the files in order, none lost or repeated, interfaces named in each', async () => {
    const read = [];
    for (const file of files) {
      const outcome = await readAll(file);
      expect(outcome.problems, file).toEqual({});
      read.push(...outcome.records);
    }
    expect(read).toHaveLength(PACKET_COUNT);
    read.forEach((record, i) => {
      const p = packetOf(i);
      expect(record.timestamp.low).toBe(i);
      expect(record.interfaceName).toBe(INTERFACES[p.iface]?.name);
      expect(record.flags).toBe(p.flags);
      expect(Buffer.from(record.data).equals(Buffer.from(p.data))).toBe(true);
    });
  });
});

describe('PcapngWriter file limit (-a files:N)', () => {
  it('stops after N files, tells its owner once, and counts the packets it refuses', async () => {
    let full = 0;
    const writer = new PcapngWriter({
      target: path.join(dir, 'limited.pcapng'),
      section: { application: 'unit' },
      rotation: { fileSizeKB: 2 },
      maxFiles: 2,
      onLastFileFull: () => full++,
      statistics: () => [],
      onError: (error) => {
        throw error;
      },
    });
    writer.addInterface(INTERFACES[0] as InterfaceInfo);
    const accepted = Array.from({ length: 20 }, (_, i) =>
      writer.writePacket(0, 0, i, patternBytes(PACKET_SIZE), PACKET_SIZE, 0),
    );
    await writer.close();
    expect(writer.files).toHaveLength(2);
    expect(full).toBe(1);
    const written = accepted.filter(Boolean).length;
    expect(writer.droppedPackets).toBe(20 - written);
    const rows = capinfosTable([...writer.files]);
    expect(rows.reduce((sum, r) => sum + Number(r['Number of packets']), 0)).toBe(written);
  });
});

describe('PcapngWriter.close', () => {
  // close() promises complete files: a rotated file still flushing on a slow disk must be waited for.
  it('resolves only when every rotated file has been finished', async () => {
    const finished: boolean[] = [];
    const writer = new PcapngWriter({
      target: path.join(dir, 'slow.pcapng'),
      section: { application: 'unit' },
      rotation: { fileSizeKB: 1 },
      statistics: () => [],
      onError: (error) => {
        throw error;
      },
      openStream: () => {
        const index = finished.push(false) - 1;
        return new Writable({
          write: (_chunk, _encoding, done) => done(),
          // The first file's disk is slow to flush.
          final: (done) => {
            setTimeout(
              () => {
                finished[index] = true;
                done();
              },
              index === 0 ? 300 : 1,
            );
          },
        });
      },
    });
    writer.addInterface(INTERFACES[0] as InterfaceInfo);
    for (let i = 0; i < 4; i++) writer.writePacket(0, 0, i, patternBytes(600), 600, 0);
    await writer.close();
    expect(finished.length).toBeGreaterThan(1);
    expect(finished).toEqual(finished.map(() => true));
  });
});
