/**
 * Damaged pcapng files (and random bytes) into openCapture: whatever the bytes, the user gets a
 * one-line CaptureFileError, or the records up to the damage plus problems.corruptAt; never
 * another exception, never a hang.
 */
import fs from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { encodeSectionHeader } from '../../../main/capture/pcapng-blocks.js';
import { makeTempDir } from '../support/capture-files.js';
import { damaged, FILE_FUZZ_RUNS, FILE_FUZZ_TIMEOUT, fileChecker, SEEDS } from '../support/capture-fuzz.js';

const dir = makeTempDir('fuzz-pcapng');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const checkFile = fileChecker(dir);

describe('fuzz: openCapture on pcapng', () => {
  it.each(SEEDS.filter((s) => s.name.startsWith('pcapng ')))(
    'damaged $name',
    async (seed) => {
      await fc.assert(fc.asyncProperty(damaged(seed), checkFile), {
        seed: 0xf11e + seed.bytes.length,
        numRuns: FILE_FUZZ_RUNS,
      });
    },
    FILE_FUZZ_TIMEOUT,
  );

  it(
    'a valid section header followed by random bytes',
    async () => {
      const file = fc
        .uint8Array({ maxLength: 400 })
        .map((rest) => Buffer.concat([encodeSectionHeader({ application: 'x' }), rest]));
      await fc.assert(fc.asyncProperty(file, checkFile), { seed: 0xf12e, numRuns: FILE_FUZZ_RUNS });
    },
    FILE_FUZZ_TIMEOUT,
  );

  it(
    'random bytes, some behind a pcap or pcapng magic',
    async () => {
      const magic = fc.constantFrom(
        '',
        'd4c3b2a1',
        'a1b2c3d4',
        '4d3cb2a1',
        'a1b23c4d',
        '0a0d0d0a',
        '0a0d0d0a1c0000004d3c2b1a',
      );
      const file = fc
        .tuple(magic, fc.uint8Array({ maxLength: 200 }))
        .map(([prefix, rest]) => Buffer.concat([Buffer.from(prefix, 'hex'), rest]));
      await fc.assert(fc.asyncProperty(file, checkFile), { seed: 0xf13e, numRuns: FILE_FUZZ_RUNS });
    },
    FILE_FUZZ_TIMEOUT,
  );
});
