/**
 * DNS (RFC 1035) over UDP, over TCP (a 2-byte length first) and as Multicast DNS (RFC 6762):
 * header, questions and resource records with name compression.
 */
import { asciiOf, hexNumber, ipv4At, ipv6At, read16, read32, u16 } from './bytes.js';
import { bit, type FieldDef, type FieldVisitor, field, multiField, type ProtocolDef } from './field.js';
import { node, shortfall, TreeBuilder } from './tree.js';
import type { DissectionNode, DnsLayer, DnsQuestion, DnsRecord } from './types.js';

export const DNS_PORTS: ReadonlySet<number> = new Set([53]);
export const MDNS_PORT = 5353;
/** Records decoded per message; the rest are left out of the tree, fields and Info. */
const MAX_RECORDS = 256;
/** Compression pointers followed per name before it is declared a loop. */
const MAX_POINTERS = 64;

const TYPES: Record<number, [string, string]> = {
  1: ['A', 'Host Address'],
  2: ['NS', 'authoritative Name Server'],
  5: ['CNAME', 'Canonical NAME for an alias'],
  6: ['SOA', 'Start Of a zone of Authority'],
  12: ['PTR', 'domain name PoinTeR'],
  13: ['HINFO', 'host information'],
  15: ['MX', 'Mail eXchange'],
  16: ['TXT', 'Text strings'],
  28: ['AAAA', 'IP6 Address'],
  33: ['SRV', 'Server Selection'],
  35: ['NAPTR', 'Naming Authority PoinTeR'],
  41: ['OPT', ''],
  43: ['DS', 'Delegation Signer'],
  46: ['RRSIG', 'Resource Record Signature'],
  47: ['NSEC', 'Next Secure'],
  48: ['DNSKEY', 'DNS Public Key'],
  50: ['NSEC3', 'Next Secure v3'],
  64: ['SVCB', 'General Purpose Service Binding'],
  65: ['HTTPS', 'HTTPS Specific Service Endpoints'],
  99: ['SPF', ''],
  252: ['AXFR', 'transfer of an entire zone'],
  255: ['ANY', 'A request for all records the server/cache has available'],
  257: ['CAA', 'Certification Authority Restriction'],
};

const OPCODES: Record<number, string> = {
  0: 'Standard query',
  1: 'Inverse query',
  2: 'Server status request',
  4: 'Zone change notification',
  5: 'Dynamic update',
};

const RCODES: Record<number, string> = {
  0: 'No error',
  1: 'Format error',
  2: 'Server failure',
  3: 'No such name',
  4: 'Not implemented',
  5: 'Refused',
  6: 'Name exists',
  7: 'RRset exists',
  8: 'RRset does not exist',
  9: 'Not authoritative',
  10: 'Name out of zone',
};

export function dnsTypeName(type: number): string {
  return TYPES[type]?.[0] ?? `Unknown (${type})`;
}

/**
 * A (possibly compressed) name at `at`; `start` is the message's first byte, which pointers
 * count from. Undefined when a label runs past `limit`, a pointer loops, or the name is too long.
 */
export function readDnsName(
  bytes: Uint8Array,
  at: number,
  start: number,
  limit: number,
): { name: string; length: number } | undefined {
  let name = '';
  let length = -1;
  let pointers = 0;
  let total = 0;
  let cursor = at;
  for (;;) {
    if (cursor >= limit) return undefined;
    const size = bytes[cursor] as number;
    if (size === 0) {
      if (length < 0) length = cursor + 1 - at;
      return { name: name || '<Root>', length };
    }
    if ((size & 0xc0) === 0xc0) {
      if (cursor + 2 > limit || ++pointers > MAX_POINTERS) return undefined;
      if (length < 0) length = cursor + 2 - at;
      cursor = start + (((size & 0x3f) << 8) | (bytes[cursor + 1] as number));
      continue;
    }
    if ((size & 0xc0) !== 0 || cursor + 1 + size > limit) return undefined;
    total += size + 1;
    if (total > 255) return undefined;
    name += (name ? '.' : '') + asciiOf(bytes, cursor + 1, cursor + 1 + size);
    cursor += 1 + size;
  }
}

/**
 * The DNS message at `offset` (after the 2-byte length when `overTcp`). Questions and records
 * are decoded until one does not fit; the layer then says whether the capture or the message
 * was too short.
 */
export function parseDns(
  bytes: Uint8Array,
  offset: number,
  claimedEnd: number,
  options: { mdns: boolean; overTcp: boolean },
): DnsLayer {
  const captured = bytes.length;
  const start = options.overTcp ? offset + 2 : offset;
  let end = claimedEnd;
  if (options.overTcp) {
    const stated = u16(bytes, offset, Math.min(claimedEnd, captured));
    if (stated !== undefined) end = Math.min(claimedEnd, start + stated);
  }
  const limit = Math.min(end, captured);
  const layer: DnsLayer = {
    kind: 'dns',
    offset,
    limit,
    problem: shortfall('DNS header', start, 12, end, captured),
    inner: false,
    mdns: options.mdns,
    messageOffset: start,
    id: u16(bytes, start, limit) ?? -1,
    flags: u16(bytes, start + 2, limit) ?? 0,
    counts: [
      u16(bytes, start + 4, limit) ?? 0,
      u16(bytes, start + 6, limit) ?? 0,
      u16(bytes, start + 8, limit) ?? 0,
      u16(bytes, start + 10, limit) ?? 0,
    ],
    questions: [],
    records: [],
  };
  if (layer.problem) return layer;
  let at = start + 12;
  const [questions, answers, authority, additional] = layer.counts;
  for (let i = 0; i < questions && i < MAX_RECORDS; i++) {
    const question = readQuestion(bytes, at, start, limit, layer.mdns);
    if (!question) return withProblem(layer, at, end, captured);
    layer.questions.push(question);
    at += question.length;
  }
  const sections: Array<[DnsRecord['section'], number]> = [
    ['answer', answers],
    ['authority', authority],
    ['additional', additional],
  ];
  for (const [section, count] of sections) {
    for (let i = 0; i < count && layer.records.length < MAX_RECORDS; i++) {
      const record = readRecord(bytes, at, start, limit, section, layer.mdns);
      if (!record) return withProblem(layer, at, end, captured);
      layer.records.push(record);
      at += record.length;
    }
  }
  return layer;
}

function withProblem(layer: DnsLayer, at: number, end: number, captured: number): DnsLayer {
  layer.problem =
    at < Math.min(end, captured) && end <= captured
      ? { kind: 'malformed', detail: 'DNS record does not fit in the message (or its name is invalid)' }
      : (shortfall('DNS record', at, Math.max(1, Math.min(end, captured) - at + 1), end, captured) ?? {
          kind: 'malformed',
          detail: 'DNS record does not fit in the message',
        });
  return layer;
}

function readQuestion(
  bytes: Uint8Array,
  at: number,
  start: number,
  limit: number,
  mdns: boolean,
): DnsQuestion | undefined {
  const name = readDnsName(bytes, at, start, limit);
  if (!name || at + name.length + 4 > limit) return undefined;
  const klass = read16(bytes, at + name.length + 2);
  return {
    offset: at,
    length: name.length + 4,
    name: name.name,
    nameLength: name.length,
    type: read16(bytes, at + name.length),
    class: mdns ? klass & 0x7fff : klass,
    rawClass: klass,
  };
}

function readRecord(
  bytes: Uint8Array,
  at: number,
  start: number,
  limit: number,
  section: DnsRecord['section'],
  mdns: boolean,
): DnsRecord | undefined {
  const name = readDnsName(bytes, at, start, limit);
  if (!name) return undefined;
  const fixed = at + name.length;
  if (fixed + 10 > limit) return undefined;
  const type = read16(bytes, fixed);
  const klass = read16(bytes, fixed + 2);
  const dataLength = read16(bytes, fixed + 8);
  const dataOffset = fixed + 10;
  if (dataOffset + dataLength > limit) return undefined;
  return {
    offset: at,
    length: name.length + 10 + dataLength,
    name: name.name,
    nameLength: name.length,
    type,
    class: mdns && type !== 41 ? klass & 0x7fff : klass,
    rawClass: klass,
    section,
    ttl: read32(bytes, fixed + 4),
    dataOffset,
    dataLength,
    data: recordData(bytes, type, dataOffset, dataLength, start, limit),
  };
}

/** The record's data as Wireshark's Info column shows it after the type. */
function recordData(
  bytes: Uint8Array,
  type: number,
  at: number,
  length: number,
  start: number,
  limit: number,
): string {
  const name = (from: number) => readDnsName(bytes, from, start, limit)?.name ?? '';
  switch (type) {
    case 1:
      return length === 4 ? ipv4At(bytes, at) : '';
    case 28:
      return length === 16 ? ipv6At(bytes, at) : '';
    case 2:
    case 5:
    case 12:
    case 6:
      return name(at);
    case 15:
      return length >= 3 ? `${read16(bytes, at)} ${name(at + 2)}` : '';
    case 33:
      return length >= 7
        ? `${read16(bytes, at)} ${read16(bytes, at + 2)} ${read16(bytes, at + 4)} ${name(at + 6)}`
        : '';
    default:
      return '';
  }
}

/** "Standard query 0x1a2b A example.com", "Standard query response 0x1a2b A example.com A 1.2.3.4". */
export function dnsSummary(layer: DnsLayer): { protocol: string; info: string } {
  const protocol = layer.mdns ? 'MDNS' : 'DNS';
  if (layer.id < 0) return { protocol, info: '' };
  const flags = layer.flags;
  const response = (flags & 0x8000) !== 0;
  const opcode = (flags >> 11) & 0xf;
  let info = `${OPCODES[opcode] ?? `Unknown operation (${opcode})`}${response ? ' response' : ''} ${hexNumber(layer.id, 4)}`;
  const rcode = flags & 0xf;
  if (response && rcode !== 0) info += ` ${RCODES[rcode] ?? `Unknown error (${rcode})`}`;
  for (const q of layer.questions) {
    info += ` ${dnsTypeName(q.type)} ${q.name}`;
    if (layer.mdns) info += q.rawClass & 0x8000 ? ', "QU" question' : ', "QM" question';
  }
  for (const r of layer.records) {
    info += ` ${dnsTypeName(r.type)}`;
    if (layer.mdns && r.type !== 41 && r.rawClass & 0x8000) info += ', cache flush';
    if (r.data) info += ` ${r.data}`;
  }
  return { protocol, info };
}

function sectionNode(title: string, items: DissectionNode[]): DissectionNode | undefined {
  if (items.length === 0) return undefined;
  const first = items[0] as DissectionNode;
  const last = items[items.length - 1] as DissectionNode;
  return node(title, first.offset, last.offset + last.length - first.offset, undefined, items);
}

function className(klass: number): string {
  return klass === 1 ? 'IN' : klass === 3 ? 'CH' : klass === 255 ? 'ANY' : hexNumber(klass, 4);
}

function typeLabel(type: number): string {
  const entry = TYPES[type];
  if (!entry) return `Unknown (${type})`;
  return entry[1] ? `${entry[0]} (${entry[1]}) (${type})` : `${entry[0]} (${type})`;
}

function questionNode(q: DnsQuestion, bytes: Uint8Array): DissectionNode {
  const at = q.offset + q.nameLength;
  return node(
    `${q.name}: type ${dnsTypeName(q.type)}, class ${className(q.class)}`,
    q.offset,
    q.length,
    undefined,
    [
      node(`Name: ${q.name}`, q.offset, q.nameLength, 'dns.qry.name'),
      node(`Type: ${typeLabel(q.type)}`, at, 2, 'dns.qry.type'),
      node(
        `Class: ${className(q.class)} (${hexNumber(read16(bytes, at + 2) & 0x7fff, 4)})`,
        at + 2,
        2,
        'dns.qry.class',
      ),
    ],
  );
}

function recordNode(r: DnsRecord): DissectionNode {
  const at = r.offset + r.nameLength;
  const children = [
    node(`Name: ${r.name}`, r.offset, r.nameLength, 'dns.resp.name'),
    node(`Type: ${typeLabel(r.type)}`, at, 2, 'dns.resp.type'),
  ];
  if (r.type === 41)
    children.push(node(`UDP payload size: ${r.class}`, at + 2, 2, 'dns.rr.udp_payload_size'));
  else {
    children.push(
      node(`Class: ${className(r.class)} (${hexNumber(r.class, 4)})`, at + 2, 2, 'dns.resp.class'),
    );
    children.push(node(`Time to live: ${r.ttl}`, at + 4, 4, 'dns.resp.ttl'));
  }
  children.push(node(`Data length: ${r.dataLength}`, at + 8, 2, 'dns.resp.len'));
  const dataField: Record<number, [string, string]> = {
    1: ['Address', 'dns.a'],
    28: ['AAAA Address', 'dns.aaaa'],
    5: ['CNAME', 'dns.cname'],
    2: ['Name Server', 'dns.ns'],
    12: ['Domain Name', 'dns.ptr.domain_name'],
  };
  const data = dataField[r.type];
  if (data && r.data) children.push(node(`${data[0]}: ${r.data}`, r.dataOffset, r.dataLength, data[1]));
  const summary =
    r.type === 41
      ? `${r.name}: type OPT`
      : `${r.name}: type ${dnsTypeName(r.type)}, class ${className(r.class)}${r.data && data ? `, ${data[0] === 'Address' || data[0] === 'AAAA Address' ? 'addr' : data[0].toLowerCase()} ${r.data}` : ''}`;
  return node(summary, r.offset, r.length, undefined, children);
}

export function dnsTree(layer: DnsLayer, bytes: Uint8Array): DissectionNode {
  const at = layer.messageOffset;
  const t = new TreeBuilder(layer.limit);
  if (at > layer.offset) t.add(layer.offset, 2, 'dns.length', () => `Length: ${read16(bytes, layer.offset)}`);
  t.add(at, 2, 'dns.id', () => `Transaction ID: ${hexNumber(layer.id, 4)}`);
  t.add(at + 2, 2, 'dns.flags', () => {
    const response = (layer.flags & 0x8000) !== 0;
    const opcode = OPCODES[(layer.flags >> 11) & 0xf] ?? 'Unknown operation';
    const rcode = response ? `, ${RCODES[layer.flags & 0xf] ?? 'Unknown error'}` : '';
    return `Flags: ${hexNumber(layer.flags, 4)} ${opcode}${response ? ' response' : ''}${rcode}`;
  });
  const names = ['Questions', 'Answer RRs', 'Authority RRs', 'Additional RRs'];
  const abbrevs = ['dns.count.queries', 'dns.count.answers', 'dns.count.auth_rr', 'dns.count.add_rr'];
  for (let i = 0; i < 4; i++) t.add(at + 4 + 2 * i, 2, abbrevs[i], () => `${names[i]}: ${layer.counts[i]}`);
  const records = (section: DnsRecord['section']) =>
    layer.records.filter((r) => r.section === section).map(recordNode);
  const sections = [
    sectionNode(
      'Queries',
      layer.questions.map((q) => questionNode(q, bytes)),
    ),
    sectionNode('Answers', records('answer')),
    sectionNode('Authoritative nameservers', records('authority')),
    sectionNode('Additional records', records('additional')),
  ];
  for (const section of sections) if (section) t.push(section);
  const name = layer.mdns ? 'Multicast Domain Name System' : 'Domain Name System';
  return t.build(
    `${name} (${layer.flags & 0x8000 ? 'response' : 'query'})`,
    layer.mdns ? 'mdns' : 'dns',
    layer.offset,
    layer.limit - layer.offset,
  );
}

export const DNS_PROTOCOLS: ProtocolDef[] = [
  { abbrev: 'dns', name: 'Domain Name System', layer: 'dns', matches: (l) => l.kind === 'dns' && !l.mdns },
  {
    abbrev: 'mdns',
    name: 'Multicast Domain Name System',
    layer: 'dns',
    matches: (l) => l.kind === 'dns' && l.mdns,
  },
];

const header = (l: DnsLayer, b: Uint8Array, rel: number) => u16(b, l.messageOffset + rel, l.limit);
/** The section counts; a dynamic update (opcode 5) names them zones, prerequisites, updates. */
const count = (l: DnsLayer, b: Uint8Array, rel: number) =>
  ((l.flags >> 11) & 0xf) === 5 && rel < 10 ? undefined : header(l, b, rel);

function eachQuestion(read: (q: DnsQuestion) => string | number) {
  return (l: DnsLayer, _b: Uint8Array, visit: FieldVisitor) => {
    for (const q of l.questions) if (visit(read(q))) return true;
    return false;
  };
}

function eachRecord(read: (r: DnsRecord, b: Uint8Array) => string | number | Uint8Array | undefined) {
  return (l: DnsLayer, b: Uint8Array, visit: FieldVisitor) => {
    for (const r of l.records) {
      const value = read(r, b);
      if (value !== undefined && visit(value)) return true;
    }
    return false;
  };
}

export const DNS_FIELDS: FieldDef[] = [
  field('dns', 'dns.id', 'Transaction ID', 'uint16', (l, b) => header(l, b, 0), { hexDigits: 4 }),
  field('dns', 'dns.flags', 'Flags', 'uint16', (l, b) => header(l, b, 2), { hexDigits: 4 }),
  field('dns', 'dns.flags.response', 'Response', 'bool', (l, b) => bit(header(l, b, 2), 0x8000)),
  field('dns', 'dns.flags.opcode', 'Opcode', 'uint16', (l, b) => {
    const flags = header(l, b, 2);
    return flags === undefined ? undefined : (flags >> 11) & 0xf;
  }),
  field('dns', 'dns.flags.authoritative', 'Authoritative', 'bool', (l, b) => {
    const flags = header(l, b, 2);
    return flags === undefined || !(flags & 0x8000) ? undefined : (flags & 0x0400) !== 0;
  }),
  field('dns', 'dns.flags.truncated', 'Truncated', 'bool', (l, b) => bit(header(l, b, 2), 0x0200)),
  field('dns', 'dns.flags.recdesired', 'Recursion desired', 'bool', (l, b) => bit(header(l, b, 2), 0x0100)),
  field('dns', 'dns.flags.rcode', 'Reply code', 'uint16', (l, b) => {
    const flags = header(l, b, 2);
    return flags === undefined || !(flags & 0x8000) ? undefined : flags & 0xf;
  }),
  field('dns', 'dns.count.queries', 'Questions', 'uint16', (l, b) => count(l, b, 4)),
  field('dns', 'dns.count.answers', 'Answer RRs', 'uint16', (l, b) => count(l, b, 6)),
  field('dns', 'dns.count.auth_rr', 'Authority RRs', 'uint16', (l, b) => count(l, b, 8)),
  field('dns', 'dns.count.add_rr', 'Additional RRs', 'uint16', (l, b) => count(l, b, 10)),
  multiField(
    'dns',
    'dns.qry.name',
    'Name',
    'string',
    eachQuestion((q) => q.name),
  ),
  multiField(
    'dns',
    'dns.qry.type',
    'Type',
    'uint16',
    eachQuestion((q) => q.type),
    {
      valueNames: Object.fromEntries(Object.entries(TYPES).map(([n, [name]]) => [name, Number(n)])),
    },
  ),
  multiField(
    'dns',
    'dns.qry.class',
    'Class',
    'uint16',
    eachQuestion((q) => q.class),
    { hexDigits: 4 },
  ),
  // Wireshark 4.0 names SRV owners with dns.srv.* instead of dns.resp.name.
  multiField(
    'dns',
    'dns.resp.name',
    'Name',
    'string',
    eachRecord((r) => (r.type === 33 ? undefined : r.name)),
  ),
  multiField(
    'dns',
    'dns.resp.type',
    'Type',
    'uint16',
    eachRecord((r) => r.type),
    {
      valueNames: Object.fromEntries(Object.entries(TYPES).map(([n, [name]]) => [name, Number(n)])),
    },
  ),
  multiField(
    'dns',
    'dns.resp.class',
    'Class',
    'uint16',
    eachRecord((r) => (r.type === 41 ? undefined : r.class)),
    {
      hexDigits: 4,
    },
  ),
  multiField(
    'dns',
    'dns.resp.ttl',
    'Time to live',
    'uint32',
    eachRecord((r) => (r.type === 41 ? undefined : r.ttl)),
  ),
  multiField(
    'dns',
    'dns.resp.len',
    'Data length',
    'uint32',
    eachRecord((r) => r.dataLength),
  ),
  multiField(
    'dns',
    'dns.a',
    'Address',
    'ipv4',
    eachRecord((r, b) => (r.type === 1 && r.dataLength === 4 ? read32(b, r.dataOffset) : undefined)),
  ),
  multiField(
    'dns',
    'dns.aaaa',
    'AAAA Address',
    'ipv6',
    eachRecord((r, b) =>
      r.type === 28 && r.dataLength === 16 ? b.subarray(r.dataOffset, r.dataOffset + 16) : undefined,
    ),
  ),
  multiField(
    'dns',
    'dns.cname',
    'CNAME',
    'string',
    eachRecord((r) => (r.type === 5 ? r.data : undefined)),
  ),
  multiField(
    'dns',
    'dns.ns',
    'Name Server',
    'string',
    eachRecord((r) => (r.type === 2 ? r.data : undefined)),
  ),
  multiField(
    'dns',
    'dns.ptr.domain_name',
    'Domain Name',
    'string',
    eachRecord((r) => (r.type === 12 ? r.data : undefined)),
  ),
];
