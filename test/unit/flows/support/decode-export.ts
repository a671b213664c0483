/**
 * A small NetFlow v9 / IPFIX collector for the tests, written from RFC 3954 and RFC 7011 and
 * sharing nothing with the exporter: it learns templates, reads data records by them, and
 * turns flow records back into numbers. Enterprise fields are keyed "PEN/id".
 */
export interface DecodedHeader {
  version: 9 | 10;
  /** v9: record count; IPFIX: message length. */
  countOrLength: number;
  /** v9 only. */
  sysUptime?: number;
  /** UNIX seconds (v9) / export time (IPFIX). */
  seconds: number;
  sequence: number;
  domainId: number;
}

export interface DecodedRecord {
  setId: number;
  fields: Map<string | number, Buffer>;
}

export interface DecodedMessage {
  header: DecodedHeader;
  templateIds: number[];
  optionTemplateIds: number[];
  records: DecodedRecord[];
  /** Every (flow)set in order: its id and length. */
  sets: { id: number; length: number }[];
}

interface Field {
  key: string | number;
  length: number;
}

export class ExportDecoder {
  private readonly templates = new Map<number, Field[]>();

  decode(datagram: Uint8Array): DecodedMessage {
    const b = Buffer.from(datagram);
    const version = b.readUInt16BE(0);
    if (version !== 9 && version !== 10) throw new Error(`not v9/IPFIX: version ${version}`);
    const header: DecodedHeader =
      version === 9
        ? {
            version,
            countOrLength: b.readUInt16BE(2),
            sysUptime: b.readUInt32BE(4),
            seconds: b.readUInt32BE(8),
            sequence: b.readUInt32BE(12),
            domainId: b.readUInt32BE(16),
          }
        : {
            version,
            countOrLength: b.readUInt16BE(2),
            seconds: b.readUInt32BE(4),
            sequence: b.readUInt32BE(8),
            domainId: b.readUInt32BE(12),
          };
    if (version === 10 && header.countOrLength !== b.length) throw new Error('IPFIX length mismatch');
    const message: DecodedMessage = { header, templateIds: [], optionTemplateIds: [], records: [], sets: [] };
    for (let at = version === 9 ? 20 : 16; at < b.length; ) {
      const id = b.readUInt16BE(at);
      const length = b.readUInt16BE(at + 2);
      if (length < 4 || at + length > b.length) throw new Error(`bad set length ${length} at ${at}`);
      message.sets.push({ id, length });
      const body = b.subarray(at + 4, at + length);
      if ((version === 9 && id === 0) || (version === 10 && id === 2))
        this.templateSet(body, version, message);
      else if ((version === 9 && id === 1) || (version === 10 && id === 3))
        this.optionsSet(body, version, message);
      else this.dataSet(id, body, message);
      at += length;
    }
    return message;
  }

  private templateSet(body: Buffer, version: number, message: DecodedMessage): void {
    for (let at = 0; at + 4 <= body.length; ) {
      const id = body.readUInt16BE(at);
      const count = body.readUInt16BE(at + 2);
      if (id === 0 && count === 0) break; // padding
      at += 4;
      const fields: Field[] = [];
      for (let i = 0; i < count; i++) at = readFieldSpec(body, at, version, fields);
      this.templates.set(id, fields);
      message.templateIds.push(id);
    }
  }

  private optionsSet(body: Buffer, version: number, message: DecodedMessage): void {
    let at = 0;
    const id = body.readUInt16BE(at);
    const fields: Field[] = [];
    if (version === 9) {
      const scopeBytes = body.readUInt16BE(at + 2);
      const optionBytes = body.readUInt16BE(at + 4);
      at += 6;
      for (let i = 0; i < (scopeBytes + optionBytes) / 4; i++) at = readFieldSpec(body, at, 9, fields);
    } else {
      const count = body.readUInt16BE(at + 2);
      const scopeCount = body.readUInt16BE(at + 4);
      if (scopeCount === 0) throw new Error('IPFIX options template without scope');
      at += 6;
      for (let i = 0; i < count; i++) at = readFieldSpec(body, at, 10, fields);
    }
    this.templates.set(id, fields);
    message.optionTemplateIds.push(id);
  }

  private dataSet(id: number, body: Buffer, message: DecodedMessage): void {
    const fields = this.templates.get(id);
    if (!fields) throw new Error(`data set ${id} before its template`);
    const minimum = fields.reduce((sum, f) => sum + (f.length === 0xffff ? 1 : f.length), 0);
    for (let at = 0; body.length - at >= minimum; ) {
      const record: DecodedRecord = { setId: id, fields: new Map() };
      for (const field of fields) {
        let length = field.length;
        if (length === 0xffff) {
          length = body[at++] as number;
          if (length === 255) {
            length = body.readUInt16BE(at);
            at += 2;
          }
        }
        record.fields.set(field.key, body.subarray(at, at + length));
        at += length;
      }
      message.records.push(record);
    }
  }
}

function readFieldSpec(body: Buffer, at: number, version: number, fields: Field[]): number {
  const type = body.readUInt16BE(at);
  const length = body.readUInt16BE(at + 2);
  if (version === 10 && type & 0x8000) {
    fields.push({ key: `${body.readUInt32BE(at + 4)}/${type & 0x7fff}`, length });
    return at + 8;
  }
  fields.push({ key: type, length });
  return at + 4;
}

export function uint(value: Buffer | undefined): number {
  if (value === undefined) throw new Error('field missing');
  if (value.length === 8) return Number(value.readBigUInt64BE(0));
  return value.length === 0 ? 0 : value.readUIntBE(0, value.length);
}

export interface DecodedFlow {
  src: string;
  dst: string;
  protocol: number;
  srcPort: number;
  dstPort: number;
  packets: number;
  octets: number;
  startMs: number;
  endMs: number;
  vlan: number;
  tos: number;
  tcpFlags: number;
}

/** A flow record (not an options record) in numbers; v9 times via sysUptime as nfdump does. */
export function flowOf(record: DecodedRecord, header: DecodedHeader): DecodedFlow {
  const f = record.fields;
  const v4 = f.has(8);
  const address = (key: number) => formatAddress(f.get(key) as Buffer);
  const boot = header.version === 9 ? header.seconds * 1000 - (header.sysUptime as number) : 0;
  return {
    src: address(v4 ? 8 : 27),
    dst: address(v4 ? 12 : 28),
    protocol: uint(f.get(4)),
    srcPort: uint(f.get(7)),
    dstPort: uint(f.get(11)),
    packets: uint(f.get(2)),
    octets: uint(f.get(1)),
    startMs: header.version === 9 ? boot + uint(f.get(22)) : uint(f.get(152)),
    endMs: header.version === 9 ? boot + uint(f.get(21)) : uint(f.get(153)),
    vlan: uint(f.get(58)),
    tos: uint(f.get(5)),
    tcpFlags: uint(f.get(6)),
  };
}

/** Dotted IPv4, or the eight IPv6 groups in hex without abbreviation. */
export function formatAddress(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  if (b.length === 4) return [...b].join('.');
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}
