/**
 * A Wireshark display-filter subset for the live view: protocol and field presence, comparisons
 * (== != === !== ~= < > <= >= and eq ne lt gt le ge), contains, matches, bitwise &, and/or/not
 * with parentheses, `in {…}` sets with ranges, CIDR on address fields, any/all quantifiers, and
 * ClusterTap's own k8s.* and frame.number fields from the caller's context. Compile once, then
 * call the filter per packet; errors carry Wireshark's wording and where in the text they are,
 * so a UI can validate as the user types.
 */
import type { ParsedPacket } from '../types.js';
import { compileExpr, type DisplayFilterContext } from './compile.js';
import { FilterSyntaxError } from './lexer.js';
import { parseFilter } from './parser.js';

export type { DisplayFilterContext } from './compile.js';
export { CONTEXT_FIELDS } from './compile.js';

/** Anything parsed by parsePacket: a Dissection from dissectPacket is one. */
export type DisplayFilter = (packet: ParsedPacket, context?: DisplayFilterContext) => boolean;

export type CompiledDisplayFilter =
  | { ok: true; filter: DisplayFilter }
  /** `position`: index of the first character of the offending text; `length`: how many characters. */
  | { ok: false; error: string; position: number; length: number };

const EMPTY_CONTEXT: DisplayFilterContext = {};

/** An empty (all-blank) filter matches every packet, as an empty filter bar does. */
export function compileDisplayFilter(text: string): CompiledDisplayFilter {
  if (text.trim() === '') return { ok: true, filter: () => true };
  try {
    const predicate = compileExpr(parseFilter(text));
    return { ok: true, filter: (packet, context = EMPTY_CONTEXT) => predicate(packet, context) };
  } catch (error) {
    if (error instanceof FilterSyntaxError)
      return { ok: false, error: error.message, position: error.position, length: error.length };
    throw error;
  }
}
