import fc from 'fast-check';

/** A valid fixture with a few bytes overwritten and possibly cut short: malformed but plausible input. */
export function mutationOf(valid: Uint8Array, maxEdits = 6): fc.Arbitrary<Uint8Array> {
  const position = fc.nat({ max: Math.max(0, valid.length - 1) });
  // Bias new values towards the ones that break length and flag fields.
  const value = fc.oneof(
    fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x08, 0x01),
    fc.integer({ min: 0, max: 255 }),
  );
  return fc
    .record({
      edits: fc.array(fc.tuple(position, value), { minLength: 1, maxLength: maxEdits }),
      cut: fc.option(fc.nat({ max: valid.length }), { nil: undefined, freq: 2 }), // cut half of them short
      extra: fc.uint8Array({ maxLength: 16 }),
    })
    .map(({ edits, cut, extra }) => {
      const out = new Uint8Array([...valid, ...extra]);
      for (const [at, byte] of edits) out[at] = byte;
      return cut === undefined ? out : out.slice(0, cut);
    });
}
