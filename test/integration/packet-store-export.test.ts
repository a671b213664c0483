import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacketStore } from '../../main/capture/packet-store/packet-store.js';
import { DIRECTION_FLAG } from '../../main/capture/pcapng-blocks.js';
import { capinfosPacketCount } from '../helpers/peers.js';
import { sh, tempDir } from '../helpers/run.js';

/**
 * The packet store at capture scale, checked by Wireshark's own tools: 200k packets from four pod
 * interfaces, saved whole, as displayed and as selected; capinfos and tshark read every file.
 */
const PACKETS = 200_000;
const TAPS = [
  {
    name: 'node-a/shop/cart-7 (ingress)',
    description: 'pod shop/cart-7 on node node-a',
    flags: DIRECTION_FLAG.inbound,
  },
  {
    name: 'node-a/shop/cart-7 (egress)',
    description: 'pod shop/cart-7 on node node-a',
    flags: DIRECTION_FLAG.outbound,
  },
  {
    name: 'node-b/kube-system/dns-1 (ingress)',
    description: 'pod kube-system/dns-1',
    flags: DIRECTION_FLAG.inbound,
  },
  {
    name: 'node-b/kube-system/dns-1 (egress)',
    description: 'pod kube-system/dns-1',
    flags: DIRECTION_FLAG.outbound,
  },
];
const BASE_NS = 1_700_000_000_000_000_000n;

/** Packet n: Ethernet/IPv4/UDP, 60–1500 bytes, its number in the UDP payload; every 100th cut to 96 bytes. */
function frame(n: number): { data: Buffer; originalLength: number } {
  const length = 60 + ((n * 7919) % 1441);
  const data = Buffer.alloc(length);
  data.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00], 0);
  data.writeUInt8(0x45, 14);
  data.writeUInt16BE(length - 14, 16);
  data.writeUInt8(64, 22);
  data.writeUInt8(17, 23);
  data.set([10, 0, n % 4, 1, 10, 0, 9, 9], 26);
  data.writeUInt16BE(40_000 + (n % 7), 34);
  data.writeUInt16BE(9000, 36);
  data.writeUInt16BE(length - 34, 38);
  data.writeUInt32BE(n, 42);
  for (let i = 46; i < length; i++) data[i] = (n + i) & 0xff;
  return n % 100 === 0
    ? { data: data.subarray(0, 96), originalLength: length }
    : { data, originalLength: length };
}

const timeOf = (n: number) => BASE_NS + BigInt(n) * 10_001n;
const epochString = (ns: bigint) => `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;

function tsharkRows(file: string, fields: string[], filter?: string): string[][] {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])];
  if (filter) args.push('-Y', filter);
  return sh('tshark', args)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('|'));
}

function rawFrames(file: string, numbers: number[]): Map<number, string> {
  const json = sh('tshark', ['-r', file, '-Y', `frame.number in {${numbers.join(',')}}`, '-T', 'json', '-x']);
  const packets = JSON.parse(json) as Array<{
    _source: { layers: { frame_raw: [string]; frame: Record<string, string> } };
  }>;
  return new Map(
    packets.map((p) => [Number(p._source.layers.frame['frame.number']), p._source.layers.frame_raw[0]]),
  );
}

describe('PacketStore: 200k packets saved and read by capinfos and tshark', () => {
  const dir = tempDir('clustertap-store-it');
  let store: PacketStore;
  beforeAll(async () => {
    store = new PacketStore({ tempDirectory: dir });
    for (const tap of TAPS) store.addInterface({ ...tap, linkType: 1, tsResolution: 9 });
    for (let n = 1; n <= PACKETS; n++) {
      const { data, originalLength } = frame(n);
      const ns = timeOf(n);
      const iface = n % 4;
      if (!store.hasRoom(data.length)) await store.whenWritable(); // the disk sets the pace
      store.append(
        iface,
        Number(ns >> 32n),
        Number(ns & 0xffffffffn),
        data,
        originalLength,
        TAPS[iface]?.flags ?? 0,
      );
    }
    expect(store.stats()).toMatchObject({ count: PACKETS, droppedBacklog: 0, droppedByLimit: 0 });
  });
  afterAll(async () => {
    await store?.close();
    sh('rm', ['-rf', dir]);
  });

  it('all: every packet, on its pod interface, with direction, lengths, time and bytes', async () => {
    const file = path.join(dir, 'all.pcapng');
    expect(await store.export('all', file)).toEqual({ packets: PACKETS, missing: 0 });
    expect(capinfosPacketCount(file)).toBe(PACKETS);
    const report = sh('capinfos', ['-M', file]);
    for (const tap of TAPS) expect(report).toContain(`Name = ${tap.name}`);
    const rows = tsharkRows(file, [
      'frame.interface_name',
      'frame.packet_flags_direction',
      'frame.len',
      'frame.cap_len',
      'frame.time_epoch',
    ]);
    expect(rows).toHaveLength(PACKETS);
    const wrong = rows.filter((row, i) => {
      const n = i + 1;
      const { data, originalLength } = frame(n);
      const tap = TAPS[n % 4];
      const direction = `0x0000000${tap?.flags}`; // tshark 4.0 prints the flag word
      return (
        row.join('|') !==
        [tap?.name, direction, originalLength, data.length, epochString(timeOf(n))].join('|')
      );
    });
    expect(wrong.slice(0, 3)).toEqual([]);
    const sample = [1, 2, 99, 100, 4097, 65_536, 123_457, PACKETS];
    const raw = rawFrames(file, sample);
    expect(sample.map((n) => raw.get(n))).toEqual(sample.map((n) => frame(n).data.toString('hex')));
  }, 180_000); // tshark dissects 160 MB twice: ~20 s here, more on a busy machine

  it('displayed: what a display filter shows (one source port of seven)', async () => {
    const outcome = await store.setDisplayFilter(
      (_n, bytes) => bytes.length >= 36 && (((bytes[34] as number) << 8) | (bytes[35] as number)) === 40_003,
    );
    const expected = Array.from({ length: PACKETS }, (_, i) => i + 1).filter((n) => n % 7 === 3);
    expect(outcome).toEqual({ displayedCount: expected.length, cancelled: false });
    const file = path.join(dir, 'displayed.pcapng');
    expect(await store.export('displayed', file)).toEqual({ packets: expected.length, missing: 0 });
    expect(capinfosPacketCount(file)).toBe(expected.length);
    // tshark's own reading of the port agrees with our predicate.
    expect(tsharkRows(file, ['udp.srcport']).every(([port]) => port === '40003')).toBe(true);
    const sample = [1, 2, 1000, expected.length];
    const raw = rawFrames(file, sample);
    expect(sample.map((i) => raw.get(i))).toEqual(
      sample.map((i) => frame(expected[i - 1] as number).data.toString('hex')),
    );
    await store.setDisplayFilter(undefined);
  });

  it('selected: the packets picked, in packet order, each still on its own interface', async () => {
    const selected = [150_000, 3, 77_777, 200_000, 3, 12_345, 100];
    const file = path.join(dir, 'selected.pcapng');
    expect(await store.export({ selected }, file)).toEqual({ packets: 6, missing: 0 });
    expect(capinfosPacketCount(file)).toBe(6);
    const inOrder = [3, 100, 12_345, 77_777, 150_000, 200_000];
    expect(tsharkRows(file, ['frame.interface_name', 'frame.time_epoch', 'frame.cap_len'])).toEqual(
      inOrder.map((n) => [TAPS[n % 4]?.name, epochString(timeOf(n)), String(frame(n).data.length)]),
    );
    const raw = rawFrames(file, [1, 2, 3, 4, 5, 6]);
    expect([1, 2, 3, 4, 5, 6].map((i) => raw.get(i))).toEqual(
      inOrder.map((n) => frame(n).data.toString('hex')),
    );
  });
});
