import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BLOCK,
  encodeInterfaceDescription,
  encodeInterfaceStatistics,
  encodeSectionHeader,
  type InterfaceInfo,
  type InterfaceStatistics,
  type SectionInfo,
} from '../../../main/capture/pcapng-blocks.js';
import { PcapngWriter } from '../../../main/capture/pcapng-writer.js';
import { epb, makeTempDir, patternBytes, type ReadOutcome, readAll } from '../support/capture-files.js';
import { blocksOf, optionsOf, split64 } from '../support/pcapng-walk.js';
import { capinfosReport, capinfosTable, tsharkFields } from '../support/wireshark.js';

const SECTION: SectionInfo = { application: 'clustertap unit test', os: 'Linux' };
const INTERFACES: InterfaceInfo[] = [
  {
    linkType: 1,
    snapLength: 65535,
    name: 'node-a/default/web-1 eth0',
    description: 'node node-a, namespace default, pod web-1',
    tsResolution: 6,
  },
  { linkType: 101, snapLength: 262144, name: 'node-b/kube-system/dns-1 eth0', tsResolution: 9 },
  {
    linkType: 1,
    snapLength: 262144,
    name: 'node-c/shop/cart-7 eth0',
    description: 'pod cart-7',
    tsResolution: 9,
  },
];
const STATISTICS: InterfaceStatistics[] = [
  { interfaceId: 0, high: 0, low: 0, received: 6, dropped: 1, delivered: 5 },
  { interfaceId: 1, high: 0, low: 0, received: 7, dropped: 0, osDropped: 2, delivered: 7 },
  { interfaceId: 2, high: 0, low: 0, received: 1, dropped: 0, delivered: 1 },
];

interface PacketSpec {
  iface: number;
  /** Units since the epoch in the interface's resolution. */
  units: bigint;
  data: Uint8Array;
  originalLength: number;
  flags: number;
}

const MICROS = 1_700_000_000_123_456n;
const NANOS = 1_700_000_000_123_456_789n;
const PACKETS: PacketSpec[] = [
  { iface: 0, units: MICROS, data: patternBytes(60, 1), originalLength: 60, flags: 1 }, // inbound
  { iface: 0, units: MICROS + 1n, data: patternBytes(60, 2), originalLength: 60, flags: 2 }, // outbound
  { iface: 0, units: MICROS + 2n, data: patternBytes(9000, 3), originalLength: 9000, flags: 0 }, // jumbo, no flags
  { iface: 1, units: NANOS, data: new Uint8Array(0), originalLength: 0, flags: 0 }, // zero-length
  ...[1, 2, 3, 5, 7].map((n, i) => ({
    iface: 1,
    units: NANOS + BigInt(i + 1),
    data: patternBytes(n, 10 + i),
    originalLength: n,
    flags: 1 + (i % 2),
  })), // odd lengths that need padding
  { iface: 1, units: NANOS + 10n, data: patternBytes(64, 20), originalLength: 1500, flags: 1 }, // sliced
  { iface: 2, units: NANOS + 11n, data: patternBytes(98, 21), originalLength: 98, flags: 2 },
  { iface: 0, units: MICROS + 999_999n, data: patternBytes(61, 22), originalLength: 61, flags: 0 },
];

const dir = makeTempDir('writer');
const file = path.join(dir, 'round-trip.pcapng');
let outcome: ReadOutcome;
let errors: Error[];

beforeAll(async () => {
  errors = [];
  const writer = new PcapngWriter({
    target: file,
    section: SECTION,
    statistics: () => STATISTICS,
    onError: (e) => errors.push(e),
  });
  expect(INTERFACES.map((info) => writer.addInterface(info))).toEqual([0, 1, 2]);
  for (const p of PACKETS) {
    const { high, low } = split64(p.units);
    expect(writer.writePacket(p.iface, high, low, p.data, p.originalLength, p.flags)).toBe(true);
  }
  await writer.close();
  outcome = await readAll(file);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const directionName = (flags: number) => ['', 'inbound', 'outbound'][flags & 3];

describe('PcapngWriter: one file', () => {
  it('writes exactly SHB, the IDBs, the EPBs in order and one ISB per interface', () => {
    const expected = Buffer.concat([
      encodeSectionHeader(SECTION),
      ...INTERFACES.map(encodeInterfaceDescription),
      ...PACKETS.map((p) => {
        const { high, low } = split64(p.units);
        return epb(p.iface, high, low, p.data, p.originalLength, p.flags);
      }),
      ...STATISTICS.map(encodeInterfaceStatistics),
    ]);
    expect(errors).toEqual([]);
    expect(fs.readFileSync(file).equals(expected)).toBe(true);
  });

  it('reads back every packet with identical bytes, lengths, timestamps, flags and interface', () => {
    expect(outcome.error).toBeUndefined();
    expect(outcome.problems).toEqual({});
    expect(outcome.records).toHaveLength(PACKETS.length);
    outcome.records.forEach((record, i) => {
      const p = PACKETS[i] as PacketSpec;
      const info = INTERFACES[p.iface] as InterfaceInfo;
      expect(Buffer.from(record.data).equals(Buffer.from(p.data)), `packet ${i} bytes`).toBe(true);
      expect(record).toMatchObject({
        interfaceIndex: p.iface,
        interfaceName: info.name,
        linkType: info.linkType,
        snapLength: info.snapLength,
        originalLength: p.originalLength,
        flags: p.flags,
        timestamp: { ...split64(p.units), resolution: info.tsResolution },
      });
      expect(record.interfaceDescription).toBe(info.description);
    });
  });

  it('is read by tshark with the same interfaces, lengths, directions and times', () => {
    const rows = tsharkFields(file, [
      'frame.interface_id',
      'frame.interface_name',
      'frame.interface_description',
      'frame.len',
      'frame.cap_len',
      'frame.packet_flags_direction',
      'frame.p2p_dir',
      'frame.time_epoch',
    ]);
    const expected = PACKETS.map((p) => {
      const info = INTERFACES[p.iface] as InterfaceInfo;
      const digits = info.tsResolution;
      const seconds = p.units / 10n ** BigInt(digits);
      const fraction = (p.units % 10n ** BigInt(digits)).toString().padStart(digits, '0').padEnd(9, '0');
      const direction = directionName(p.flags);
      return [
        String(p.iface),
        info.name,
        info.description ?? '',
        String(p.originalLength),
        String(p.data.length),
        direction === '' ? '' : `0x0000000${p.flags & 3}`,
        direction === 'inbound' ? '1' : direction === 'outbound' ? '0' : '', // P2P_DIR_RECV 1, P2P_DIR_SENT 0
        `${seconds}.${fraction}`,
      ];
    });
    expect(rows).toEqual(expected);
  });

  it('is summarised by capinfos with the right packet count, sizes and section options', () => {
    const [row] = capinfosTable([file]);
    expect(row).toMatchObject({
      'File type': 'pcapng',
      'Number of packets': String(PACKETS.length),
      'File size (bytes)': String(fs.statSync(file).size),
      'Data size (bytes)': String(PACKETS.reduce((sum, p) => sum + p.originalLength, 0)),
      'Capture application': SECTION.application,
      'Capture oper-sys': SECTION.os,
    });
  });

  it('shows capinfos every interface with its name, resolution, packets and one statistics entry', () => {
    const report = capinfosReport(file);
    expect(report).toContain(`Number of interfaces in file: ${INTERFACES.length}`);
    const sections = report.split(/Interface #\d+ info:/).slice(1);
    expect(sections).toHaveLength(INTERFACES.length);
    sections.forEach((section, i) => {
      const info = INTERFACES[i] as InterfaceInfo;
      expect(section).toContain(`Name = ${info.name}`);
      if (info.description) expect(section).toContain(`Description = ${info.description}`);
      expect(section).toContain(
        info.tsResolution === 9 ? 'Time precision = nanoseconds (9)' : 'Time precision = microseconds (6)',
      );
      expect(section).toContain(`Number of packets = ${PACKETS.filter((p) => p.iface === i).length}`);
      expect(section).toContain('Number of stat entries = 1');
    });
  });

  it('writes ISB counters that a strict block walk reads back', () => {
    const isbs = blocksOf(fs.readFileSync(file)).filter((b) => b.type === BLOCK.INTERFACE_STATISTICS);
    expect(
      isbs.map((b) => {
        const options = new Map(
          optionsOf(b.body, 12).map(([code, value]) => [code, value.readBigUInt64LE(0)]),
        );
        return [b.body.readUInt32LE(0), options.get(4), options.get(5), options.get(7), options.get(8)];
      }),
    ).toEqual([
      [0, 6n, 1n, undefined, 5n],
      [1, 7n, 0n, 2n, 7n],
      [2, 1n, 0n, undefined, 1n],
    ]);
  });
});
