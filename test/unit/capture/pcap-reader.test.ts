import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, type PcapFileSpec, patternBytes, pcapFile, readAll } from '../support/capture-files.js';
import { tsharkFields } from '../support/wireshark.js';

const dir = makeTempDir('pcap');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function write(bytes: Uint8Array, name = `file-${counter++}.pcap`): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

const units = (r: { timestamp: { high: number; low: number } }) =>
  (BigInt(r.timestamp.high) << 32n) | BigInt(r.timestamp.low);

const RECORDS: PcapFileSpec['records'] = [
  { seconds: 1_700_000_000, fraction: 123_456, data: patternBytes(60, 1) },
  { seconds: 1_700_000_001, fraction: 0, data: new Uint8Array(0) }, // zero-length record
  { seconds: 1_700_000_002, fraction: 999_999, data: patternBytes(9000, 2) }, // jumbo frame
  { seconds: 1_700_000_003, fraction: 5, data: patternBytes(3, 3), originalLength: 1514 }, // sliced
];

describe('pcap reader: microsecond files in both byte orders', () => {
  it.each([false, true])('reads every record of a µs file (big-endian: %s)', async (bigEndian) => {
    const file = write(pcapFile({ bigEndian, linkType: 101, snapLength: 65535, records: RECORDS }));
    const outcome = await readAll(file);
    expect(outcome.error).toBeUndefined();
    expect(outcome.format).toBe('pcap');
    expect(outcome.problems).toEqual({});
    expect(outcome.records.map((r) => Uint8Array.from(r.data))).toEqual(RECORDS.map((r) => r.data));
    expect(outcome.records.map((r) => r.originalLength)).toEqual([60, 0, 9000, 1514]);
    expect(outcome.records.map(units)).toEqual([
      1700000000123456n,
      1700000001000000n,
      1700000002999999n,
      1700000003000005n,
    ]);
    for (const record of outcome.records) {
      expect(record).toMatchObject({
        interfaceIndex: 0,
        interfaceName: path.basename(file),
        linkType: 101,
        snapLength: 65535,
        flags: 0,
      });
      expect(record.timestamp.resolution).toBe(6);
    }
  });

  it('agrees with tshark on lengths and times of the same file', async () => {
    const file = write(pcapFile({ bigEndian: true, records: RECORDS }));
    const rows = tsharkFields(file, ['frame.len', 'frame.cap_len', 'frame.time_epoch']);
    expect(rows).toEqual([
      ['60', '60', '1700000000.123456000'],
      ['0', '0', '1700000001.000000000'],
      ['9000', '9000', '1700000002.999999000'],
      ['1514', '3', '1700000003.000005000'],
    ]);
    expect((await readAll(file)).records.map((r) => [r.originalLength, r.data.length])).toEqual(
      rows.map(([len, caplen]) => [Number(len), Number(caplen)]),
    );
  });

  it('strips the FCS bits from the link type field', async () => {
    const file = write(pcapFile({ linkType: 0x1000_0001, records: RECORDS.slice(0, 1) })); // FCS present, Ethernet
    expect((await readAll(file)).records[0]?.linkType).toBe(1);
  });

  it('takes the captured length when the original length field is smaller', async () => {
    const file = write(
      pcapFile({ records: [{ seconds: 1, fraction: 0, data: patternBytes(10), originalLength: 4 }] }),
    );
    expect((await readAll(file)).records[0]?.originalLength).toBe(10);
  });
});

describe('pcap reader: nanosecond files', () => {
  it.each([false, true])('reads a ns file with resolution 9 (big-endian: %s)', async (bigEndian) => {
    const file = write(
      pcapFile({
        nano: true,
        bigEndian,
        records: [
          { seconds: 1, fraction: 5, data: patternBytes(14) },
          { seconds: 4294, fraction: 967_295_999, data: patternBytes(15) }, // crosses 2^32 units
        ],
      }),
    );
    const outcome = await readAll(file);
    expect(outcome.error).toBeUndefined();
    expect(outcome.records.map(units)).toEqual([1_000_000_005n, 4_294_967_295_999n]);
    expect(outcome.records.map((r) => r.timestamp.resolution)).toEqual([9, 9]);
    expect(outcome.records.map((r) => r.data.length)).toEqual([14, 15]);
  });

  // Nanoseconds since 1970 exceed 2^53: double arithmetic would move packets by up to 128 ns.
  it('keeps every nanosecond of a present-day timestamp (tshark does)', async () => {
    const file = write(
      pcapFile({
        nano: true,
        records: [{ seconds: 1_700_000_000, fraction: 123_456_789, data: patternBytes(20) }],
      }),
    );
    expect(tsharkFields(file, ['frame.time_epoch'])).toEqual([['1700000000.123456789']]);
    const [record] = (await readAll(file)).records;
    expect(record && units(record)).toBe(1_700_000_000_123_456_789n);
  });
});

describe('pcap reader: damaged files', () => {
  const small = pcapFile({
    records: [
      { seconds: 1, fraction: 1, data: patternBytes(5) },
      { seconds: 2, fraction: 2, data: new Uint8Array(0) },
      { seconds: 3, fraction: 3, data: patternBytes(7) },
    ],
  });
  /** Where each record ends: 24-byte file header, 16-byte record headers. */
  const recordEnds = [24 + 16 + 5, 24 + 16 + 5 + 16, 24 + 16 + 5 + 16 + 16 + 7];

  it('at every truncation: an error before the file header is whole, else the whole records and corruptAt', async () => {
    for (let length = 0; length <= small.length; length++) {
      const file = write(small.subarray(0, length), `cut-${length}.pcap`);
      const outcome = await readAll(file);
      if (length < 4) {
        expect(String(outcome.error)).toBe(
          `CaptureFileError: ${file}: too short to be a pcap or pcapng file (${length} bytes)`,
        );
      } else if (length < 24) {
        expect(String(outcome.error)).toBe(
          `CaptureFileError: ${file}: pcap file header is truncated (${length} of 24 bytes)`,
        );
      } else {
        expect(outcome.error, `cut at ${length}`).toBeUndefined();
        const whole = recordEnds.filter((end) => end <= length).length;
        expect(outcome.records.length, `cut at ${length}`).toBe(whole);
        const atBoundary = length === 24 || recordEnds.includes(length);
        expect(outcome.problems.corruptAt === undefined, `cut at ${length}`).toBe(atBoundary);
        if (!atBoundary)
          expect(outcome.problems.corruptAt?.offset).toBe(whole === 0 ? 24 : recordEnds[whole - 1]);
      }
    }
  });

  it('stops at a giant captured length instead of trying to read it', async () => {
    const bytes = Buffer.from(small);
    bytes.writeUInt32LE(0xffffffff, 24 + 16 + 5 + 8); // second record's captured length
    const outcome = await readAll(write(bytes));
    expect(outcome.records).toHaveLength(1);
    expect(outcome.problems.corruptAt).toEqual({
      offset: 45,
      reason: 'record length 4294967295 is impossible',
    });
  });

  it('stops at a captured length that runs past the end of the file', async () => {
    const bytes = Buffer.from(small);
    bytes.writeUInt32LE(100_000, 24 + 16 + 5 + 16 + 8); // third record claims 100000 bytes
    const outcome = await readAll(write(bytes));
    expect(outcome.records).toHaveLength(2);
    expect(outcome.problems.corruptAt).toEqual({ offset: 61, reason: 'file ends inside a packet' });
  });
});
