/**
 * HTTP/1.x request and status lines and headers, from one TCP segment. Wireshark reassembles
 * headers and bodies spread over several segments; a per-packet decoder shows what this segment
 * holds (a request line without the rest of its headers is still shown as HTTP).
 */
import { asciiOf } from './bytes.js';
import { type FieldDef, type FieldVisitor, field, multiField, type ProtocolDef } from './field.js';
import { node, TreeBuilder } from './tree.js';
import type { DissectionNode, HttpHeader, HttpLayer } from './types.js';

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'CONNECT',
  'TRACE',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
].map((m) => Uint8Array.from(Buffer.from(`${m} `, 'latin1')));
const RESPONSE_START = Uint8Array.from(Buffer.from('HTTP/1.', 'latin1'));
/** Header lines decoded per message; the rest are left out. */
const MAX_HEADERS = 100;

function startsWith(bytes: Uint8Array, at: number, end: number, prefix: Uint8Array): boolean {
  if (at + prefix.length > end) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/**
 * True when the payload starts like an HTTP/1.x request ("GET /…") or status line ("HTTP/1.1 200").
 * This alone decides, on any port: Wireshark 4.0 does the same for the first segment it sees
 * (its "HTTP over TCP" heuristic finds HTTP on port 3000, 8000 or 12345, and on port 80 a
 * payload that does not look like HTTP stays plain TCP), which the tshark comparison checks.
 */
export function looksLikeHttp(bytes: Uint8Array, at: number, end: number): boolean {
  const first = bytes[at];
  if (first === 0x48 && startsWith(bytes, at, end, RESPONSE_START)) return true;
  if (first === undefined || first < 0x41 || first > 0x55) return false;
  for (const method of METHODS) if (startsWith(bytes, at, end, method)) return true;
  return false;
}

/** End of the line starting at `at` (the CR of CRLF, or the LF), or -1 when it does not end before `end`. */
function lineEnd(bytes: Uint8Array, at: number, end: number): number {
  for (let i = at; i < end; i++) {
    if (bytes[i] === 0x0a) return i > at && bytes[i - 1] === 0x0d ? i - 1 : i;
  }
  return -1;
}

function nextLine(bytes: Uint8Array, eol: number): number {
  return bytes[eol] === 0x0d ? eol + 2 : eol + 1;
}

export function parseHttp(bytes: Uint8Array, offset: number, claimedEnd: number): HttpLayer {
  const limit = Math.min(claimedEnd, bytes.length);
  let eol = lineEnd(bytes, offset, limit);
  const firstEnd = eol < 0 ? limit : eol;
  const parts = splitFirstLine(bytes, offset, firstEnd);
  const text = (part: [number, number] | undefined) => (part ? asciiOf(bytes, part[0], part[1]) : '');
  const request = !(bytes[offset] === 0x48 && startsWith(bytes, offset, firstEnd, RESPONSE_START));
  const code = request ? '' : text(parts[1]);
  const layer: HttpLayer = {
    kind: 'http',
    offset,
    limit,
    problem: undefined,
    inner: false,
    request,
    method: request ? text(parts[0]) : '',
    uri: request ? text(parts[1]) : '',
    version: request ? text(parts[2]) : text(parts[0]),
    code: /^\d{3}$/.test(code) ? Number(code) : -1,
    phrase: request ? '' : text(parts[2]),
    firstLineLength: firstEnd - offset,
    firstLineEnded: eol >= 0,
    parts,
    lines: [],
    decoded: undefined,
    blankLine: -1,
    bodyOffset: -1,
  };
  // The capture ends inside the message: Wireshark hits the end while reading it.
  if (limit < claimedEnd) layer.problem = { kind: 'truncated', detail: 'HTTP message cut by the capture' };
  if (eol < 0) return layer;
  let at = nextLine(bytes, eol);
  while (at < limit && layer.lines.length < 3 * MAX_HEADERS) {
    eol = lineEnd(bytes, at, limit);
    if (eol === at) {
      layer.blankLine = at;
      layer.bodyOffset = Math.min(nextLine(bytes, eol), limit);
      return layer;
    }
    // Only where the line lies: names and values are decoded when a field or the tree asks.
    layer.lines.push(at, (eol < 0 ? limit : eol) - at, eol < 0 ? 0 : 1);
    if (eol < 0) return layer;
    at = nextLine(bytes, eol);
  }
  return layer;
}

/**
 * The three parts of a request line (method, URI, version: split at the first and last space) or
 * of a status line (version, code, phrase: split at the first two spaces), as byte ranges.
 */
function splitFirstLine(bytes: Uint8Array, start: number, end: number): Array<[number, number]> {
  const first = bytes.indexOf(0x20, start);
  if (first < 0 || first >= end) return [[start, end]];
  const response = bytes[start] === 0x48 && startsWith(bytes, start, end, RESPONSE_START);
  let second = -1;
  if (response) {
    const at = bytes.indexOf(0x20, first + 1);
    second = at >= 0 && at < end ? at : -1;
  } else {
    for (let i = end - 1; i > first; i--)
      if (bytes[i] === 0x20) {
        second = i;
        break;
      }
  }
  if (second < 0)
    return [
      [start, first],
      [first + 1, end],
    ];
  return [
    [start, first],
    [first + 1, second],
    [second + 1, end],
  ];
}

/** The header lines as names and values (decoded once, then kept on the layer). */
export function httpHeaders(layer: HttpLayer, bytes: Uint8Array): HttpHeader[] {
  if (layer.decoded) return layer.decoded;
  const out: HttpHeader[] = [];
  for (let i = 0; i < layer.lines.length; i += 3) {
    const offset = layer.lines[i] as number;
    const length = layer.lines[i + 1] as number;
    const line = asciiOf(bytes, offset, offset + length);
    const colon = line.indexOf(':');
    out.push({
      offset,
      length,
      ended: layer.lines[i + 2] === 1,
      name: colon < 0 ? line : line.slice(0, colon),
      value: colon < 0 ? '' : line.slice(colon + 1).trim(),
    });
  }
  layer.decoded = out;
  return out;
}

export function httpHeader(layer: HttpLayer, bytes: Uint8Array, name: string): HttpHeader | undefined {
  const lower = name.toLowerCase();
  return httpHeaders(layer, bytes).find((h) => h.name.toLowerCase() === lower);
}

function mediaType(layer: HttpLayer, bytes: Uint8Array): string | undefined {
  const type = httpHeader(layer, bytes, 'content-type')?.value;
  return type?.split(';')[0]?.trim().toLowerCase();
}

function bodyLength(layer: HttpLayer): number {
  return layer.bodyOffset < 0 ? 0 : Math.max(0, layer.limit - layer.bodyOffset);
}

/** "GET /index.html HTTP/1.1 ", "HTTP/1.1 200 OK  (text/html)": Wireshark's columns, trailing space included. */
export function httpSummary(layer: HttpLayer, bytes: Uint8Array): { protocol: string; info: string } {
  let info = `${asciiOf(bytes, layer.offset, layer.offset + layer.firstLineLength)} `;
  const type = bodyLength(layer) > 0 ? mediaType(layer, bytes) : undefined;
  if (type === 'application/json')
    return { protocol: 'HTTP/JSON', info: `${info}, JavaScript Object Notation (${type})` };
  if (type) info += ` (${type})`;
  return { protocol: 'HTTP', info };
}

export function httpTree(layer: HttpLayer, bytes: Uint8Array): DissectionNode {
  const t = new TreeBuilder(layer.limit);
  const at = layer.offset;
  const first = layer.firstLineLength;
  const names = layer.request
    ? [
        ['Request Method', 'http.request.method'],
        ['Request URI', 'http.request.uri'],
        ['Request Version', 'http.request.version'],
      ]
    : [
        ['Response Version', 'http.response.version'],
        ['Status Code', 'http.response.code'],
        ['Response Phrase', 'http.response.phrase'],
      ];
  const firstChildren = layer.parts.map(([start, end], i) => {
    const [name, abbrev] = names[i] as [string, string];
    return node(`${name}: ${asciiOf(bytes, start, end)}`, start, end - start, abbrev);
  });
  const crlf = (ended: boolean) => (ended ? '\\r\\n' : '');
  t.push(
    node(
      `${asciiOf(bytes, at, at + first)}${crlf(layer.firstLineEnded)}`,
      at,
      first,
      undefined,
      firstChildren,
    ),
  );
  for (const header of httpHeaders(layer, bytes))
    t.push(
      node(
        `${asciiOf(bytes, header.offset, header.offset + header.length)}${crlf(header.ended)}`,
        header.offset,
        header.length,
        HEADER_FIELDS[header.name.toLowerCase()],
      ),
    );
  if (layer.blankLine >= 0) {
    t.push(node('\\r\\n', layer.blankLine, layer.bodyOffset - layer.blankLine));
    const body = bodyLength(layer);
    if (body > 0) t.push(node(`File Data: ${body} bytes`, layer.bodyOffset, body, 'http.file_data'));
  }
  return t.build('Hypertext Transfer Protocol', 'http', at, layer.limit - at);
}

/** Header names with a field of their own (Wireshark's http.* names). */
const HEADER_FIELDS: Record<string, string> = {
  host: 'http.host',
  'user-agent': 'http.user_agent',
  'content-type': 'http.content_type',
  'content-length': 'http.content_length_header',
  server: 'http.server',
  referer: 'http.referer',
  location: 'http.location',
  cookie: 'http.cookie',
  'set-cookie': 'http.set_cookie',
  authorization: 'http.authorization',
  accept: 'http.accept',
  connection: 'http.connection',
};

export const HTTP_PROTOCOLS: ProtocolDef[] = [
  { abbrev: 'http', name: 'Hypertext Transfer Protocol', layer: 'http' },
];

function headerField(name: string, abbrev: string, title: string): FieldDef {
  return multiField('http', abbrev, title, 'string', (l: HttpLayer, b: Uint8Array, visit: FieldVisitor) => {
    for (const header of httpHeaders(l, b))
      if (header.name.toLowerCase() === name && visit(header.value)) return true;
    return false;
  });
}

export const HTTP_FIELDS: FieldDef[] = [
  field('http', 'http.request', 'Request', 'bool', (l) => (l.request ? true : undefined)),
  field('http', 'http.response', 'Response', 'bool', (l) => (l.request ? undefined : true)),
  field('http', 'http.request.method', 'Request Method', 'string', (l) => (l.request ? l.method : undefined)),
  field('http', 'http.request.uri', 'Request URI', 'string', (l) => (l.request ? l.uri : undefined)),
  field('http', 'http.request.version', 'Request Version', 'string', (l) =>
    l.request && l.parts.length === 3 ? l.version : undefined,
  ),
  field('http', 'http.response.version', 'Response Version', 'string', (l) =>
    l.request ? undefined : l.version,
  ),
  field('http', 'http.response.code', 'Status Code', 'uint16', (l) =>
    l.request || l.code < 0 ? undefined : l.code,
  ),
  field('http', 'http.response.phrase', 'Response Phrase', 'string', (l) =>
    l.request ? undefined : l.phrase,
  ),
  headerField('host', 'http.host', 'Host'),
  headerField('user-agent', 'http.user_agent', 'User-Agent'),
  headerField('content-type', 'http.content_type', 'Content-Type'),
  headerField('server', 'http.server', 'Server'),
  headerField('referer', 'http.referer', 'Referer'),
  headerField('location', 'http.location', 'Location'),
  headerField('cookie', 'http.cookie', 'Cookie'),
  headerField('authorization', 'http.authorization', 'Authorization'),
  headerField('accept', 'http.accept', 'Accept'),
  headerField('connection', 'http.connection', 'Connection'),
  multiField('http', 'http.content_length', 'Content length', 'uint32', (l, b, visit) => {
    const header = httpHeader(l, b, 'content-length');
    return header !== undefined && /^\d+$/.test(header.value) && visit(Number(header.value));
  }),
];
