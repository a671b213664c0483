import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileError } from '../../../main/capture/capture-record.js';
import {
  encodeInterfaceDescription,
  encodeInterfaceStatistics,
  encodeSectionHeader,
} from '../../../main/capture/pcapng-blocks.js';
import { hex } from '../../fixtures/hex.js';
import { BIG_ENDIAN_SECTION } from '../../fixtures/pcapng.js';
import {
  epb,
  makeTempDir,
  patternBytes,
  readAll,
  readerContractViolation,
} from '../support/capture-files.js';
import { tsharkFields } from '../support/wireshark.js';

const dir = makeTempDir('pcapng-read');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function write(...parts: Uint8Array[]): string {
  const file = path.join(dir, `file-${counter++}.pcapng`);
  fs.writeFileSync(file, Buffer.concat(parts));
  return file;
}

const SHB = encodeSectionHeader({ application: 'unit' });
const IDB_ETH = encodeInterfaceDescription({
  linkType: 1,
  snapLength: 65535,
  name: 'eth-if',
  tsResolution: 6,
});

describe('pcapng reader', () => {
  it('reads interfaces, EPBs and SPBs and skips statistics and unknown blocks', async () => {
    const idbRaw = encodeInterfaceDescription({
      linkType: 101,
      snapLength: 4,
      name: 'raw-if',
      description: 'pod web-1',
      tsResolution: 9,
    });
    const spb = hex(
      '03 00 00 00' + // block type SPB (little-endian)
        '18 00 00 00' + // block length 24
        '06 00 00 00' + // original length 6
        'aa bb cc dd ee ff 00 00' + // 6 bytes of data and padding
        '18 00 00 00', // block length 24
    );
    const unknown = hex('ad 0b 00 00' + '10 00 00 00' + 'ff ff ff ff' + '10 00 00 00'); // block type 0xbad, length 16
    const isb = encodeInterfaceStatistics({
      interfaceId: 0,
      high: 1,
      low: 2,
      received: 3,
      dropped: 0,
      delivered: 3,
    });
    const file = write(
      SHB,
      IDB_ETH,
      idbRaw,
      epb(1, 7, 8, patternBytes(4), 4, 1),
      isb,
      unknown,
      spb,
      epb(0, 0, 9, patternBytes(60)),
    );
    const { records, problems, error, format } = await readAll(file);
    expect({ error, format, problems }).toEqual({ error: undefined, format: 'pcapng', problems: {} });
    expect(
      records.map((r) => [
        r.interfaceIndex,
        r.interfaceName,
        r.interfaceDescription,
        r.linkType,
        r.snapLength,
      ]),
    ).toEqual([
      [1, 'raw-if', 'pod web-1', 101, 4],
      [0, 'eth-if', undefined, 1, 65535], // the SPB belongs to interface 0
      [0, 'eth-if', undefined, 1, 65535],
    ]);
    expect(records[0]).toMatchObject({
      timestamp: { high: 7, low: 8, resolution: 9 },
      flags: 1,
      originalLength: 4,
    });
    expect(records[1]).toMatchObject({
      timestamp: { high: 0, low: 0, resolution: 6 },
      flags: 0,
      originalLength: 6,
    });
    expect(Uint8Array.from(records[1]?.data ?? [])).toEqual(hex('aa bb cc dd ee ff'));
    expect(records[2]?.data.length).toBe(60);
  });

  it('names an interface without if_name after the file (base name) and its index', async () => {
    const unnamed = hex(
      '01 00 00 00' + // block type IDB
        '14 00 00 00' + // block length 20: no options
        '01 00 00 00' + // link type 1; reserved
        '00 00 04 00' + // snap length 262144
        '14 00 00 00', // block length 20
    );
    const file = write(SHB, IDB_ETH, unnamed, epb(1, 0, 1, patternBytes(14)));
    expect((await readAll(file)).records[0]?.interfaceName).toBe(`${path.basename(file)}#1`);
  });

  it('reads a big-endian section like tshark does', async () => {
    const file = write(BIG_ENDIAN_SECTION);
    const { records, problems, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(problems).toEqual({});
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      interfaceIndex: 0,
      interfaceName: 'be-if',
      linkType: 101,
      snapLength: 65535,
      timestamp: { high: 1, low: 2, resolution: 9 },
      originalLength: 1500,
      flags: 2,
    });
    expect(Uint8Array.from(records[0]?.data ?? [])).toEqual(hex('45 00 00 14 00'));
    expect(
      tsharkFields(file, [
        'frame.interface_name',
        'frame.len',
        'frame.cap_len',
        'frame.packet_flags_direction',
      ]),
    ).toEqual([['be-if', '1500', '5', '0x00000002']]);
  });

  it('starts interface numbering again in every section, each in its own byte order', async () => {
    const file = write(
      SHB,
      IDB_ETH,
      epb(0, 0, 1, patternBytes(10)),
      BIG_ENDIAN_SECTION,
      SHB,
      IDB_ETH,
      epb(0, 0, 2, patternBytes(11)),
    );
    const { records, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(records.map((r) => [r.interfaceName, r.data.length])).toEqual([
      ['eth-if', 10],
      ['be-if', 5],
      ['eth-if', 11],
    ]);
  });

  it('reads base-2 time resolutions (if_tsresol with the high bit set)', async () => {
    const idb = encodeInterfaceDescription({
      linkType: 1,
      snapLength: 0,
      name: 'b2',
      tsResolution: 0x80 | 20,
    });
    const { records } = await readAll(write(SHB, idb, epb(0, 0, 3 << 20, patternBytes(14))));
    expect(records[0]?.timestamp).toEqual({ high: 0, low: 3 << 20, resolution: 0x94 });
  });

  it('keeps a 9000-byte jumbo frame and a zero-length packet intact', async () => {
    const jumbo = patternBytes(9000, 5);
    const { records, problems } = await readAll(
      write(SHB, IDB_ETH, epb(0, 0, 1, jumbo), epb(0, 0, 2, new Uint8Array(0), 64)),
    );
    expect(problems).toEqual({});
    expect(Uint8Array.from(records[0]?.data ?? [])).toEqual(jumbo);
    expect(records[1]).toMatchObject({ originalLength: 64 });
    expect(records[1]?.data.length).toBe(0);
  });
});

describe('pcapng reader: damaged files', () => {
  const good = [
    SHB,
    IDB_ETH,
    epb(0, 0, 1, patternBytes(5)),
    epb(0, 0, 2, new Uint8Array(0)),
    epb(0, 0, 3, patternBytes(9), 9, 2),
  ];
  const ends = good.map((_, i) => good.slice(0, i + 1).reduce((sum, b) => sum + b.length, 0));
  const whole = Buffer.concat(good);

  it('at every truncation: an error inside the section header, else the whole packets and corruptAt', async () => {
    const shbEnd = ends[0] as number;
    for (let length = 0; length <= whole.length; length++) {
      const file = write(whole.subarray(0, length));
      const outcome = await readAll(file);
      if (length < 4) {
        expect(String(outcome.error)).toContain('too short to be a pcap or pcapng file');
      } else if (length < shbEnd) {
        expect(outcome.error, `cut at ${length}`).toBeInstanceOf(CaptureFileError);
        expect(readerContractViolation(file, outcome, length), `cut at ${length}`).toBeUndefined();
        expect(String(outcome.error), `cut at ${length}`).toContain(': not a readable pcapng file (');
      } else {
        expect(outcome.error, `cut at ${length}`).toBeUndefined();
        const packets = ends.slice(2).filter((end) => end <= length).length;
        expect(outcome.records.length, `cut at ${length}`).toBe(packets);
        const atBoundary = ends.includes(length);
        expect(outcome.problems.corruptAt === undefined, `cut at ${length}`).toBe(atBoundary);
        if (!atBoundary)
          expect(outcome.problems.corruptAt?.offset).toBe(ends.filter((end) => end <= length).at(-1));
      }
    }
  });

  /** `good` with block `index` patched by `patch`; returns what the reader made of it. */
  async function withPatched(index: number, patch: (block: Buffer) => void) {
    const blocks = good.map((b) => Buffer.from(b));
    patch(blocks[index] as Buffer);
    return readAll(write(...blocks));
  }

  it.each([
    ['a length field beyond the file', (b: Buffer) => b.writeUInt32LE(4096, 4), 'file ends inside a block'],
    [
      'a giant length field',
      (b: Buffer) => b.writeUInt32LE(0xfffffff0, 4),
      'block length 4294967280 is impossible',
    ],
    ['a length below 12', (b: Buffer) => b.writeUInt32LE(8, 4), 'block length 8 is impossible'],
    [
      'a length that is not a multiple of 4',
      (b: Buffer) => b.writeUInt32LE(38, 4),
      'block length 38 is impossible',
    ],
    [
      'a trailer that disagrees',
      (b: Buffer) => b.writeUInt32LE(36, b.length - 4),
      'block trailer length does not match its header',
    ],
    [
      'an unknown interface',
      (b: Buffer) => b.writeUInt32LE(3, 8),
      'packet names interface 3, which was never described',
    ],
    [
      'a captured length beyond the block',
      (b: Buffer) => b.writeUInt32LE(200, 20),
      'captured length 200 exceeds its block',
    ],
  ])('reports %s in the second packet as corruption after the first packet', async (_, patch, reason) => {
    const outcome = await withPatched(3, patch);
    expect(outcome.error).toBeUndefined();
    expect(outcome.records).toHaveLength(1);
    expect(outcome.problems.corruptAt).toEqual({ offset: ends[2], reason });
  });

  it.each([
    [
      'a bad byte-order magic',
      (b: Buffer) => b.writeUInt32LE(0x12345678, 8),
      '(bad byte-order magic in section header|section header is truncated or damaged)',
    ],
    [
      'a giant length',
      (b: Buffer) => b.writeUInt32LE(0x7ffffffc, 4),
      'block length 2147483644 is impossible',
    ],
    [
      'a trailer that disagrees',
      (b: Buffer) => b.writeUInt32LE(0, b.length - 4),
      'block trailer length does not match its header',
    ],
  ])(
    'refuses a file whose section header has %s, with one line naming the file',
    async (_, patch, reason) => {
      const outcome = await withPatched(0, patch);
      expect(outcome.error).toBeInstanceOf(CaptureFileError);
      expect((outcome.error as Error).message).toMatch(
        new RegExp(`^\\S*file-\\d+\\.pcapng: not a readable pcapng file \\(${reason}\\)$`),
      );
    },
  );
});
