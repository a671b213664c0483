import os from 'node:os';
import type { CaptureRecord } from '../capture/capture-record.js';
import { encodeCommentOption } from '../capture/pcapng-blocks.js';
import { PcapngWriter } from '../capture/pcapng-writer.js';
import { type OpenedCapture, openCapture } from '../capture/read-capture.js';
import type { Rotation } from '../capture/rotation.js';
import { convertTimestamp, fromMicros, nowMicros, TSRESOL_NANO } from '../capture/timestamp.js';
import type { Policy } from '../policy/policy-schema.js';
import { AllowList } from './allow-list.js';
import type { PacketObserver } from './broker.js';
import { Broker } from './broker.js';
import { type CaptureStats, type ListenerStats, type StopReason, snapshotStats } from './capture-stats.js';
import { BrokerCounters } from './counters.js';
import { FlowSinks } from './flows/flow-sinks.js';
import { openForwarders } from './forward/forwarders.js';
import { buildPipeline } from './pipeline/build-pipeline.js';
import type { Pipeline } from './pipeline/pipeline.js';
import type { Stage } from './pipeline/stage.js';
import { GreListener } from './sources/gre-listener.js';
import type { ListenAddress } from './sources/listen-address.js';
import { createVxlanSource, type VxlanSource } from './sources/vxlan-listener.js';
import { type OutputInterface, TunnelInterfaces } from './tunnel-interfaces.js';
import { TunnelMap } from './tunnel-map.js';

export interface CaptureOptions {
  vxlan: ListenAddress[];
  gre: boolean;
  /** Read this pcap/pcapng file ('-' = stdin) instead of listening. */
  readFile?: string;
  /** With readFile: open tunnel packets found in the file (default), or pass everything through. */
  decapsulate: boolean;
  /** pcapng output path, '-' for stdout. */
  writeFile: string;
  rotation?: Rotation;
  stopAfter: { packets?: number; durationSeconds?: number; fileSizeKB?: number; files?: number };
  allowPeers: string[];
  tunnelIds: string[];
  tunnelMap?: TunnelMap;
  /** Filter, dedup, sampling, slicing, masking (and later export and forwarding). */
  policy?: Policy;
  /** Stages built by the caller that need native code (the libpcap capture filter). */
  extraStages?: Stage[];
  application: string;
  /** An agent's tunnel probe arrived (see tunnel-probe.ts): `clustertap tap` decides the transport by it. */
  onTunnelProbe?: (peer: string, tunnelId: number | undefined, frame: Uint8Array) => void;
}

export type StatsListener = (stats: CaptureStats) => void;

/**
 * One run of the headless broker: sources → broker → pcapng writer, stop conditions, counters.
 * `done` resolves once the output is complete and readable, however the capture ended.
 */
export class CaptureSession {
  readonly counters = new BrokerCounters();
  readonly writer: PcapngWriter;
  private readonly interfaces: TunnelInterfaces;
  private readonly broker: Broker;
  private readonly pipeline: Pipeline;
  private readonly samplingInterval: number;
  /** Sinks beside the file; filled in start() (flow exporters resolve their collectors). */
  private readonly observers: PacketObserver[] = [];
  private flows: FlowSinks | undefined;
  private forwarders: ReturnType<typeof openForwarders> = [];
  private readonly vxlanListeners: VxlanSource[];
  private readonly greListener: GreListener | undefined;
  private readonly passThrough = new Map<string, OutputInterface>();
  private readonly startedAt = Date.now();
  private readonly startMicros = nowMicros();
  /** Subscribers and their timers; all are told the final statistics, then released. */
  private readonly listeners = new Map<StatsListener, NodeJS.Timeout>();
  private stopReason: StopReason | null = null;
  private resolveStopped!: () => void;
  private readonly stopped = new Promise<void>((resolve) => {
    this.resolveStopped = resolve;
  });
  private capture: OpenedCapture | undefined;
  outputError: Error | undefined;
  readWarning: string | undefined;

  constructor(private readonly options: CaptureOptions) {
    const allow = new AllowList(options.allowPeers, options.tunnelIds);
    const built = buildPipeline(
      options.policy ?? { version: 1, selection: { namespaces: [], pods: [] }, forward: [] },
      options.extraStages,
    );
    this.pipeline = built.pipeline;
    this.samplingInterval = built.samplingInterval;
    this.writer = new PcapngWriter({
      target: options.writeFile,
      section: {
        application: options.application,
        os: `${os.type()} ${os.release()}`,
        ...(built.samplingNote && { comment: built.samplingNote }),
      },
      ...(options.rotation && { rotation: options.rotation }),
      statistics: () => this.interfaceStatistics(),
      ...(options.stopAfter.files !== undefined && { maxFiles: options.stopAfter.files }),
      onLastFileFull: () => this.stop('files'),
      onError: (error) => {
        this.outputError = error;
        this.stop('output-error');
      },
    });
    this.interfaces = new TunnelInterfaces(
      { addInterface: (t) => this.writer.addInterface({ ...t, snapLength: 0 }) },
      options.tunnelMap ?? new TunnelMap(),
    );
    this.broker = new Broker({
      counters: this.counters,
      allow,
      interfaces: this.interfaces,
      sink: this.writer,
      pipeline: this.pipeline,
      observers: this.observers,
      ...(built.samplingNote && { packetOptions: encodeCommentOption(built.samplingNote) }),
      onWritten: () => this.checkLimits(),
      passThroughInterface: (record) => this.passThroughInterface(record),
      ...(options.onTunnelProbe && { onTunnelProbe: options.onTunnelProbe }),
    });
    const fromFile = options.readFile !== undefined;
    const greDecap = this.decap();
    this.vxlanListeners = fromFile
      ? []
      : options.vxlan.map((listen) =>
          createVxlanSource(listen, (datagram, peer, tsHigh, tsLow, resolution) => {
            if (this.stopReason === null)
              this.broker.ingestVxlanDatagram(datagram, peer, tsHigh, tsLow, resolution);
          }),
        );
    this.greListener =
      !fromFile && options.gre
        ? new GreListener((record) => {
            if (this.stopReason === null) this.broker.ingestRecord(record, greDecap);
          })
        : undefined;
  }

  /** A frame streamed by an agent through the API server (the `api` transport). */
  ingestStreamFrame(
    peer: string,
    tunnelId: number,
    frame: Uint8Array,
    originalLength: number,
    seconds: number,
    nanoseconds: number,
  ): void {
    if (this.stopReason !== null) return;
    // Nanoseconds since the epoch as two uint32 halves (pcapng if_tsresol 9).
    const units = BigInt(seconds) * 1_000_000_000n + BigInt(nanoseconds);
    const high = Number(units >> 32n);
    const low = Number(units & 0xffffffffn);
    this.broker.ingestStreamFrame(peer, tunnelId, frame, originalLength, high, low, TSRESOL_NANO);
  }

  /** Starts listening (or reading); throws a UsageError/CaptureFileError a user can act on. */
  async start(): Promise<void> {
    try {
      // An unreadable input file fails here, before anything is written.
      if (this.options.readFile !== undefined) this.capture = await openCapture(this.options.readFile);
      this.flows = await FlowSinks.open(this.options.policy?.export, this.samplingInterval);
      if (!this.flows.empty) this.observers.push(this.flows.observe);
      this.forwarders = openForwarders(this.options.policy?.forward ?? []);
      for (const forwarder of this.forwarders) this.observers.push(forwarder.observe);
      await Promise.all(this.forwarders.map((forwarder) => forwarder.ready));
      for (const listener of this.vxlanListeners) await listener.start();
      await this.greListener?.start();
    } catch (error) {
      await this.closeSources();
      await this.flows?.close();
      for (const forwarder of this.forwarders) await forwarder.close();
      await this.writer.discard(); // a capture that never started leaves no file behind
      throw error;
    }
    if (this.options.stopAfter.durationSeconds !== undefined) {
      setTimeout(() => this.stop('duration'), this.options.stopAfter.durationSeconds * 1000).unref();
    }
    // Live flows expire on the wall clock too; a file's flows follow its packet times only.
    if (this.flows && !this.flows.empty && this.options.readFile === undefined) {
      const flowTimer = setInterval(() => this.flows?.tick(), 1000);
      flowTimer.unref();
      void this.stopped.then(() => clearInterval(flowTimer));
    }
    const rotationTimer = setInterval(() => this.writer.rotateIfDue(), 250);
    rotationTimer.unref();
    void this.stopped.then(() => clearInterval(rotationTimer));
    if (this.capture) void this.readFile(this.capture);
  }

  /** Ends the capture; the first reason given is the one reported. */
  stop(reason: StopReason): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.resolveStopped();
  }

  /** Resolves with the final statistics once every file is closed and complete. */
  async done(): Promise<CaptureStats> {
    await this.stopped;
    await this.closeSources();
    await this.flows?.close();
    for (const forwarder of this.forwarders) await forwarder.close();
    await this.writer.close();
    const final = this.stats();
    for (const [listener, timer] of this.listeners) {
      clearInterval(timer);
      listener(final);
    }
    this.listeners.clear();
    return final;
  }

  get listening(): string[] {
    return [
      ...this.vxlanListeners.map((l) => l.label),
      ...(this.greListener ? [this.greListener.label] : []),
    ];
  }

  stats(): CaptureStats {
    const listenerStats: ListenerStats[] = this.vxlanListeners.map((l) => ({
      label: l.label,
      received: l.received,
      kernelDrops: l.kernelDrops() ?? null,
      receiveBufferBytes: l.receiveBufferBytes,
    }));
    if (this.greListener)
      listenerStats.push({
        label: this.greListener.label,
        received: this.greListener.received,
        kernelDrops: this.greListener.kernelDrops() ?? null,
      });
    return snapshotStats(
      this.counters,
      listenerStats,
      [...this.interfaces.all, ...this.passThrough.values()],
      this.writer.files,
      (Date.now() - this.startedAt) / 1000,
      this.stopReason,
      this.pipeline.stats(),
      this.flows?.stats() ?? [],
      this.forwarders.map((f) => f.stats()),
    );
  }

  /** For the UI (later): called with fresh statistics every `intervalMs`; returns the unsubscribe. */
  subscribe(listener: StatsListener, intervalMs = 1000): () => void {
    const timer = setInterval(() => listener(this.stats()), intervalMs);
    timer.unref();
    this.listeners.set(listener, timer);
    return () => {
      clearInterval(timer);
      this.listeners.delete(listener);
    };
  }

  private decap() {
    return {
      vxlanPorts: new Set(this.options.vxlan.map((l) => l.port)),
      gre: this.options.gre || this.options.readFile !== undefined,
      decapsulate: this.options.decapsulate,
    };
  }

  private async readFile(capture: OpenedCapture): Promise<void> {
    const decap = this.decap();
    const file = this.options.readFile;
    try {
      let sinceYield = 0;
      for await (const record of capture.records) {
        if (this.stopReason !== null) break;
        this.broker.ingestRecord(record, decap);
        if (++sinceYield >= 4096) {
          sinceYield = 0;
          await this.writer.whenWritable();
        }
      }
      if (capture.problems.corruptAt) {
        const { offset, reason } = capture.problems.corruptAt;
        this.readWarning = `${file}: stopped reading at byte ${offset}: ${reason}; everything before it was processed`;
      }
      await capture.close();
      this.stop('end-of-input');
    } catch (error) {
      this.readWarning = (error as Error).message;
      this.stop('end-of-input');
    }
  }

  /** How far file input has got, for progress lines; undefined for live capture. */
  readProgress(): { bytesRead: number; size: number | undefined } | undefined {
    const capture = this.capture;
    return capture && { bytesRead: capture.bytesRead(), size: capture.size };
  }

  private passThroughInterface(record: CaptureRecord): OutputInterface {
    const key = `${record.interfaceIndex}|${record.interfaceName}|${record.linkType}`;
    let found = this.passThrough.get(key);
    if (found === undefined) {
      const description = record.interfaceDescription ?? `${record.interfaceName} (passed through from file)`;
      const id = this.writer.addInterface({
        linkType: record.linkType,
        snapLength: record.snapLength,
        name: record.interfaceName,
        description,
        tsResolution: record.timestamp.resolution,
      });
      found = { id, name: record.interfaceName, description, received: 0, written: 0, dropped: 0 };
      this.passThrough.set(key, found);
    }
    return found;
  }

  private checkLimits(): void {
    const { packets, fileSizeKB } = this.options.stopAfter;
    if (packets !== undefined && this.counters.written >= packets) this.stop('packets');
    if (fileSizeKB !== undefined && this.writer.fileBytes >= fileSizeKB * 1000 && !this.options.rotation)
      this.stop('filesize');
  }

  private interfaceStatistics() {
    const now = fromMicros(nowMicros());
    const osDrops = this.options.readFile === undefined ? this.stats().kernelDrops : undefined;
    return [...this.interfaces.all, ...this.passThrough.values()].map((iface) => {
      // ISB timestamps are in the units of the interface they describe.
      const resolution = this.writer.interfaceInfo(iface.id)?.tsResolution ?? now.resolution;
      const end = convertTimestamp(now, resolution);
      const start = convertTimestamp(fromMicros(this.startMicros), resolution);
      return {
        interfaceId: iface.id,
        high: end.high,
        low: end.low,
        startHigh: start.high,
        startLow: start.low,
        received: iface.received,
        dropped: iface.dropped,
        delivered: iface.written,
        ...(osDrops !== undefined && {
          comment: `kernel socket drops across all tunnels of this capture: ${osDrops} (not attributable to one interface)`,
        }),
      };
    });
  }

  private async closeSources(): Promise<void> {
    for (const listener of this.vxlanListeners) await listener.close();
    await this.greListener?.close();
  }
}
