/**
 * Literal values converted to a field's type, with Wireshark's error messages: numbers (decimal,
 * 0x hex, 0 octal, value names), booleans, IPv4/IPv6 addresses with CIDR prefixes, MAC addresses
 * and strings.
 */
import { isIPv6 } from 'node:net';
import type { FieldType } from '../field.js';
import { FilterSyntaxError, type Token } from './lexer.js';

/** A literal ready to compare: addresses carry their prefix length (32/128 = exact). */
export type Constant =
  | { type: 'number'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'ipv4'; value: number; prefix: number }
  | { type: 'ipv6'; value: Uint8Array; prefix: number }
  | { type: 'bytes'; value: Uint8Array };

const TYPE_NAMES: Record<FieldType, string> = {
  uint8: 'Unsigned integer (1 byte)',
  uint16: 'Unsigned integer (2 bytes)',
  uint24: 'Unsigned integer (3 bytes)',
  uint32: 'Unsigned integer (4 bytes)',
  bool: 'Boolean',
  ipv4: 'IPv4 address',
  ipv6: 'IPv6 address',
  ether: 'Ethernet or other MAC address',
  string: 'Character string',
  protocol: 'Protocol',
};

const MAXIMA: Partial<Record<FieldType, number>> = {
  uint8: 0xff,
  uint16: 0xffff,
  uint24: 0xffffff,
  uint32: 0xffffffff,
};

export function typeName(type: FieldType): string {
  return TYPE_NAMES[type];
}

export function isUnsigned(type: FieldType): boolean {
  return MAXIMA[type] !== undefined;
}

function fail(message: string, token: Token): never {
  throw new FilterSyntaxError(message, token.start, token.end - token.start);
}

/** strtoul with base 0, as Wireshark reads integers: 0x hex, leading 0 octal, else decimal. */
export function parseInteger(text: string): number | undefined {
  const negative = text.startsWith('-');
  const digits = negative || text.startsWith('+') ? text.slice(1) : text;
  let value: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(digits)) value = Number.parseInt(digits.slice(2), 16);
  else if (/^0[0-7]*$/.test(digits)) value = Number.parseInt(digits, 8);
  else if (/^[1-9][0-9]*$/.test(digits)) value = Number(digits);
  else return undefined;
  return negative ? -value : value;
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function parseIpv6(text: string): Uint8Array | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let s = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex words.
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIpv4(tail);
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  const left = halves[0] ? halves[0].split(':') : [];
  const right = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  const words =
    halves.length > 1
      ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
      : left;
  if (words.length !== 8) return undefined;
  const out = new Uint8Array(16);
  words.forEach((word, i) => {
    const value = Number.parseInt(word, 16);
    out[i * 2] = value >> 8;
    out[i * 2 + 1] = value & 0xff;
  });
  return out;
}

/** 02:00:00:00:00:01, 02-00-00-00-00-01 or 0200.0000.0001 as a 48-bit number. */
function parseMac(token: Token): number {
  const text = token.value;
  const groups = text.includes('.') && !text.includes(':') ? text.split('.') : text.split(/[:-]/);
  const hex = groups.join('');
  if (
    !groups.every((g) => /^[0-9a-fA-F]+$/.test(g) && g.length % 2 === 0 && g.length <= 4) ||
    hex.length % 2 !== 0
  )
    fail(`"${text}" is not a valid Ethernet address.`, token);
  if (hex.length < 12) fail(`"${text}" contains too few bytes to be a valid Ethernet address.`, token);
  if (hex.length > 12) fail(`"${text}" contains too many bytes to be a valid Ethernet address.`, token);
  return Number.parseInt(hex, 16);
}

/** A byte string like 47:45:54 (for `contains` on protocols), or undefined. */
export function parseByteString(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{2}([:.-][0-9a-fA-F]{2})*$/.test(text)) return undefined;
  return Uint8Array.from(text.split(/[:.-]/), (h) => Number.parseInt(h, 16));
}

/**
 * The literal `token` as a value of a field of `type` named `abbrev`. Quoted strings only convert
 * to string fields, as in Wireshark.
 */
export function constantFor(
  type: FieldType,
  abbrev: string,
  token: Token,
  valueNames?: Readonly<Record<string, number>>,
): Constant {
  const text = token.value;
  if (token.kind === 'string' && type !== 'string' && type !== 'protocol')
    fail(`${typeName(type)} cannot be converted from a string ("${text}").`, token);
  switch (type) {
    case 'string':
      return { type: 'string', value: text };
    case 'protocol': {
      const bytes = token.kind === 'word' ? parseByteString(text) : undefined;
      return { type: 'bytes', value: bytes ?? Uint8Array.from(Buffer.from(text, 'utf8')) };
    }
    case 'bool': {
      if (text === 'True' || text === 'true') return { type: 'bool', value: true };
      if (text === 'False' || text === 'false') return { type: 'bool', value: false };
      const number = parseInteger(text);
      if (number === undefined)
        fail(`"${text}" cannot be found among the possible values for ${abbrev}.`, token);
      return { type: 'bool', value: number !== 0 };
    }
    case 'ipv4': {
      const [address = '', bits, extra] = text.split('/');
      const value = parseIpv4(address);
      if (value === undefined || extra !== undefined)
        fail(`"${text}" is not a valid hostname or IPv4 address.`, token);
      if (bits === undefined) return { type: 'ipv4', value, prefix: 32 };
      const prefix = /^\d+$/.test(bits) ? Number(bits) : Number.NaN;
      if (!(prefix <= 32)) fail(`Netmask bits in a CIDR IPv4 address should be <= 32, not ${bits}`, token);
      return { type: 'ipv4', value, prefix };
    }
    case 'ipv6': {
      const [address = '', bits, extra] = text.split('/');
      const value = parseIpv6(address);
      if (value === undefined || extra !== undefined)
        fail(`"${text}" is not a valid hostname or IPv6 address.`, token);
      if (bits === undefined) return { type: 'ipv6', value, prefix: 128 };
      const prefix = /^\d+$/.test(bits) ? Number(bits) : Number.NaN;
      if (!(prefix <= 128)) fail(`Prefix in a IPv6 address should be <= 128, not ${bits}`, token);
      return { type: 'ipv6', value, prefix };
    }
    case 'ether':
      return { type: 'number', value: parseMac(token) };
    default: {
      const named = valueNames?.[text];
      const value = named ?? parseInteger(text);
      if (value === undefined) fail(`"${text}" is not a valid number.`, token);
      const max = MAXIMA[type] as number;
      if (value > max) fail(`"${text}" too big for this field, maximum ${max}.`, token);
      return { type: 'number', value };
    }
  }
}
