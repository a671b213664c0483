/** Seeds and damage for the capture-file fuzzers (fuzz/read-*.fuzz.test.ts). */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  encodeInterfaceDescription,
  encodeInterfaceStatistics,
  encodeSectionHeader,
} from '../../../main/capture/pcapng-blocks.js';
import { BIG_ENDIAN_BLOCK_STARTS, BIG_ENDIAN_SECTION } from '../../fixtures/pcapng.js';
import { epb, patternBytes, pcapFile, readAll, readerContractViolation } from './capture-files.js';
import { blocksOf } from './pcapng-walk.js';

/**
 * Runs per property. Each run writes a file and opens it, and ByteSource allocates 8 MiB per
 * refill, so a run costs 1-7 ms (GC-bound): 200 keeps the unit project fast. Dig deeper with
 * CLUSTERTAP_FUZZ_RUNS=20000 npx vitest run --project unit test/unit/fuzz
 */
export const FILE_FUZZ_RUNS = Number(process.env.CLUSTERTAP_FUZZ_RUNS ?? 200);
export const FILE_FUZZ_TIMEOUT = 120_000;

/** A checker that writes each input to one file in `dir` and applies the reader contract to it. */
export function fileChecker(dir: string): (bytes: Uint8Array) => Promise<void> {
  const file = path.join(dir, 'input');
  return async (bytes) => {
    fs.writeFileSync(file, bytes);
    const problem = readerContractViolation(file, await readAll(file), bytes.length);
    if (problem) throw new Error(`${problem} (input ${Buffer.from(bytes).subarray(0, 64).toString('hex')}…)`);
  };
}

export interface Seed {
  name: string;
  bytes: Buffer;
  /** Offsets where headers start: the mutations aim at the fields after them. */
  starts: number[];
}

function pcapSeed(name: string, spec: Parameters<typeof pcapFile>[0]): Seed {
  const starts = [0];
  let at = 24;
  for (const record of spec.records) {
    starts.push(at);
    at += 16 + record.data.length;
  }
  return { name, bytes: pcapFile(spec), starts };
}

function pcapngSeed(name: string, blocks: Buffer[]): Seed {
  const bytes = Buffer.concat(blocks);
  const starts: number[] = [];
  let at = 0;
  for (const block of blocksOf(bytes)) {
    starts.push(at);
    at += block.body.length + 12;
  }
  return { name, bytes, starts };
}

export const SEEDS: Seed[] = [
  pcapSeed('pcap µs little-endian', {
    records: [
      { seconds: 1, fraction: 2, data: patternBytes(60) },
      { seconds: 3, fraction: 4, data: new Uint8Array(0) },
      { seconds: 5, fraction: 6, data: patternBytes(13), originalLength: 1500 },
    ],
  }),
  pcapSeed('pcap ns big-endian with a jumbo frame', {
    nano: true,
    bigEndian: true,
    records: [
      { seconds: 1_700_000_000, fraction: 999_999_999, data: patternBytes(9000) },
      { seconds: 1_700_000_001, fraction: 0, data: patternBytes(5) },
    ],
  }),
  pcapngSeed('pcapng with every block the writer makes', [
    encodeSectionHeader({ application: 'fuzz', os: 'Linux' }),
    encodeInterfaceDescription({
      linkType: 1,
      snapLength: 65535,
      name: 'eth',
      description: 'pod a',
      tsResolution: 6,
    }),
    encodeInterfaceDescription({ linkType: 101, snapLength: 262144, name: 'raw', tsResolution: 9 }),
    epb(0, 1, 2, patternBytes(60), 60, 1),
    epb(1, 3, 4, new Uint8Array(0), 0, 0),
    epb(0, 5, 6, patternBytes(9000), 9000, 2),
    epb(1, 7, 8, patternBytes(7), 1500, 1),
    encodeInterfaceStatistics({ interfaceId: 0, high: 9, low: 9, received: 3, dropped: 1, delivered: 2 }),
  ]),
  {
    name: 'pcapng big-endian section',
    bytes: Buffer.from(BIG_ENDIAN_SECTION),
    starts: BIG_ENDIAN_BLOCK_STARTS,
  },
];

const INTERESTING_U32 = [
  0, 1, 4, 11, 12, 16, 20, 28, 32, 9000, 9032, 0xffff, 262144, 262145, 327680, 0x7ffffffc, 0xfffffff0,
  0xffffffff,
];

/** A seed with header fields overwritten (bytes and whole 32-bit lengths), cut short or extended. */
export function damaged(seed: Seed): fc.Arbitrary<Uint8Array> {
  const length = seed.bytes.length;
  const nearHeader = fc
    .tuple(fc.constantFrom(...seed.starts), fc.nat({ max: 40 }))
    .map(([start, delta]) => start + delta);
  const position = fc.oneof(
    { arbitrary: nearHeader, weight: 4 },
    { arbitrary: fc.nat({ max: length - 1 }), weight: 1 },
  );
  const byteEdit = fc.record({ at: position, byte: fc.integer({ min: 0, max: 255 }) });
  const wordEdit = fc.record({
    at: position,
    value: fc.oneof(fc.constantFrom(...INTERESTING_U32), fc.nat({ max: 0xffffffff })),
    bigEndian: fc.boolean(),
  });
  return fc
    .record({
      bytes: fc.array(byteEdit, { maxLength: 4 }),
      words: fc.array(wordEdit, { maxLength: 3 }),
      cut: fc.option(fc.nat({ max: length }), { nil: undefined, freq: 3 }),
      tail: fc.uint8Array({ maxLength: 40 }),
    })
    .map(({ bytes, words, cut, tail }) => {
      const out = Buffer.concat([seed.bytes, Buffer.from(tail)]);
      for (const { at, byte } of bytes) if (at < out.length) out[at] = byte;
      for (const { at, value, bigEndian } of words) {
        if (at + 4 > out.length) continue;
        if (bigEndian) out.writeUInt32BE(value, at);
        else out.writeUInt32LE(value, at);
      }
      return cut === undefined ? out : out.subarray(0, cut);
    });
}
