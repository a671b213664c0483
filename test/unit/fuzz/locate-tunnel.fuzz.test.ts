/** Random and mutated packets into locateTunnel on every link type it reads, and on ones it does not. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateTunnel, type OuterOptions, type OuterPacket } from '../../../main/broker/decode/outer.js';
import type { DecodeFailure } from '../../../main/broker/decode/result.js';
import { decodeVxlan } from '../../../main/broker/decode/vxlan.js';
import { IPV4_GRE, IPV4_VXLAN, IPV6_GRE, LINK_TYPES, onLink } from '../../fixtures/packets.js';
import { FAILURE_REASONS } from '../support/decoders.js';
import { mutationOf } from '../support/mutate.js';

const OPTIONS: OuterOptions = { vxlanPorts: new Set([4789, 8472]), gre: true };
const IP_PACKETS = [IPV4_VXLAN, IPV6_GRE, IPV4_GRE];

/** The first thing wrong with a locateTunnel result for `bytes`, or undefined. */
function violation(result: OuterPacket | DecodeFailure, bytes: Uint8Array): string | undefined {
  if (!result.ok) return FAILURE_REASONS.includes(result.reason) ? undefined : `reason ${result.reason}`;
  if (result.tunnel === 'none') return undefined;
  const { payloadOffset, payloadEnd, peer, tunnelId } = result;
  if (!(payloadOffset >= 0 && payloadOffset <= payloadEnd && payloadEnd <= bytes.length))
    return `payload [${payloadOffset}, ${payloadEnd}) outside ${bytes.length} bytes`;
  if (peer.length !== 4 && peer.length !== 16) return `peer of ${peer.length} bytes`;
  if (!['ethernet', 'ipv4', 'ipv6'].includes(result.payloadKind)) return `payload kind ${result.payloadKind}`;
  if (result.tunnel === 'vxlan') {
    // The 8 bytes before the payload are the VXLAN header that produced this VNI.
    const header = decodeVxlan(bytes.subarray(payloadOffset - 8, payloadOffset));
    if (!header.ok || header.vni !== tunnelId) return `VNI ${tunnelId} does not match its header`;
  } else if (
    tunnelId !== undefined &&
    !(Number.isInteger(tunnelId) && tunnelId >= 0 && tunnelId <= 0xffffffff)
  ) {
    return `GRE key ${tunnelId}`;
  }
  return undefined;
}

/** Offsets moved by `shift`; what a packet looks like with `shift` more bytes of link header. */
function shifted(result: OuterPacket | DecodeFailure, shift: number): unknown {
  if (!result.ok || result.tunnel === 'none') return result;
  return {
    ...result,
    peer: [...result.peer],
    payloadOffset: result.payloadOffset - shift,
    payloadEnd: result.payloadEnd - shift,
    outgoing: false,
  };
}

const linkType = fc.oneof(fc.constantFrom(...LINK_TYPES), fc.constantFrom(0, 105, 147, 0xffff));

describe('fuzz: locateTunnel', () => {
  it('random bytes on any link type', () => {
    fc.assert(
      fc.property(linkType, fc.uint8Array({ maxLength: 200 }), (type, bytes) => {
        const problem = violation(locateTunnel(type, bytes, OPTIONS), bytes);
        if (problem) throw new Error(problem);
      }),
      { seed: 0x1001, numRuns: 3000 },
    );
  });

  it.each(LINK_TYPES)('mutated VXLAN and GRE packets on link type %i', (type) => {
    const packets = IP_PACKETS.map((p) => onLink(type, p));
    fc.assert(
      fc.property(
        fc.constantFrom(...packets).chain((p) => mutationOf(p)),
        (bytes) => {
          const problem = violation(locateTunnel(type, bytes, OPTIONS), bytes);
          if (problem) throw new Error(problem);
        },
      ),
      { seed: 0x1002 + type, numRuns: 2000 },
    );
  });

  it('decides the same for a mutated IP packet whatever link layer it arrives on', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...IP_PACKETS)
          .chain((p) => mutationOf(p))
          .filter((p) => p.length > 0),
        (ip) => {
          const raw = shifted(locateTunnel(101, ip, OPTIONS), 0);
          expect(shifted(locateTunnel(1, onLink(1, ip), OPTIONS), 14)).toEqual(raw);
          expect(shifted(locateTunnel(113, onLink(113, ip), OPTIONS), 16)).toEqual(raw);
          expect(shifted(locateTunnel(276, onLink(276, ip), OPTIONS), 20)).toEqual(raw);
        },
      ),
      { seed: 0x1003, numRuns: 2000 },
    );
  });
});
