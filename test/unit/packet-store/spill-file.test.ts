import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpillFile, type SpillOptions } from '../../../main/capture/packet-store/spill-file.js';
import { packetBytes, storeParent } from './store-fixtures.js';

const { parent, remove } = storeParent('spill');
afterAll(remove);

/** Reads come back as Buffers. */
const bytesOf = (n: number, length: number) => Buffer.from(packetBytes(n, length));

let made = 0;
function spill(options: Partial<SpillOptions> = {}): SpillFile {
  const directory = path.join(parent, `s${made++}`);
  fs.mkdirSync(directory);
  return new SpillFile({
    directory,
    segmentBytes: 64 * 1024,
    bufferBytes: 8 * 1024,
    maxBacklogBytes: 1 << 20,
    onError: (error) => {
      throw error;
    },
    ...options,
  });
}

const directoryOf = (file: SpillFile) => (file as unknown as { options: SpillOptions }).options.directory;

describe('SpillFile', () => {
  it('reads back what it was given: from the write buffer, from writes in flight, from disk', async () => {
    const file = spill();
    const offsets = Array.from({ length: 200 }, (_, n) => file.append(packetBytes(n, 100 + n)));
    expect(offsets.slice(0, 3)).toEqual([0, 100, 201]);
    // Straight away: most of it is still in memory (the current buffer or writes in flight).
    for (const n of [0, 150, 199])
      expect(await file.read(offsets[n] as number, 100 + n)).toEqual(bytesOf(n, 100 + n));
    await file.whenWritable();
    await file.close();
    const onDisk = spill();
    for (let n = 0; n < 200; n++) onDisk.append(packetBytes(n, 100 + n));
    await onDisk.drain();
    expect(onDisk.backlogBytes).toBe(0);
    for (let n = 0; n < 200; n++)
      expect(await onDisk.read(offsets[n] as number, 100 + n)).toEqual(bytesOf(n, 100 + n));
    await onDisk.close();
  });

  it('batches writes: one write per buffer, not per packet', async () => {
    const file = spill();
    const writes: number[] = [];
    const original = fs.write;
    // biome-ignore lint/suspicious/noExplicitAny: counting calls of an overloaded function
    (fs as any).write = (...args: any[]) => {
      writes.push(args[3]);
      // biome-ignore lint/suspicious/noExplicitAny: forwarding the same overloaded call
      return (original as any)(...args);
    };
    try {
      for (let n = 0; n < 1000; n++) file.append(packetBytes(n, 80));
      await file.whenWritable();
      await file.close();
    } finally {
      fs.write = original;
    }
    expect(writes.length).toBeLessThanOrEqual(Math.ceil((1000 * 80) / (8 * 1024)) + 1);
  });

  it('never splits a packet across segments and reads across the segment change', async () => {
    const file = spill({ segmentBytes: 1000, bufferBytes: 1000 });
    const offsets = Array.from({ length: 10 }, (_, n) => file.append(packetBytes(n, 300)));
    expect(offsets).toEqual([0, 300, 600, 1000, 1300, 1600, 2000, 2300, 2600, 3000]);
    expect(file.bytes).toBe(3000);
    expect(file.regionEnd(3000)).toBe(3300); // the packet still in the write buffer
    await file.drain();
    expect(fs.readdirSync(directoryOf(file)).sort()).toEqual([
      'spill-000000.bin',
      'spill-000001.bin',
      'spill-000002.bin',
      'spill-000003.bin',
    ]);
    for (let n = 0; n < 10; n++) expect(await file.read(offsets[n] as number, 300)).toEqual(bytesOf(n, 300));
    expect(file.regionEnd(0)).toBe(1000);
    await file.close();
  });

  it('stores zero-length packets and packets larger than the write buffer', async () => {
    const file = spill();
    const a = file.append(new Uint8Array(0));
    const big = packetBytes(1, 20_000);
    const b = file.append(big);
    const c = file.append(new Uint8Array(0));
    expect([a, b, c]).toEqual([0, 0, 20_000]);
    expect(await file.read(a, 0)).toEqual(Buffer.alloc(0));
    expect(await file.read(b, 20_000)).toEqual(Buffer.from(big));
    await file.whenWritable();
    expect(await file.read(b, 20_000)).toEqual(Buffer.from(big));
    expect(file.append(new Uint8Array(64 * 1024 + 1))).toBe(-1); // larger than a segment
    await file.close();
  });

  it('refuses packets while the disk is too far behind, and takes them again once it caught up', async () => {
    const file = spill({ maxBacklogBytes: 16 * 1024 });
    let refused = 0;
    for (let n = 0; n < 100; n++) if (file.append(packetBytes(n, 1000)) < 0) refused++;
    expect(refused).toBeGreaterThan(0);
    await file.whenWritable();
    expect(file.append(packetBytes(0, 1000))).toBeGreaterThanOrEqual(0);
    await file.close();
  });

  it('deletes whole old segments, never the one being written, and reports dropped reads', async () => {
    const file = spill({ segmentBytes: 1000, bufferBytes: 1000 });
    for (let n = 0; n < 10; n++) file.append(packetBytes(n, 300));
    await file.whenWritable();
    expect(file.oldestSegmentEnd()).toBe(1000);
    file.dropBefore(2000);
    expect(file.bytes).toBe(1200);
    expect(await file.read(300, 300)).toBeUndefined();
    expect(await file.read(2300, 300)).toEqual(bytesOf(7, 300));
    file.dropBefore(Number.POSITIVE_INFINITY);
    expect(file.bytes).toBe(300); // segment 3 is being written: it stays
    expect(file.oldestSegmentEnd()).toBeUndefined();
    await file.close();
  });
});
