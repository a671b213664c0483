import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPipeline } from '../../../main/broker/pipeline/build-pipeline.js';
import { parsePolicy } from '../../../main/policy/load-policy.js';
import { udpFrame } from './frames.js';

/** Stage invariants over random traffic and random policies: every packet is accounted for. */
const policyArb = fc.record({
  dedup: fc.option(fc.record({ windowMs: fc.integer({ min: 1, max: 50 }) }), { nil: undefined }),
  sample: fc.option(
    fc.record({
      mode: fc.constantFrom('every', 'random'),
      oneIn: fc.integer({ min: 1, max: 5 }),
      seed: fc.integer(),
    }),
    {
      nil: undefined,
    },
  ),
  slice: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
  mask: fc.option(
    fc.record({
      regex: fc.constant(['[aeiou]+']),
      ranges: fc.constant([{ anchor: 'udp-payload', offset: 1, length: 3 }]),
    }),
    {
      nil: undefined,
    },
  ),
});
const trafficArb = fc.array(
  fc.record({
    payload: fc.string({ maxLength: 80 }),
    gapMs: fc.integer({ min: 0, max: 20 }),
    ttl: fc.integer({ min: 1, max: 255 }),
  }),
  {
    maxLength: 60,
  },
);

describe('pipeline invariants', () => {
  it('counts chain (in = previous out), lengths are kept where promised, only payload bytes change', () => {
    fc.assert(
      fc.property(policyArb, trafficArb, (policyParts, traffic) => {
        const { pipeline } = buildPipeline(parsePolicy({ version: 1, ...policyParts }));
        let seconds = 1000;
        let survived = 0;
        for (const { payload, gapMs, ttl } of traffic) {
          seconds += gapMs / 1000;
          const original = udpFrame(payload, { ttl });
          const copy = original.slice();
          const packet = { linkType: 1, data: original, originalLength: original.length, seconds };
          if (pipeline.run(packet)) survived++;
          expect(original).toEqual(copy); // the received bytes are never written
          expect(packet.originalLength).toBe(original.length);
          expect(packet.data.length).toBeLessThanOrEqual(original.length);
          if (policyParts.slice === undefined) expect(packet.data.length).toBe(original.length);
          // Headers (first 42 bytes) survive masking untouched.
          const kept = Math.min(42, packet.data.length);
          expect(Buffer.from(packet.data.subarray(0, kept))).toEqual(Buffer.from(original.subarray(0, kept)));
        }
        const stats = pipeline.stats();
        for (let i = 1; i < stats.length; i++) expect(stats[i]?.in).toBe(stats[i - 1]?.out);
        expect(stats[0]?.in ?? traffic.length).toBe(traffic.length);
        expect(stats.at(-1)?.out ?? traffic.length).toBe(survived);
      }),
      { seed: 0x9e11, numRuns: 300 },
    );
  });
});
