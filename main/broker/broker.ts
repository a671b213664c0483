import type { CaptureRecord } from '../capture/capture-record.js';
import { LINKTYPE, linkTypeOfPayload } from '../capture/linktype.js';
import { convertTimestamp, type Timestamp, toSeconds } from '../capture/timestamp.js';
import type { AllowList } from './allow-list.js';
import type { BrokerCounters } from './counters.js';
import { formatIpAddress } from './decode/ip-address.js';
import { locateTunnel } from './decode/outer.js';
import { decodeVxlan } from './decode/vxlan.js';
import type { Pipeline } from './pipeline/pipeline.js';
import type { OutputInterface, TunnelInterfaces, TunnelKind } from './tunnel-interfaces.js';
import { isTunnelProbe } from './tunnel-probe.js';

/** Where delivered packets go (the pcapng writer today; the live view and forwarders later). */
export interface PacketSink {
  writePacket(
    interfaceId: number,
    tsHigh: number,
    tsLow: number,
    data: Uint8Array,
    originalLength: number,
    flags: number,
    extraOptions?: Uint8Array,
  ): boolean;
  interfaceInfo(id: number): { tsResolution: number } | undefined;
}

export type PacketObserver = (
  linkType: number,
  data: Uint8Array,
  originalLength: number,
  seconds: number,
) => void;

export interface BrokerDeps {
  counters: BrokerCounters;
  allow: AllowList;
  interfaces: TunnelInterfaces;
  sink: PacketSink;
  /** Called for every packet written, so the owner can apply -c and other stop conditions. */
  onWritten?: () => void;
  /** The policy's stages (filter → dedup → sample → slice → mask); absent = capture everything as is. */
  pipeline?: Pipeline;
  /** Pre-encoded EPB options for every written packet (the sampling note). */
  packetOptions?: Uint8Array;
  /** Sinks beside the file (flow export, forwarders) see every packet the pipeline passes. */
  observers?: PacketObserver[];
  /** Output interfaces for non-tunnel packets of a file, keyed by the file's interface index. */
  passThroughInterface?: (record: CaptureRecord) => OutputInterface;
  /** An agent's tunnel probe arrived from `peer` (the node's tunnels reach us). */
  onTunnelProbe?: (peer: string, tunnelId: number | undefined, frame: Uint8Array) => void;
}

export interface FileDecapOptions {
  vxlanPorts: ReadonlySet<number>;
  gre: boolean;
  /** false with --no-decap: every record passes through as it is. */
  decapsulate: boolean;
}

/**
 * The broker's data path: terminate → decapsulate → allow → label → sinks.
 * Inner frames are passed on as subarrays of the received datagram: never copied before the sink.
 */
export class Broker {
  constructor(private readonly deps: BrokerDeps) {}

  /** A new policy for a running capture (the app applies policy changes live). */
  setPipeline(pipeline: Pipeline): void {
    this.deps.pipeline = pipeline;
  }

  /** A UDP datagram received on a VXLAN port (the kernel already removed IP and UDP). */
  ingestVxlanDatagram(
    datagram: Uint8Array,
    peer: string,
    tsHigh: number,
    tsLow: number,
    tsResolution: number,
  ): void {
    const { counters } = this.deps;
    counters.received++;
    counters.receivedBytes += datagram.length;
    const vxlan = decodeVxlan(datagram);
    if (!vxlan.ok) {
      counters.countDecapError(vxlan.reason);
      return;
    }
    this.deliver(
      'vxlan',
      peer,
      vxlan.vni,
      LINKTYPE.ETHERNET,
      datagram.subarray(vxlan.payloadOffset),
      tsHigh,
      tsLow,
      tsResolution,
    );
  }

  /** A frame an agent streamed through the API server (the `api` transport), already decapsulated. */
  ingestStreamFrame(
    peer: string,
    tunnelId: number,
    frame: Uint8Array,
    originalLength: number,
    tsHigh: number,
    tsLow: number,
    tsResolution: number,
  ): void {
    const { counters } = this.deps;
    counters.received++;
    counters.receivedBytes += frame.length;
    const missing = Math.max(0, originalLength - frame.length);
    this.deliver('api', peer, tunnelId, LINKTYPE.ETHERNET, frame, tsHigh, tsLow, tsResolution, missing);
  }

  /** A whole captured packet (file input or libpcap): find and open the tunnel, or pass it through. */
  ingestRecord(record: CaptureRecord, options: FileDecapOptions): void {
    const { counters } = this.deps;
    counters.received++;
    counters.receivedBytes += record.data.length;
    const outer = options.decapsulate ? locateTunnel(record.linkType, record.data, options) : undefined;
    if (outer === undefined || (outer.ok && outer.tunnel === 'none')) {
      counters.passedThrough++;
      const output = this.deps.passThroughInterface?.(record);
      if (output === undefined) return;
      output.received++;
      this.process(
        output,
        record.linkType,
        record.timestamp,
        record.data,
        record.originalLength,
        record.flags,
      );
      return;
    }
    if (!outer.ok) {
      counters.countDecapError(outer.reason);
      return;
    }
    if (outer.checksumValid === false) counters.badChecksum++;
    if (outer.outgoing) {
      counters.ownTransmissions++; // tunnel packets this host sent, seen by libpcap on `any`
      return;
    }
    const { high, low, resolution } = record.timestamp;
    const frame = record.data.subarray(outer.payloadOffset, outer.payloadEnd);
    const linkType = linkTypeOfPayload(outer.payloadKind);
    // A sliced outer capture leaves the inner frame short; its original length is what was sent.
    const missing = Math.max(0, record.originalLength - record.data.length);
    this.deliver(
      outer.tunnel,
      formatIpAddress(outer.peer),
      outer.tunnelId,
      linkType,
      frame,
      high,
      low,
      resolution,
      missing,
    );
  }

  private deliver(
    kind: TunnelKind,
    peer: string,
    tunnelId: number | undefined,
    linkType: number,
    frame: Uint8Array,
    tsHigh: number,
    tsLow: number,
    tsResolution: number,
    missingBytes = 0,
  ): void {
    const { counters, allow } = this.deps;
    if (!allow.allowsPeer(peer)) {
      counters.notAllowed.peer++;
      return;
    }
    if (!allow.allowsId(tunnelId)) {
      counters.notAllowed.tunnelId++;
      return;
    }
    if (isTunnelProbe(frame)) {
      counters.tunnelProbes++;
      this.deps.onTunnelProbe?.(peer, tunnelId, frame);
      return;
    }
    const tunnel = this.deps.interfaces.resolve(kind, peer, tunnelId, linkType, tsResolution);
    tunnel.received++;
    counters.delivered++;
    const ts = { high: tsHigh, low: tsLow, resolution: tsResolution };
    this.process(tunnel, linkType, ts, frame, frame.length + missingBytes, tunnel.flags);
  }

  /** The policy's stages, then the observers and the file. */
  private process(
    output: OutputInterface,
    linkType: number,
    ts: Timestamp,
    frame: Uint8Array,
    originalLength: number,
    flags: number,
  ): void {
    const { pipeline, observers } = this.deps;
    let data = frame;
    if ((pipeline && !pipeline.empty) || (observers && observers.length > 0)) {
      const packet = { linkType, data, originalLength, seconds: toSeconds(ts) };
      if (pipeline && !pipeline.run(packet)) {
        this.deps.counters.droppedByPolicy++;
        return;
      }
      data = packet.data;
      if (observers) for (const observe of observers) observe(linkType, data, originalLength, packet.seconds);
    }
    if (this.write(output.id, ts, data, originalLength, flags)) output.written++;
    else output.dropped++;
  }

  private write(
    interfaceId: number,
    ts: Timestamp,
    data: Uint8Array,
    originalLength: number,
    flags: number,
  ): boolean {
    const { sink, counters } = this.deps;
    const resolution = sink.interfaceInfo(interfaceId)?.tsResolution ?? ts.resolution;
    const stamp = resolution === ts.resolution ? ts : convertTimestamp(ts, resolution);
    if (
      !sink.writePacket(
        interfaceId,
        stamp.high,
        stamp.low,
        data,
        originalLength,
        flags,
        this.deps.packetOptions,
      )
    ) {
      counters.writerDropped++;
      return false;
    }
    counters.written++;
    counters.writtenBytes += data.length;
    this.deps.onWritten?.();
    return true;
  }
}
