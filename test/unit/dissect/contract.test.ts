/**
 * The contract every protocol dissector keeps (DESIGN.md, "Decoders"), checked on every fixture
 * and every truncation of it, then on random and mutated bytes (fast-check): never an exception,
 * every node inside the captured bytes and inside its parent, truncation never called malformed
 * (and the reverse), the fast summary equal to the full dissection's, the bytes untouched.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../main/capture/linktype.js';
import { compileDisplayFilter } from '../../../main/dissect/display-filter/display-filter.js';
import { dissectPacket, summarizePacket } from '../../../main/dissect/dissect.js';
import { PACKET_FIELDS } from '../../../main/dissect/fields.js';
import { parsePacket } from '../../../main/dissect/parse.js';
import type { DissectionNode } from '../../../main/dissect/types.js';
import { FRAMES, type Frame } from '../../fixtures/dissect/frames.js';
import { unalignedView } from '../../fixtures/hex.js';
import { mutationOf } from '../support/mutate.js';
import { allNodes } from './support.js';

const LINK_TYPES = [
  LINKTYPE.ETHERNET,
  LINKTYPE.RAW,
  LINKTYPE.LINUX_SLL,
  LINKTYPE.LINUX_SLL2,
  LINKTYPE.IPV4,
  LINKTYPE.IPV6,
];

/** A few filters touching every protocol, evaluated on every packet the contract sees. */
const FILTERS = [
  'tcp.port == 80 || udp.port in {53 5353}',
  'ip.addr == 10.0.0.0/8 && !(ipv6.addr == 2001:db8::/32)',
  'dns.qry.name contains "example" or http.host matches "ex.*"',
  'eth.src == 02:00:00:00:00:01 and vlan.id > 1 and arp.opcode == 1',
  'icmp.type in {3..5 11} or icmpv6.type == 135 or tcp.flags & 0x02',
  'frame contains "GET" and tcp.len > 0 and !(tcp.flags.syn == 1)',
].map((text) => {
  const compiled = compileDisplayFilter(text);
  if (!compiled.ok) throw new Error(`${text}: ${compiled.error}`);
  return compiled.filter;
});

/** The first broken promise, or undefined. */
function violation(linkType: number, bytes: Uint8Array, originalLength: number): string | undefined {
  const before = Buffer.from(bytes);
  const d = dissectPacket(linkType, bytes, originalLength);
  const row = summarizePacket(linkType, bytes, originalLength);
  const check = (nodes: DissectionNode[], parent: DissectionNode | undefined): string | undefined => {
    for (const n of nodes) {
      if (!Number.isInteger(n.offset) || !Number.isInteger(n.length) || n.offset < 0 || n.length < 0)
        return `"${n.label}" has offset ${n.offset}, length ${n.length}`;
      if (n.offset + n.length > bytes.length)
        return `"${n.label}" ends at ${n.offset + n.length}, past the ${bytes.length} captured bytes`;
      if (parent && (n.offset < parent.offset || n.offset + n.length > parent.offset + parent.length))
        return `"${n.label}" [${n.offset}, ${n.length}] lies outside "${parent.label}" [${parent.offset}, ${parent.length}]`;
      if (typeof n.label !== 'string' || n.label.includes('undefined') || n.label.includes('NaN'))
        return `bad label "${n.label}"`;
      const inner = n.children ? check(n.children, n) : undefined;
      if (inner) return inner;
    }
    return undefined;
  };
  const problem = check(d.tree, undefined);
  if (problem) return problem;
  const { colour: _colour, ...columns } = row;
  if (JSON.stringify(columns) !== JSON.stringify(d.summary))
    return `summary ${JSON.stringify(row)} ≠ ${JSON.stringify(d.summary)}`;
  if (row.colour !== d.colour) return `colour ${row.colour} ≠ ${d.colour}`;
  for (const abbrev of PACKET_FIELDS.keys()) d.fields.display(abbrev);
  const packet = parsePacket(linkType, bytes, originalLength);
  for (const filter of FILTERS)
    if (filter(packet, {}) !== filter(d, {})) return 'a filter disagrees between parse and dissect';
  if (!before.equals(bytes)) return 'the dissector modified its input';
  return undefined;
}

const PROBLEM_LINE = /^\[(Malformed Packet|Packet size limited during capture|Unreassembled Packet)/;

const labels = (linkType: number, bytes: Uint8Array, originalLength: number) =>
  allNodes(dissectPacket(linkType, bytes, originalLength).tree).map((n) => n.label);

describe.each(FRAMES)('dissector contract: $name', (frame: Frame) => {
  const { linkType, bytes } = frame;

  it('dissects the fixture whole, with no problem line', () => {
    expect(violation(linkType, bytes, bytes.length)).toBeUndefined();
    expect(labels(linkType, bytes, bytes.length).filter((l) => PROBLEM_LINE.test(l))).toEqual([]);
  });

  it('every snap-length cut: within bounds, never thrown, "truncated" and never "malformed"', () => {
    for (let length = 0; length < bytes.length; length++) {
      const prefix = bytes.slice(0, length);
      expect(violation(linkType, prefix, bytes.length), `cut at ${length}`).toBeUndefined();
      expect(
        labels(linkType, prefix, bytes.length).filter((l) => l.startsWith('[Malformed')),
        `cut at ${length}`,
      ).toEqual([]);
    }
  });

  it('every packet that is itself too short: within bounds, "malformed" and never "truncated"', () => {
    for (let length = 0; length < bytes.length; length++) {
      const prefix = bytes.slice(0, length);
      expect(violation(linkType, prefix, length), `length ${length}`).toBeUndefined();
      expect(
        labels(linkType, prefix, length).filter((l) => l.startsWith('[Packet size limited')),
        `length ${length}`,
      ).toEqual([]);
    }
  });

  it('reads through a view that does not start at its ArrayBuffer’s first byte', () => {
    const view = unalignedView(bytes);
    expect(dissectPacket(linkType, view, view.length).tree).toEqual(
      dissectPacket(linkType, bytes, bytes.length).tree,
    );
  });

  it('under every link type, the same bytes are dissected without breaking the contract', () => {
    for (const other of LINK_TYPES)
      expect(violation(other, bytes, bytes.length), `link type ${other}`).toBeUndefined();
  });
});

describe('dissector fuzz', () => {
  const check = (linkType: number, bytes: Uint8Array, originalLength: number) => {
    const problem = violation(linkType, bytes, originalLength);
    if (problem) throw new Error(`${problem} (link type ${linkType}, ${Buffer.from(bytes).toString('hex')})`);
  };

  it('random bytes under every link type', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LINK_TYPES),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat({ max: 64 }),
        (lt, bytes, extra) => check(lt, bytes, bytes.length + extra),
      ),
      { seed: 0xd15, numRuns: 1500 },
    );
  });

  it('mutated fixtures: lengths, flags and counts overwritten, cut short', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...FRAMES)
          .chain((frame) => fc.tuple(fc.constant(frame.linkType), mutationOf(frame.bytes, 8))),
        fc.boolean(),
        ([linkType, bytes], snapped) => check(linkType, bytes, snapped ? bytes.length + 100 : bytes.length),
      ),
      { seed: 0xd16, numRuns: 3000 },
    );
  });
});
