import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileError, type CaptureRecord } from '../../../main/capture/capture-record.js';
import { PacketStore } from '../../../main/capture/packet-store/packet-store.js';
import { openCapture } from '../../../main/capture/read-capture.js';
import { pcapFile } from '../support/capture-files.js';
import { filledStore, packetBytes, storeParent, TAPS } from './store-fixtures.js';

const { parent, remove } = storeParent('export');
afterAll(remove);

async function readBack(file: string): Promise<CaptureRecord[]> {
  const capture = await openCapture(file);
  const records: CaptureRecord[] = [];
  for await (const record of capture.records) records.push({ ...record, data: Buffer.from(record.data) });
  await capture.close();
  return records;
}

const numberOf = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);

describe('PacketStore export', () => {
  it('saves all packets as pcapng with the pod-named interfaces, timestamps, lengths, flags and bytes', async () => {
    const store = filledStore(parent, 300);
    const file = path.join(parent, 'all.pcapng');
    const progress: number[] = [];
    const result = await store.export('all', file, { onProgress: (p) => progress.push(p.written) });
    expect(result).toEqual({ packets: 300, missing: 0 });
    expect(progress.at(-1)).toBe(300);
    const records = await readBack(file);
    expect(records).toHaveLength(300);
    const [first, second] = records;
    expect([first?.interfaceName, first?.interfaceDescription, first?.timestamp.resolution]).toEqual([
      TAPS[1]?.name,
      undefined,
      6,
    ]);
    expect([second?.interfaceName, second?.interfaceDescription, second?.timestamp.resolution]).toEqual([
      TAPS[0]?.name,
      TAPS[0]?.description,
      9,
    ]);
    const meta = store.meta(2);
    expect([second?.timestamp.high, second?.timestamp.low, second?.flags]).toEqual([
      meta?.tsHigh,
      meta?.tsLow,
      1,
    ]);
    expect(first?.flags).toBe(2);
    const differing = records.filter(
      (record, i) => !Buffer.from(packetBytes(i + 1, 60 + ((i + 1) % 7) * 100)).equals(record.data),
    );
    expect(differing).toEqual([]);
    await store.close();
  });

  it('saves the displayed packets, or the selected ones in packet order', async () => {
    const store = filledStore(parent, 100);
    await store.setDisplayFilter((_n, bytes) => numberOf(bytes) % 3 === 0);
    const displayed = path.join(parent, 'displayed.pcapng');
    expect(await store.export('displayed', displayed)).toEqual({ packets: 33, missing: 0 });
    expect((await readBack(displayed)).map((r) => numberOf(r.data))).toEqual(
      Array.from({ length: 33 }, (_, i) => (i + 1) * 3),
    );
    const selected = path.join(parent, 'selected.pcapng');
    expect(await store.export({ selected: [50, 7, 50, 100, 101] }, selected)).toEqual({
      packets: 3,
      missing: 1,
    });
    expect((await readBack(selected)).map((r) => numberOf(r.data))).toEqual([7, 50, 100]);
    await store.close();
  });

  it('writes to a stream, and an empty store exports a valid file with its interfaces', async () => {
    const store = filledStore(parent, 0);
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => stream.on('end', resolve));
    expect(await store.export('all', stream)).toEqual({ packets: 0, missing: 0 });
    await ended;
    const file = path.join(parent, 'empty.pcapng');
    fs.writeFileSync(file, Buffer.concat(chunks));
    expect(await readBack(file)).toEqual([]);
    expect(Buffer.concat(chunks).includes(Buffer.from(TAPS[0]?.name ?? ''))).toBe(true);
    await store.close();
  });

  it('fails on an unwritable destination and leaves no file behind', async () => {
    const store = filledStore(parent, 10);
    const file = path.join(parent, 'no-such-dir', 'x.pcapng');
    await expect(store.export('all', file)).rejects.toThrow(/ENOENT/);
    expect(fs.existsSync(file)).toBe(false);
    await store.close();
  });
});

describe('PacketStore.open', () => {
  it('loads a pcapng it exported into a new store: same interfaces, packets and bytes', async () => {
    const original = filledStore(parent, 500);
    const file = path.join(parent, 'roundtrip.pcapng');
    await original.export('all', file);
    const progress: number[] = [];
    const { store, format, packets } = await PacketStore.open(file, { tempDirectory: parent }, (p) =>
      progress.push(p.bytesRead),
    );
    expect([format, packets, store.stats().count]).toEqual(['pcapng', 500, 500]);
    expect(progress.at(-1)).toBe(fs.statSync(file).size);
    expect(store.allInterfaces.map((i) => [i.name, i.tsResolution, i.pod?.name])).toEqual([
      [TAPS[1]?.name, 6, 'dns-1'],
      [TAPS[0]?.name, 9, 'cart-7'],
    ]);
    const [a, b] = await Promise.all([original.rows(0, 500, 'all'), store.rows(0, 500, 'all')]);
    expect(b.map((r) => [r.number, r.time, r.length, r.flags, r.interface.name])).toEqual(
      a.map((r) => [r.number, r.time, r.length, r.flags, r.interface.name]),
    );
    expect(await store.readPacket(321)).toEqual(await original.readPacket(321));
    await Promise.all([original.close(), store.close()]);
  });

  it('loads a classic pcap, snaplen-cut packets included', async () => {
    const file = path.join(parent, 'classic.pcap');
    fs.writeFileSync(
      file,
      pcapFile({
        nano: true,
        records: [
          { seconds: 1_700_000_000, fraction: 5, data: packetBytes(1, 64) },
          { seconds: 1_700_000_001, fraction: 0, data: packetBytes(2, 96), originalLength: 1514 },
        ],
      }),
    );
    const { store, format } = await PacketStore.open(file, { tempDirectory: parent });
    expect(format).toBe('pcap');
    const rows = await store.rows(0, 10);
    expect(
      rows.map((r) => [r.interface.name, r.interface.tsResolution, r.time, r.length, r.capturedLength]),
    ).toEqual([
      ['classic.pcap', 9, { relative: 0, epochSeconds: 1_700_000_000, nanoseconds: 5 }, 64, 64],
      ['classic.pcap', 9, { relative: 0.999999995, epochSeconds: 1_700_000_001, nanoseconds: 0 }, 1514, 96],
    ]);
    await store.close();
  });

  it('a file that is not a capture fails with a message and leaves no store directory', async () => {
    const file = path.join(parent, 'notes.txt');
    fs.writeFileSync(file, 'hello, this is not a capture file');
    const before = fs.readdirSync(parent).filter((f) => f.startsWith('clustertap-store-')).length;
    await expect(PacketStore.open(file, { tempDirectory: parent })).rejects.toThrow(CaptureFileError);
    expect(fs.readdirSync(parent).filter((f) => f.startsWith('clustertap-store-')).length).toBe(before);
  });
});
