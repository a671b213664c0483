import type { EncoderOptions, FlowEncoder, TemplateRefresh } from './export-datagram.js';
import { FlowCache, type FlowTimeouts } from './flow-cache.js';
import { FlowPacketParser } from './flow-key.js';
import type { FlowRecord } from './flow-record.js';
import { IpfixEncoder } from './ipfix.js';
import { NetFlow9Encoder } from './netflow9.js';

export type FlowExportKind = 'ipfix' | 'netflow9';

export interface FlowExporterDeps {
  send(datagram: Buffer): void;
  /** The time for tick() without an argument (live captures); default Date.now. */
  clock?: () => number;
}

export interface FlowExporterOptions {
  kind: FlowExportKind;
  timeouts?: Partial<FlowTimeouts>;
  maxFlows?: number;
  /** The sample stage's 1-in-N, reported to the collector (which scales counts by it). */
  samplingInterval?: number;
  /** NetFlow v9 source ID / IPFIX observation domain ID. */
  domainId?: number;
  maxDatagramBytes?: number;
  templateRefresh?: TemplateRefresh;
  /** IPFIX only: carry the pod identity elements (README.md "Pod identity"). */
  podIdentity?: boolean;
}

export interface FlowExporterCounters {
  /** IP packets and their octets taken into flows. */
  packets: number;
  octets: number;
  /** Flows created, flows in the cache now, and flows pushed out because the cache was full. */
  flows: number;
  activeFlows: number;
  evictions: number;
  /** Unidirectional records and export datagrams sent. */
  exportedRecords: number;
  exportedPackets: number;
  /** Frames that are not IP (ARP, LLDP, …, unknown link types): not flows. */
  nonIpFrames: number;
  /** IP frames whose headers do not decode. */
  malformedFrames: number;
}

/** Records are sent once this many wait, or after a second of flow time. */
const BATCH_RECORDS = 16;
const BATCH_MS = 1000;

/**
 * The flow exporter sink: frames in, NetFlow v9 or IPFIX datagrams out through `send`. Time is
 * what the packets say (and what tick() is told), never read behind the caller's back, so a
 * file exports the same flows, timeouts and bytes on every run. Call tick() about once a second
 * while live, and flush() at exit.
 */
export class FlowExporter {
  private readonly parser = new FlowPacketParser();
  private readonly cache: FlowCache;
  private readonly clock: () => number;
  private encoder: FlowEncoder | undefined;
  private pending: FlowRecord[] = [];
  /** Latest time seen: packets may arrive slightly out of order, the exporter's clock never goes back. */
  private nowMs = Number.NEGATIVE_INFINITY;
  /** Earliest time seen, the base of NetFlow v9's sysUptime. */
  private firstMs = Number.POSITIVE_INFINITY;
  private lastSendMs = Number.NEGATIVE_INFINITY;
  private readonly totals = { packets: 0, octets: 0, records: 0, datagrams: 0, nonIp: 0, malformed: 0 };

  constructor(
    private readonly deps: FlowExporterDeps,
    private readonly options: FlowExporterOptions,
  ) {
    this.clock = deps.clock ?? Date.now;
    this.cache = new FlowCache({
      timeouts: options.timeouts,
      maxFlows: options.maxFlows,
      onExport: (records) => {
        for (const record of records) this.pending.push(record);
      },
    });
    this.createEncoder(0); // so that bad options fail here, not at the first export in the middle of a capture
  }

  get counters(): FlowExporterCounters {
    return {
      packets: this.totals.packets,
      octets: this.totals.octets,
      flows: this.cache.counters.flows,
      activeFlows: this.cache.size,
      evictions: this.cache.counters.evictions,
      exportedRecords: this.totals.records,
      exportedPackets: this.totals.datagrams,
      nonIpFrames: this.totals.nonIp,
      malformedFrames: this.totals.malformed,
    };
  }

  get timeouts(): FlowTimeouts {
    return this.cache.timeouts;
  }

  observe(linkType: number, data: Uint8Array, originalLength: number, timestampMs: number): void {
    this.advance(timestampMs);
    const packet = this.parser.parse(linkType, data, originalLength);
    if (!packet.ok) {
      if (packet.reason === 'not-ip') this.totals.nonIp++;
      else this.totals.malformed++;
      return;
    }
    this.totals.packets++;
    this.totals.octets += packet.octets;
    this.cache.observe(packet, timestampMs);
    if (
      this.pending.length >= BATCH_RECORDS ||
      (this.pending.length > 0 && this.nowMs - this.lastSendMs >= BATCH_MS)
    )
      this.sendPending();
  }

  /** Exports the flows whose timeouts have passed by `nowMs`. */
  tick(nowMs: number = this.clock()): void {
    this.advance(nowMs);
    this.cache.expire(this.nowMs);
    this.sendPending();
  }

  /** Exports every flow now (at exit). */
  flush(): void {
    this.cache.flush();
    this.sendPending();
  }

  private advance(timeMs: number): void {
    if (timeMs > this.nowMs) this.nowMs = timeMs;
    if (timeMs < this.firstMs) this.firstMs = timeMs;
  }

  private sendPending(): void {
    this.lastSendMs = this.nowMs;
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    this.encoder ??= this.createEncoder(
      records.reduce((earliest, record) => Math.min(earliest, record.startMs), this.firstMs),
    );
    for (const datagram of this.encoder.encode(records, this.nowMs)) {
      this.deps.send(datagram);
      this.totals.datagrams++;
    }
    this.totals.records += records.length;
  }

  /** NetFlow v9's sysUptime counts from the earliest packet seen, known at the first export. */
  private createEncoder(bootMs: number): FlowEncoder {
    const { kind, podIdentity, domainId, maxDatagramBytes, templateRefresh, samplingInterval } = this.options;
    const options: EncoderOptions = { domainId, maxDatagramBytes, templateRefresh, samplingInterval };
    return kind === 'ipfix'
      ? new IpfixEncoder({ ...options, podIdentity })
      : new NetFlow9Encoder(bootMs, options);
  }
}
