/**
 * Display-filter expressions → predicates over parsed packets. Every name is resolved and every
 * literal converted when the filter is compiled, so evaluating it per packet is a few closure
 * calls that read the frame bytes directly: no tree, no field list, no allocation per packet
 * except for field-to-field comparisons.
 */
import type { FieldDef, FieldType, FieldValue, ProtocolDef } from '../field.js';
import { PACKET_FIELDS, PROTOCOLS, protocolPresent, someValue } from '../fields.js';
import type { Layer, ParsedPacket } from '../types.js';
import { FilterSyntaxError, type Token } from './lexer.js';
import { type Constant, constantFor, isUnsigned, parseInteger, typeName } from './literals.js';
import type { Expr, Operand, Relation, SetElement } from './parser.js';

/** ClusterTap's own fields for each packet, supplied by the caller (the broker knows them, not the bytes). */
export interface DisplayFilterContext {
  /** frame.number: the packet's position in the capture, from 1. */
  frameNumber?: number;
  /** k8s.node, k8s.namespace, k8s.pod, k8s.direction. */
  node?: string;
  namespace?: string;
  pod?: string;
  direction?: string;
}

export type Predicate = (packet: ParsedPacket, context: DisplayFilterContext) => boolean;

interface ContextField {
  abbrev: string;
  name: string;
  type: FieldType;
  get(context: DisplayFilterContext): string | number | undefined;
}

export const CONTEXT_FIELDS: ReadonlyMap<string, ContextField> = new Map(
  (
    [
      { abbrev: 'frame.number', name: 'Frame Number', type: 'uint32', get: (c) => c.frameNumber },
      { abbrev: 'k8s.node', name: 'Node', type: 'string', get: (c) => c.node },
      { abbrev: 'k8s.namespace', name: 'Namespace', type: 'string', get: (c) => c.namespace },
      { abbrev: 'k8s.pod', name: 'Pod', type: 'string', get: (c) => c.pod },
      { abbrev: 'k8s.direction', name: 'Direction', type: 'string', get: (c) => c.direction },
    ] satisfies ContextField[]
  ).map((f) => [f.abbrev, f]),
);

type Visit = (value: FieldValue) => boolean;

/** Where an operand's values come from, and their type. */
interface Source {
  name: string;
  type: FieldType;
  some(packet: ParsedPacket, context: DisplayFilterContext, visit: Visit): boolean;
}

const ALWAYS: Visit = () => true;

function fail(message: string, token: Token): never {
  throw new FilterSyntaxError(message, token.start, token.end - token.start);
}

function packetSource(def: FieldDef): Source {
  return {
    name: def.abbrev,
    type: def.type,
    some: (packet, _context, visit) => someValue(packet, def, visit),
  };
}

function protocolSource(def: ProtocolDef): Source {
  // A protocol's value is its bytes to the end of what it covers (Wireshark's FT_PROTOCOL).
  return {
    name: def.abbrev,
    type: 'protocol',
    some: (packet, _context, visit) => {
      for (const layer of packet.layers as Layer[])
        if (
          layer.kind === def.layer &&
          layer.limit > layer.offset &&
          (!def.matches || def.matches(layer)) &&
          visit(packet.bytes.subarray(layer.offset, layer.limit))
        )
          return true;
      return false;
    },
  };
}

function contextSource(def: ContextField): Source {
  return {
    name: def.abbrev,
    type: def.type,
    some: (_packet, context, visit) => {
      const value = def.get(context);
      return value !== undefined && visit(value);
    },
  };
}

const K8S_PROTOCOL: Source = {
  name: 'k8s',
  type: 'protocol',
  some: (_packet, context, visit) =>
    (context.node ?? context.namespace ?? context.pod ?? context.direction) !== undefined &&
    visit(new Uint8Array(0)),
};

/** The field, protocol or context field a word names, or undefined for a literal. */
function resolve(token: Token): Source | undefined {
  if (token.kind !== 'word') return undefined;
  const field = PACKET_FIELDS.get(token.text);
  if (field) return packetSource(field);
  const context = CONTEXT_FIELDS.get(token.text);
  if (context) return contextSource(context);
  const protocol = PROTOCOLS.get(token.text);
  if (protocol) return protocolSource(protocol);
  if (token.text === 'k8s') return K8S_PROTOCOL;
  return undefined;
}

function unknownName(token: Token): never {
  fail(`"${token.text}" is neither a field nor a protocol name.`, token);
}

function valueNamesOf(source: Source): Readonly<Record<string, number>> | undefined {
  return PACKET_FIELDS.get(source.name)?.valueNames;
}

/** The operand's source, with `& mask` applied to each value. */
function sourceOf(operand: Operand): Source | undefined {
  const source = resolve(operand.token);
  if (!source || !operand.mask) return source;
  if (!isUnsigned(source.type))
    fail(`${source.name} (type=${typeName(source.type)}) cannot be bitwise-ANDed.`, operand.token);
  const mask = parseInteger(operand.mask.value);
  if (mask === undefined || operand.mask.kind !== 'word')
    fail(`"${operand.mask.value}" is not a valid number.`, operand.mask);
  const inner = source;
  return {
    name: inner.name,
    type: inner.type,
    some: (packet, context, visit) => inner.some(packet, context, (v) => visit(((v as number) & mask) >>> 0)),
  };
}

function family(type: FieldType): string {
  return isUnsigned(type) ? 'uint' : type;
}

/** Compares a value with a constant: negative, zero or positive (NaN when unordered). */
function compareTo(constant: Constant): (value: FieldValue) => number {
  switch (constant.type) {
    case 'ipv4': {
      const mask = constant.prefix === 0 ? 0 : (0xffffffff << (32 - constant.prefix)) >>> 0;
      const network = (constant.value & mask) >>> 0;
      return (v) => {
        const masked = ((v as number) & mask) >>> 0;
        return masked === network ? 0 : (v as number) - constant.value;
      };
    }
    case 'ipv6':
      return (v) => compareBytes(v as Uint8Array, constant.value, constant.prefix);
    case 'bool':
      return (v) => Number(v) - Number(constant.value);
    case 'string':
      return (v) => ((v as string) === constant.value ? 0 : (v as string) < constant.value ? -1 : 1);
    case 'bytes':
      return (v) => compareBytes(v as Uint8Array, constant.value, constant.value.length * 8);
    default:
      return (v) => (v as number) - constant.value;
  }
}

/** Byte order; equal when the first `prefix` bits agree. */
function compareBytes(a: Uint8Array, b: Uint8Array, prefix: number): number {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  const bits = prefix & 7;
  if (bits > 0) {
    const mask = (0xff << (8 - bits)) & 0xff;
    const x = (a[whole] ?? 0) & mask;
    const y = (b[whole] ?? 0) & mask;
    if (x !== y) return x - y;
  }
  return prefix >= a.length * 8 ? a.length - b.length : 0;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0];
  outer: for (
    let i = haystack.indexOf(first as number);
    i >= 0 && i + needle.length <= haystack.length;
    i = haystack.indexOf(first as number, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

const OPERATOR_TEXT: Record<Relation, string> = {
  eq: '"=="',
  all_ne: '"!="',
  all_eq: '"==="',
  any_ne: '"!=="',
  lt: '"<"',
  gt: '">"',
  le: '"<="',
  ge: '">="',
  contains: 'contains',
  matches: 'matches',
};

/** The per-value test of a relation against a constant (before any/all). */
function valueTest(relation: Relation, source: Source, constant: Constant, token: Token): Visit {
  if (relation === 'contains') {
    if (constant.type === 'string') return (v) => (v as string).includes(constant.value);
    if (constant.type === 'bytes') return (v) => indexOfBytes(v as Uint8Array, constant.value) >= 0;
  }
  if (relation === 'matches') {
    let pattern: RegExp;
    try {
      pattern = new RegExp((constant as { value: string }).value, 'i');
    } catch (error) {
      fail(`"${token.value}" is not a valid regular expression: ${(error as Error).message}`, token);
    }
    return source.type === 'protocol'
      ? (v) => pattern.test(latin1(v as Uint8Array))
      : (v) => pattern.test(v as string);
  }
  const compare = compareTo(constant);
  switch (relation) {
    case 'lt':
      return (v) => compare(v) < 0;
    case 'gt':
      return (v) => compare(v) > 0;
    case 'le':
      return (v) => compare(v) <= 0;
    case 'ge':
      return (v) => compare(v) >= 0;
    default:
      return (v) => compare(v) === 0;
  }
}

/** Relations that hold for every value (all) or for one (any), and whether the test is negated. */
function semantics(
  relation: Relation,
  quantifier: 'any' | 'all' | undefined,
): { all: boolean; negate: boolean } {
  const negate = relation === 'all_ne' || relation === 'any_ne';
  const all = quantifier ? quantifier === 'all' : relation === 'all_ne' || relation === 'all_eq';
  return { all, negate };
}

function quantified(source: Source, test: Visit, all: boolean, negate: boolean): Predicate {
  const test2: Visit = negate ? (v) => !test(v) : test;
  if (!all) return (packet, context) => source.some(packet, context, test2);
  const failing: Visit = (v) => !test2(v);
  return (packet, context) => source.some(packet, context, ALWAYS) && !source.some(packet, context, failing);
}

function checkOperator(relation: Relation, source: Source, token: Token): void {
  const allowed =
    relation === 'contains'
      ? source.type === 'string' || source.type === 'protocol'
      : relation === 'matches'
        ? source.type === 'string' || source.type === 'protocol'
        : source.type !== 'protocol';
  if (!allowed)
    fail(
      `${source.name} (type=${typeName(source.type)}) cannot participate in ${OPERATOR_TEXT[relation]} comparison.`,
      token,
    );
}

function compileRelation(expr: Extract<Expr, { kind: 'relation' }>): Predicate {
  let { left, right, relation } = expr;
  let leftSource = sourceOf(left);
  let rightSource = sourceOf(right);
  if (!leftSource && rightSource && relation !== 'contains' && relation !== 'matches') {
    [left, right] = [right, left];
    [leftSource, rightSource] = [rightSource, leftSource];
    relation = ({ lt: 'gt', gt: 'lt', le: 'ge', ge: 'le' } as Record<string, Relation>)[relation] ?? relation;
  }
  if (!leftSource) unknownName(left.token);
  checkOperator(relation, leftSource, left.token);
  const { all, negate } = semantics(relation, expr.quantifier);
  if (rightSource) {
    if (
      family(rightSource.type) !== family(leftSource.type) ||
      relation === 'contains' ||
      relation === 'matches'
    )
      fail(`${leftSource.name} and ${rightSource.name} are not of compatible types.`, right.token);
    return fieldToField(leftSource, rightSource, relation, all, negate);
  }
  if (right.mask) fail(`"${right.token.value}" is neither a field nor a protocol name.`, right.token);
  const constant = constantFor(leftSource.type, leftSource.name, right.token, valueNamesOf(leftSource));
  if (
    (relation === 'contains' || relation === 'matches') &&
    constant.type !== 'string' &&
    constant.type !== 'bytes'
  )
    fail(
      `${leftSource.name} (type=${typeName(leftSource.type)}) cannot participate in ${OPERATOR_TEXT[relation]} comparison.`,
      left.token,
    );
  return quantified(leftSource, valueTest(relation, leftSource, constant, right.token), all, negate);
}

function fieldToField(
  left: Source,
  right: Source,
  relation: Relation,
  all: boolean,
  negate: boolean,
): Predicate {
  const compare = (a: FieldValue, b: FieldValue): number =>
    a instanceof Uint8Array
      ? compareBytes(a, b as Uint8Array, a.length * 8)
      : typeof a === 'string'
        ? a === b
          ? 0
          : a < (b as string)
            ? -1
            : 1
        : Number(a) - Number(b);
  const holds = (c: number) =>
    relation === 'lt'
      ? c < 0
      : relation === 'gt'
        ? c > 0
        : relation === 'le'
          ? c <= 0
          : relation === 'ge'
            ? c >= 0
            : c === 0;
  return (packet, context) => {
    const rights: FieldValue[] = [];
    right.some(packet, context, (v) => {
      rights.push(v);
      return false;
    });
    if (rights.length === 0) return false;
    const test: Visit = (v) => rights.some((r) => holds(compare(v, r)));
    return quantified(left, test, all, negate)(packet, context);
  };
}

function compileSet(expr: Extract<Expr, { kind: 'in' }>): Predicate {
  const source = sourceOf(expr.left);
  if (!source) unknownName(expr.left.token);
  if (source.type === 'protocol')
    fail(`${source.name} (type=Protocol) cannot participate in "in" comparison.`, expr.left.token);
  const tests = expr.set.map((element: SetElement): Visit => {
    const from = constantFor(source.type, source.name, element.from, valueNamesOf(source));
    if (!element.to) return valueTest('eq', source, from, element.from);
    const to = constantFor(source.type, source.name, element.to, valueNamesOf(source));
    const low = compareTo(from);
    const high = compareTo(to);
    return (v) => low(v) >= 0 && high(v) <= 0;
  });
  const test: Visit = (v) => {
    for (const t of tests) if (t(v)) return true;
    return false;
  };
  return quantified(source, test, expr.quantifier === 'all', false);
}

function compileTest(operand: Operand): Predicate {
  const source = sourceOf(operand);
  if (!source) unknownName(operand.token);
  if (operand.mask) {
    const nonzero: Visit = (v) => (v as number) !== 0;
    return (packet, context) => source.some(packet, context, nonzero);
  }
  const protocol = PROTOCOLS.get(source.name);
  if (protocol && source.type === 'protocol') return (packet) => protocolPresent(packet, protocol);
  return (packet, context) => source.some(packet, context, ALWAYS);
}

export function compileExpr(expr: Expr): Predicate {
  switch (expr.kind) {
    case 'and': {
      const left = compileExpr(expr.left);
      const right = compileExpr(expr.right);
      return (packet, context) => left(packet, context) && right(packet, context);
    }
    case 'or': {
      const left = compileExpr(expr.left);
      const right = compileExpr(expr.right);
      return (packet, context) => left(packet, context) || right(packet, context);
    }
    case 'not': {
      const inner = compileExpr(expr.expr);
      return (packet, context) => !inner(packet, context);
    }
    case 'test':
      return compileTest(expr.operand);
    case 'relation':
      return compileRelation(expr);
    case 'in':
      return compileSet(expr);
  }
}
