/** Random and mutated bytes into every decoder: never an exception, never an offset outside the buffer. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { contractViolation, DECODER_CASES } from '../support/decoders.js';
import { mutationOf } from '../support/mutate.js';

const RUNS = 2000;

describe.each(DECODER_CASES)('fuzz: $name', ({ decode, valid }) => {
  // Plain throws rather than expect(): these run tens of thousands of times.
  const check = (bytes: Uint8Array, offset: number) => {
    const before = Buffer.from(bytes);
    const result = decode(bytes, offset);
    const problem = contractViolation(result, bytes, offset);
    if (problem) throw new Error(`${problem}: ${JSON.stringify(result)}`);
    if (!before.equals(bytes)) throw new Error('the decoder modified its input');
  };

  it('random bytes at a random offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), fc.nat({ max: 170 }), (bytes, offset) =>
        check(bytes, offset),
      ),
      { seed: 0xc1, numRuns: RUNS },
    );
  });

  it('mutated valid fixtures, at 0 and inside a larger buffer', () => {
    fc.assert(
      fc.property(mutationOf(valid), fc.nat({ max: 9 }), (bytes, shift) => {
        check(bytes, 0);
        const inside = new Uint8Array(shift + bytes.length);
        inside.set(bytes, shift);
        check(inside, shift);
      }),
      { seed: 0xc2, numRuns: RUNS },
    );
  });
});
