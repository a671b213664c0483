/** Tokens of a Wireshark display filter, each with its position for error carets. */

export type TokenKind =
  | 'word' // field name, protocol name, keyword or unquoted literal (10.0.0.1, 0x50, 02:00:…)
  | 'string' // "quoted"
  | 'op' // == != === !== ~= < > <= >= && || ! & ~ ..
  | '('
  | ')'
  | '{'
  | '}'
  | ','
  | 'end';

export interface Token {
  kind: TokenKind;
  text: string;
  /** For strings: the value with escapes resolved. */
  value: string;
  start: number;
  end: number;
}

export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
    readonly length: number,
  ) {
    super(message);
  }
}

const OPERATORS = [
  '===',
  '!==',
  '==',
  '!=',
  '~=',
  '<=',
  '>=',
  '&&',
  '||',
  '..',
  '<',
  '>',
  '!',
  '&',
  '~',
  '=',
];
const WORD = /[A-Za-z0-9_.:/\-+%]/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const c = text[at] as string;
    if (/\s/.test(c)) {
      at++;
      continue;
    }
    if ('(){},'.includes(c)) {
      tokens.push({ kind: c as TokenKind, text: c, value: c, start: at, end: at + 1 });
      at++;
      continue;
    }
    if (c === '"') {
      const token = quoted(text, at);
      tokens.push(token);
      at = token.end;
      continue;
    }
    if (c === '[')
      throw new FilterSyntaxError('Slices ([…]) are not supported by ClusterTap’s display filter.', at, 1);
    if (WORD.test(c) && !text.startsWith('..', at)) {
      let end = at;
      while (end < text.length && WORD.test(text[end] as string) && !text.startsWith('..', end)) end++;
      const word = text.slice(at, end);
      tokens.push({ kind: 'word', text: word, value: word, start: at, end });
      at = end;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, at));
    if (op === '=') throw new FilterSyntaxError('"=" was unexpected in this context.', at, 1);
    if (op) {
      tokens.push({ kind: 'op', text: op, value: op, start: at, end: at + op.length });
      at += op.length;
      continue;
    }
    throw new FilterSyntaxError(`"${c}" was unexpected in this context.`, at, 1);
  }
  tokens.push({ kind: 'end', text: '', value: '', start: text.length, end: text.length });
  return tokens;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

function quoted(text: string, start: number): Token {
  let value = '';
  let at = start + 1;
  while (at < text.length) {
    const c = text[at] as string;
    if (c === '"') return { kind: 'string', text: text.slice(start, at + 1), value, start, end: at + 1 };
    if (c === '\\') {
      const next = text[at + 1];
      if (next === undefined) break;
      if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(at + 2, at + 4))) {
        value += String.fromCharCode(Number.parseInt(text.slice(at + 2, at + 4), 16));
        at += 4;
        continue;
      }
      const escaped = ESCAPES[next];
      if (escaped === undefined)
        throw new FilterSyntaxError(`"\\${next}" is not a valid escape sequence.`, at, 2);
      value += escaped;
      at += 2;
      continue;
    }
    value += c;
    at++;
  }
  throw new FilterSyntaxError(
    'The final quote was missing from a quoted string.',
    start,
    text.length - start,
  );
}
