/**
 * Display-filter syntax: `not` binds tightest, then `and`, then `or` (as Wireshark's grammar);
 * relations compare an operand with a literal, another field, or a set.
 */
import { FilterSyntaxError, type Token, tokenize } from './lexer.js';

export type Relation =
  | 'eq'
  | 'all_ne'
  | 'all_eq'
  | 'any_ne'
  | 'lt'
  | 'gt'
  | 'le'
  | 'ge'
  | 'contains'
  | 'matches';

/** A field, protocol or literal, optionally bitwise-ANDed with a mask (`tcp.flags & 0x02`). */
export interface Operand {
  token: Token;
  mask?: Token;
}

export interface SetElement {
  from: Token;
  to?: Token;
}

export type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'test'; operand: Operand }
  | {
      kind: 'relation';
      relation: Relation;
      left: Operand;
      right: Operand;
      op: Token;
      quantifier?: 'any' | 'all';
    }
  | { kind: 'in'; left: Operand; set: SetElement[]; op: Token; quantifier?: 'any' | 'all' };

const RELATIONS: Record<string, Relation> = {
  '==': 'eq',
  eq: 'eq',
  '!=': 'all_ne',
  ne: 'all_ne',
  '===': 'all_eq',
  all_eq: 'all_eq',
  '!==': 'any_ne',
  '~=': 'any_ne',
  any_ne: 'any_ne',
  all_ne: 'all_ne',
  any_eq: 'eq',
  '<': 'lt',
  lt: 'lt',
  '>': 'gt',
  gt: 'gt',
  '<=': 'le',
  le: 'le',
  '>=': 'ge',
  ge: 'ge',
  contains: 'contains',
  matches: 'matches',
  '~': 'matches',
};

const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'in',
  ...Object.keys(RELATIONS).filter((k) => /^[a-z_]+$/.test(k)),
]);

export function parseFilter(text: string): Expr {
  const parser = new Parser(tokenize(text));
  const expr = parser.or();
  parser.expectEnd();
  return expr;
}

class Parser {
  private at = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.at] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.at++;
    return token;
  }

  private is(...texts: string[]): boolean {
    const token = this.peek();
    return (token.kind === 'op' || token.kind === 'word') && texts.includes(token.text);
  }

  private unexpected(token: Token): FilterSyntaxError {
    if (token.kind === 'end')
      return new FilterSyntaxError('Unexpected end of filter expression.', token.start, 0);
    return new FilterSyntaxError(
      `"${token.text}" was unexpected in this context.`,
      token.start,
      token.end - token.start,
    );
  }

  expectEnd(): void {
    if (this.peek().kind !== 'end') throw this.unexpected(this.peek());
  }

  or(): Expr {
    let left = this.and();
    while (this.is('or', '||')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.is('and', '&&')) {
      this.next();
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    if (this.is('not', '!')) {
      this.next();
      return { kind: 'not', expr: this.not() };
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.peek();
    if (token.kind === '(') {
      this.next();
      const expr = this.or();
      if (this.peek().kind !== ')') throw this.unexpected(this.peek());
      this.next();
      return expr;
    }
    let quantifier: 'any' | 'all' | undefined;
    if (
      token.kind === 'word' &&
      (token.text === 'any' || token.text === 'all') &&
      this.tokens[this.at + 1]?.kind === 'word'
    ) {
      quantifier = token.text;
      this.next();
    }
    const left = this.operand();
    const op = this.peek();
    if (op.kind === 'word' && op.text === 'in') {
      this.next();
      return { kind: 'in', left, set: this.set(), op, quantifier };
    }
    const relation =
      (op.kind === 'op' || op.kind === 'word') && Object.hasOwn(RELATIONS, op.text)
        ? RELATIONS[op.text]
        : undefined;
    if (!relation) {
      if (quantifier) throw this.unexpected(op);
      return { kind: 'test', operand: left };
    }
    this.next();
    return { kind: 'relation', relation, left, right: this.operand(), op, quantifier };
  }

  private value(): Token {
    const token = this.next();
    if (token.kind === 'string') return token;
    if (token.kind === 'word' && !KEYWORDS.has(token.text)) return token;
    throw this.unexpected(token);
  }

  private operand(): Operand {
    const token = this.value();
    if (this.is('&')) {
      this.next();
      return { token, mask: this.value() };
    }
    return { token };
  }

  private set(): SetElement[] {
    const open = this.next();
    if (open.kind !== '{') throw this.unexpected(open);
    const elements: SetElement[] = [];
    while (this.peek().kind !== '}') {
      if (elements.length > 0 && this.peek().kind === ',') this.next();
      const from = this.value();
      if (this.is('..')) {
        this.next();
        elements.push({ from, to: this.value() });
      } else elements.push({ from });
    }
    if (elements.length === 0) throw this.unexpected(this.peek());
    this.next();
    return elements;
  }
}
