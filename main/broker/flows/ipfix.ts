import {
  checkDatagramSize,
  DatagramWriter,
  DEFAULT_MAX_DATAGRAM_BYTES,
  DEFAULT_TEMPLATE_REFRESH,
  type EncoderOptions,
  type FlowEncoder,
  samplingIntervalOf,
  TemplateSchedule,
} from './export-datagram.js';
import type { FlowRecord } from './flow-record.js';
import {
  type FieldSpec,
  IE,
  keyAndCounterFields,
  keyAndCountersLength,
  MAX_POD_TEXT_BYTES,
  POD_FIELDS,
  podValues,
  TEMPLATE_ID,
  variableLengthSize,
  writeFieldSpecs,
  writeKeyAndCounters,
  writeVariableLength,
} from './information-elements.js';

export interface IpfixEncoderOptions extends EncoderOptions {
  /** Add the pod identity elements (README.md "Pod identity") to every data record. */
  podIdentity?: boolean;
}

const HEADER_BYTES = 16;
const MAX_TEMPLATE_BYTES = 1024;
const SET = { template: 2, optionsTemplate: 3 } as const;

/**
 * IPFIX (RFC 7011). Message header: version 10, message length, export time (seconds), a
 * sequence number that counts the data records sent before this message (§3.1; the sampling
 * options record is a data record too, templates are not) and the observation domain ID.
 * Flow times are absolute: flowStartMilliseconds/flowEndMilliseconds. Sets are not padded.
 */
export class IpfixEncoder implements FlowEncoder {
  private readonly domainId: number;
  private readonly maxBytes: number;
  private readonly schedule: TemplateSchedule;
  private readonly samplingInterval: number;
  private readonly podIdentity: boolean;
  private sequence = 0;

  constructor(options: IpfixEncoderOptions = {}) {
    this.domainId = options.domainId ?? 0;
    this.samplingInterval = samplingIntervalOf(options);
    this.podIdentity = options.podIdentity ?? false;
    const templates = new DatagramWriter(MAX_TEMPLATE_BYTES);
    this.writeTemplates(templates);
    const largestRecord =
      keyAndCountersLength(6) + 16 + (this.podIdentity ? POD_FIELDS.length * (1 + MAX_POD_TEXT_BYTES) : 0);
    this.maxBytes = checkDatagramSize(
      options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES,
      HEADER_BYTES + templates.offset + 4 + largestRecord,
    );
    this.schedule = new TemplateSchedule(options.templateRefresh ?? DEFAULT_TEMPLATE_REFRESH);
  }

  encode(records: readonly FlowRecord[], nowMs: number): Buffer[] {
    const datagrams: Buffer[] = [];
    let next = 0;
    while (next < records.length) {
      const w = new DatagramWriter(this.maxBytes);
      w.offset = HEADER_BYTES;
      let dataRecords = 0;
      if (this.schedule.due(nowMs)) {
        dataRecords += this.writeTemplates(w);
        this.schedule.sent(nowMs);
      }
      const written = this.writeRecords(w, records, next);
      if (written === 0) throw new Error('unreachable: the datagram size was checked for the largest record');
      next += written;
      dataRecords += written;
      const end = w.offset;
      w.offset = 0;
      w.u16(10);
      w.u16(end);
      w.u32(Math.floor(nowMs / 1000));
      w.u32(this.sequence);
      w.u32(this.domainId);
      w.offset = end;
      this.sequence = (this.sequence + dataRecords) >>> 0;
      this.schedule.packetSent();
      datagrams.push(w.done());
    }
    return datagrams;
  }

  /** Template Set (IPv4, IPv6), Options Template Set and the sampling record. Returns data records written. */
  private writeTemplates(w: DatagramWriter): number {
    const templates = w.openSet(SET.template);
    for (const ipVersion of [4, 6] as const) {
      const fields = this.dataFields(ipVersion);
      w.u16(ipVersion === 4 ? TEMPLATE_ID.ipv4 : TEMPLATE_ID.ipv6);
      w.u16(fields.length);
      writeFieldSpecs(w, fields);
    }
    w.closeSet(templates, false);

    const options = w.openSet(SET.optionsTemplate);
    w.u16(TEMPLATE_ID.sampling);
    w.u16(3); // field count
    w.u16(1); // scope field count: the observation domain the sampling applies to
    writeFieldSpecs(w, [
      { id: IE.observationDomainId, length: 4 },
      { id: IE.samplingPacketInterval, length: 4 },
      { id: IE.samplingPacketSpace, length: 4 },
    ]);
    w.closeSet(options, false);

    const sampling = w.openSet(TEMPLATE_ID.sampling);
    w.u32(this.domainId);
    w.u32(1); // packets sampled…
    w.u32(this.samplingInterval - 1); // …then packets skipped
    w.closeSet(sampling, false);
    return 1;
  }

  private dataFields(ipVersion: 4 | 6): FieldSpec[] {
    return [
      ...keyAndCounterFields(ipVersion),
      { id: IE.flowStartMilliseconds, length: 8 },
      { id: IE.flowEndMilliseconds, length: 8 },
      ...(this.podIdentity ? POD_FIELDS : []),
    ];
  }

  /** As many records as fit, from `first` on, in Data Sets by IP version. Returns how many. */
  private writeRecords(w: DatagramWriter, records: readonly FlowRecord[], first: number): number {
    let set = -1;
    let setVersion = 0;
    let i = first;
    for (; i < records.length; i++) {
      const record = records[i] as FlowRecord;
      const pods = this.podIdentity ? podValues(record) : [];
      const size =
        keyAndCountersLength(record.ipVersion) + 16 + pods.reduce((sum, v) => sum + variableLengthSize(v), 0);
      if (record.ipVersion !== setVersion) {
        if (w.remaining < 4 + size) break;
        if (set >= 0) w.closeSet(set, false);
        set = w.openSet(record.ipVersion === 4 ? TEMPLATE_ID.ipv4 : TEMPLATE_ID.ipv6);
        setVersion = record.ipVersion;
      } else if (w.remaining < size) break;
      writeKeyAndCounters(w, record);
      w.u64(record.startMs);
      w.u64(record.endMs);
      for (const value of pods) writeVariableLength(w, value);
    }
    if (set >= 0) w.closeSet(set, false);
    return i - first;
  }
}
