/**
 * The contract every decoder keeps (DESIGN.md, "Decoders"): pure functions over bytes that never
 * throw, report every malformation as a tagged failure, and never point outside the buffer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateTunnel } from '../../main/broker/decode/outer.js';
import { embedAt, unalignedView } from '../fixtures/hex.js';
import { IPV4_GRE, IPV4_VXLAN, IPV6_GRE, LINK_TYPES, onLink } from '../fixtures/packets.js';
import { contractViolation, DECODER_CASES, FAILURE_REASONS, normalised } from './support/decoders.js';

describe.each(DECODER_CASES)('decoder contract: $name', ({ decode, valid, minLength }) => {
  it('decodes the valid fixture with payload bounds inside the buffer', () => {
    const result = decode(valid, 0);
    expect(result.ok).toBe(true);
    expect(contractViolation(result, valid, 0)).toBeUndefined();
  });

  it('reports empty input as truncated instead of throwing', () => {
    expect(decode(new Uint8Array(0), 0)).toMatchObject({ ok: false, reason: 'truncated', have: 0 });
  });

  it('reports an offset at or past the end of the buffer as truncated', () => {
    expect(decode(valid, valid.length)).toMatchObject({ ok: false, reason: 'truncated', have: 0 });
    expect(decode(valid, valid.length + 3)).toMatchObject({ ok: false, reason: 'truncated' });
  });

  it('reports every prefix shorter than the fixture needs as truncated, and decodes every longer one', () => {
    for (let length = 0; length <= valid.length; length++) {
      const prefix = valid.slice(0, length);
      const result = decode(prefix, 0);
      expect(contractViolation(result, prefix, 0), `prefix of ${length} bytes`).toBeUndefined();
      if (length < minLength)
        expect(result, `prefix of ${length} bytes`).toMatchObject({ ok: false, reason: 'truncated' });
      else expect(result.ok, `prefix of ${length} bytes`).toBe(true);
    }
  });

  it('gives the same result at a nonzero offset inside a larger buffer, shifted', () => {
    const atZero = normalised(decode(valid, 0));
    for (const shift of [1, 2, 3, 7, 64, 1500]) {
      const inside = embedAt(valid, shift);
      expect(normalised(decode(inside, shift), shift), `shift ${shift}`).toEqual(atZero);
    }
  });

  it('gives the same result for a truncated fixture at any offset (property)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: valid.length }),
        fc.nat({ max: 40 }),
        fc.integer({ min: 0, max: 255 }),
        (cut, shift, fill) => {
          const prefix = valid.slice(0, cut);
          const inside = embedAt(prefix, shift, fill);
          expect(normalised(decode(inside, shift), shift)).toEqual(normalised(decode(prefix, 0)));
        },
      ),
      { seed: 7348, numRuns: 300 },
    );
  });

  it('reads through a view that does not start at its ArrayBuffer’s first byte', () => {
    expect(normalised(decode(unalignedView(valid), 0))).toEqual(normalised(decode(valid, 0)));
  });

  it('does not modify the bytes it decodes', () => {
    const bytes = valid.slice();
    decode(bytes, 0);
    expect(bytes).toEqual(valid);
  });
});

describe.each(LINK_TYPES)('locateTunnel contract: link type %i', (linkType) => {
  const options = { vxlanPorts: new Set([4789]), gre: true };
  const packets = [onLink(linkType, IPV4_VXLAN), onLink(linkType, IPV6_GRE), onLink(linkType, IPV4_GRE)];

  it('reports empty input as a failure, never throws', () => {
    const result = locateTunnel(linkType, new Uint8Array(0), options);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(FAILURE_REASONS).toContain(result.reason);
  });

  it('finds the tunnel in every valid packet', () => {
    for (const packet of packets)
      expect(locateTunnel(linkType, packet, options)).toMatchObject({
        ok: true,
        tunnel: expect.stringMatching(/^(vxlan|gre)$/),
      });
  });

  it('never throws and never points outside the buffer for any truncation', () => {
    for (const packet of packets) {
      for (let length = 0; length <= packet.length; length++) {
        const prefix = packet.slice(0, length);
        const result = locateTunnel(linkType, prefix, options);
        if (!result.ok) {
          expect(FAILURE_REASONS).toContain(result.reason);
        } else if (result.tunnel !== 'none') {
          expect(result.payloadOffset).toBeLessThanOrEqual(result.payloadEnd);
          expect(result.payloadEnd).toBeLessThanOrEqual(length);
        }
      }
    }
  });
});
