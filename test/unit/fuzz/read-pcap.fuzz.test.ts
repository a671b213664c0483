/**
 * Damaged pcap files into openCapture: whatever the bytes, the user gets a one-line
 * CaptureFileError, or the records up to the damage plus problems.corruptAt; never another
 * exception, never a hang.
 */
import fs from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { makeTempDir } from '../support/capture-files.js';
import { damaged, FILE_FUZZ_RUNS, FILE_FUZZ_TIMEOUT, fileChecker, SEEDS } from '../support/capture-fuzz.js';

const dir = makeTempDir('fuzz-pcap');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const checkFile = fileChecker(dir);

describe('fuzz: openCapture on pcap', () => {
  it.each(SEEDS.filter((s) => s.name.startsWith('pcap ')))(
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
    'a valid pcap file header followed by random bytes',
    async () => {
      const headers = SEEDS.filter((s) => s.name.startsWith('pcap ')).map((s) => s.bytes.subarray(0, 24));
      const file = fc
        .tuple(fc.constantFrom(...headers), fc.uint8Array({ maxLength: 400 }))
        .map(([header, rest]) => Buffer.concat([header, rest]));
      await fc.assert(fc.asyncProperty(file, checkFile), { seed: 0xf12e, numRuns: FILE_FUZZ_RUNS });
    },
    FILE_FUZZ_TIMEOUT,
  );
});
