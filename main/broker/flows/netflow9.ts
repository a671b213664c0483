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
  TEMPLATE_ID,
  V9_SCOPE_SYSTEM,
  writeFieldSpecs,
  writeKeyAndCounters,
} from './information-elements.js';

const HEADER_BYTES = 20;
const MAX_TEMPLATE_BYTES = 1024;
/** Room kept for closing a FlowSet: up to 3 bytes of padding. */
const PAD_RESERVE = 3;

/**
 * NetFlow v9 (RFC 3954). Packet header: version 9, count (every record in the packet: template,
 * options template, options data and flow records), sysUptime, UNIX seconds, a sequence number
 * that counts export packets, and the source ID. Flow times are FIRST_SWITCHED/LAST_SWITCHED in
 * milliseconds of sysUptime; "boot" is the second in which the exporter saw its first packet, so
 * a collector reconstructs them exactly as (UNIX seconds × 1000 − sysUptime + FIRST_SWITCHED).
 */
export class NetFlow9Encoder implements FlowEncoder {
  private readonly bootMs: number;
  private readonly domainId: number;
  private readonly maxBytes: number;
  private readonly schedule: TemplateSchedule;
  private readonly samplingInterval: number;
  private sequence = 0;

  constructor(bootMs: number, options: EncoderOptions = {}) {
    this.bootMs = Math.floor(bootMs / 1000) * 1000;
    this.domainId = options.domainId ?? 0;
    this.samplingInterval = samplingIntervalOf(options);
    const templates = new DatagramWriter(MAX_TEMPLATE_BYTES);
    this.writeTemplates(templates);
    // What writeRecords needs free to start a FlowSet with one IPv6 record.
    const largestRecord = PAD_RESERVE + 4 + keyAndCountersLength(6) + 8 + PAD_RESERVE;
    this.maxBytes = checkDatagramSize(
      options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES,
      HEADER_BYTES + templates.offset + largestRecord,
    );
    this.schedule = new TemplateSchedule(options.templateRefresh ?? DEFAULT_TEMPLATE_REFRESH);
  }

  encode(records: readonly FlowRecord[], nowMs: number): Buffer[] {
    const datagrams: Buffer[] = [];
    const unixSeconds = Math.floor(nowMs / 1000);
    let next = 0;
    while (next < records.length) {
      const w = new DatagramWriter(this.maxBytes);
      w.offset = HEADER_BYTES;
      let count = 0;
      if (this.schedule.due(nowMs)) {
        count += this.writeTemplates(w);
        this.schedule.sent(nowMs);
      }
      const written = this.writeRecords(w, records, next);
      if (written === 0) throw new Error('unreachable: the datagram size was checked for the largest record');
      next += written;
      count += written;
      const end = w.offset;
      w.offset = 0;
      w.u16(9);
      w.u16(count);
      w.u32(this.uptime(unixSeconds * 1000));
      w.u32(unixSeconds);
      w.u32(this.sequence);
      w.u32(this.domainId);
      w.offset = end;
      this.sequence = (this.sequence + 1) >>> 0;
      this.schedule.packetSent();
      datagrams.push(w.done());
    }
    return datagrams;
  }

  /** Milliseconds since boot, wrapping at 2^32 like a router's sysUptime (every 49.7 days). */
  private uptime(ms: number): number {
    return Math.max(0, ms - this.bootMs) % 2 ** 32;
  }

  /** Template FlowSet (IPv4 and IPv6), options template FlowSet and the sampling options record. */
  private writeTemplates(w: DatagramWriter): number {
    const templates = w.openSet(0);
    for (const ipVersion of [4, 6] as const) {
      const fields = dataFields(ipVersion);
      w.u16(ipVersion === 4 ? TEMPLATE_ID.ipv4 : TEMPLATE_ID.ipv6);
      w.u16(fields.length);
      writeFieldSpecs(w, fields);
    }
    w.closeSet(templates, true);

    const options = w.openSet(1);
    w.u16(TEMPLATE_ID.sampling);
    w.u16(4); // option scope length in bytes: one field
    w.u16(8); // option length in bytes: two fields
    writeFieldSpecs(w, [
      { id: V9_SCOPE_SYSTEM, length: 4 },
      { id: IE.samplingPacketInterval, length: 4 },
      { id: IE.samplingPacketSpace, length: 4 },
    ]);
    w.closeSet(options, true);

    const sampling = w.openSet(TEMPLATE_ID.sampling);
    w.u32(this.domainId);
    w.u32(1); // packets sampled…
    w.u32(this.samplingInterval - 1); // …then packets skipped
    w.closeSet(sampling, true);
    return 4; // two templates, one options template, one options record
  }

  /** As many records as fit, from `first` on, in FlowSets by IP version. Returns how many. */
  private writeRecords(w: DatagramWriter, records: readonly FlowRecord[], first: number): number {
    let set = -1;
    let setVersion = 0;
    let i = first;
    for (; i < records.length; i++) {
      const record = records[i] as FlowRecord;
      const size = keyAndCountersLength(record.ipVersion) + 8;
      if (record.ipVersion !== setVersion) {
        if (w.remaining < PAD_RESERVE + 4 + size + PAD_RESERVE) break; // close, open, record, close
        if (set >= 0) w.closeSet(set, true);
        set = w.openSet(record.ipVersion === 4 ? TEMPLATE_ID.ipv4 : TEMPLATE_ID.ipv6);
        setVersion = record.ipVersion;
      } else if (w.remaining < size + PAD_RESERVE) break;
      writeKeyAndCounters(w, record);
      w.u32(this.uptime(record.startMs));
      w.u32(this.uptime(record.endMs));
    }
    if (set >= 0) w.closeSet(set, true);
    return i - first;
  }
}

function dataFields(ipVersion: 4 | 6): FieldSpec[] {
  return [
    ...keyAndCounterFields(ipVersion),
    { id: IE.flowStartSysUpTime, length: 4 },
    { id: IE.flowEndSysUpTime, length: 4 },
  ];
}
