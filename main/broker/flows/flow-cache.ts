import { IPPROTO } from '../decode/ip.js';
import type { FlowPacket } from './flow-key.js';
import type { FlowEndReason, FlowRecord } from './flow-record.js';

export interface FlowTimeouts {
  /** A flow this old is exported even while busy (softflowd's "maxlife"; RFC 5470 active timeout). */
  activeMs: number;
  /** A flow idle this long is exported (softflowd's per-protocol tcp/udp/icmp/general timeouts, as one). */
  inactiveMs: number;
  /** Once both sides sent FIN, this idle time ends the flow instead (softflowd's "tcp.fin"). */
  tcpFinMs: number;
  /** Once either side sent RST, this idle time ends the flow instead (softflowd's "tcp.rst"). */
  tcpRstMs: number;
}

/**
 * Router-like defaults (Cisco, ipt_NETFLOW, and the policy's export section: 1800 s / 15 s), not
 * softflowd's (7 days / 1 hour), which suit an archive more than an engineer watching live. A
 * closed TCP connection waits a little for its last ACK or a retransmitted FIN.
 */
export const DEFAULT_TIMEOUTS: FlowTimeouts = {
  activeMs: 1_800_000,
  inactiveMs: 15_000,
  tcpFinMs: 5_000,
  tcpRstMs: 5_000,
};

/** About 300 bytes each: 20 MB at most. softflowd's default is 8192. */
export const DEFAULT_MAX_FLOWS = 65_536;

/** How often, in packet time, the whole cache is scanned for timeouts. */
const SCAN_INTERVAL_MS = 1000;

const TCP_FIN = 0x01;
const TCP_RST = 0x04;

export interface FlowCacheOptions {
  timeouts?: Partial<FlowTimeouts>;
  maxFlows?: number;
  /** Receives the records of each flow that leaves the cache: one per direction that saw packets. */
  onExport: (records: FlowRecord[]) => void;
}

interface Direction {
  packets: number;
  octets: number;
  tcpFlags: number;
  tos: number;
  startMs: number;
  endMs: number;
}

/** Endpoints in canonical order (a ≤ b by address, then port), so both directions find one flow. */
interface Flow {
  ipVersion: 4 | 6;
  protocol: number;
  vlan: number;
  addressA: Uint8Array;
  portA: number;
  addressB: Uint8Array;
  portB: number;
  /** [a → b, b → a] */
  directions: [Direction | undefined, Direction | undefined];
  startMs: number;
  lastMs: number;
}

/**
 * The flow cache, driven only by the times it is given (packet timestamps, or tick times), so a
 * file gives the same flows as the same packets live. Flows are bidirectional like softflowd's
 * and leave as one unidirectional record per direction. The Map is kept in least-recently-used
 * order: a full cache evicts the flow that has been quiet longest.
 */
export class FlowCache {
  readonly timeouts: FlowTimeouts;
  readonly maxFlows: number;
  /** Flows created, and flows pushed out by a full cache. */
  readonly counters = { flows: 0, evictions: 0 };
  private readonly flows = new Map<string, Flow>();
  private readonly onExport: (records: FlowRecord[]) => void;
  private lastScanMs = Number.NEGATIVE_INFINITY;

  constructor(options: FlowCacheOptions) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    for (const [name, ms] of Object.entries(this.timeouts))
      if (!(ms >= 0 && ms < Number.POSITIVE_INFINITY))
        throw new RangeError(`timeout ${name} must be 0 or more ms, not ${ms}`);
    this.maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    if (!(this.maxFlows >= 1)) throw new RangeError(`maxFlows must be at least 1, not ${this.maxFlows}`);
    this.onExport = options.onExport;
  }

  get size(): number {
    return this.flows.size;
  }

  observe(packet: FlowPacket, timestampMs: number): void {
    const forward = compareEndpoints(packet) <= 0;
    const key = keyOf(packet, forward);
    let flow = this.flows.get(key);
    if (flow !== undefined) {
      this.flows.delete(key); // set again below: the Map stays in least-recently-used order
      // Checked against this packet's time, so where a flow splits does not depend on scans.
      const reason = this.expiryOf(flow, timestampMs);
      if (reason !== undefined) {
        this.export(flow, reason);
        flow = undefined;
      }
    }
    if (flow === undefined) {
      if (this.flows.size >= this.maxFlows) this.evictOldest();
      flow = newFlow(packet, forward, timestampMs);
      this.counters.flows++;
    }
    this.flows.set(key, flow);
    addPacket(flow, packet, forward ? 0 : 1, timestampMs);
    if (timestampMs - this.lastScanMs >= SCAN_INTERVAL_MS) this.expire(timestampMs);
  }

  /** Exports every flow whose timeout has passed at `nowMs`. */
  expire(nowMs: number): void {
    this.lastScanMs = nowMs;
    for (const [key, flow] of this.flows) {
      const reason = this.expiryOf(flow, nowMs);
      if (reason === undefined) continue;
      this.flows.delete(key);
      this.export(flow, reason);
    }
  }

  /** Exports every flow (at exit). */
  flush(): void {
    for (const flow of this.flows.values()) this.export(flow, 'forced');
    this.flows.clear();
  }

  private expiryOf(flow: Flow, nowMs: number): FlowEndReason | undefined {
    const t = this.timeouts;
    if (nowMs - flow.startMs >= t.activeMs) return 'active';
    const idle = nowMs - flow.lastMs;
    if (flow.protocol === IPPROTO.TCP) {
      // softflowd's order: a RST wins over FINs; either replaces the inactive timeout.
      const ab = flow.directions[0]?.tcpFlags ?? 0;
      const ba = flow.directions[1]?.tcpFlags ?? 0;
      const closedAfter = (ab | ba) & TCP_RST ? t.tcpRstMs : ab & ba & TCP_FIN ? t.tcpFinMs : undefined;
      if (closedAfter !== undefined) return idle >= closedAfter ? 'endOfFlow' : undefined;
    }
    return idle >= t.inactiveMs ? 'idle' : undefined;
  }

  private evictOldest(): void {
    const oldest = this.flows.entries().next();
    if (oldest.done) return;
    this.flows.delete(oldest.value[0]);
    this.counters.evictions++;
    this.export(oldest.value[1], 'lackOfResources');
  }

  private export(flow: Flow, endReason: FlowEndReason): void {
    const records: FlowRecord[] = [];
    const [ab, ba] = flow.directions;
    if (ab) records.push(recordOf(flow, ab, false, endReason));
    if (ba) records.push(recordOf(flow, ba, true, endReason));
    this.onExport(records);
  }
}

function newFlow(packet: FlowPacket, forward: boolean, timestampMs: number): Flow {
  const [a, b] = forward ? [packet.src, packet.dst] : [packet.dst, packet.src];
  return {
    ipVersion: packet.ipVersion,
    protocol: packet.protocol,
    vlan: packet.vlan,
    addressA: Uint8Array.from(a),
    portA: forward ? packet.srcPort : packet.dstPort,
    addressB: Uint8Array.from(b),
    portB: forward ? packet.dstPort : packet.srcPort,
    directions: [undefined, undefined],
    startMs: timestampMs,
    lastMs: timestampMs,
  };
}

function addPacket(flow: Flow, packet: FlowPacket, index: 0 | 1, timestampMs: number): void {
  let direction = flow.directions[index];
  if (direction === undefined) {
    direction = {
      packets: 0,
      octets: 0,
      tcpFlags: 0,
      tos: packet.tos,
      startMs: timestampMs,
      endMs: timestampMs,
    };
    flow.directions[index] = direction;
  }
  direction.packets++;
  direction.octets += packet.octets;
  direction.tcpFlags |= packet.tcpFlags;
  // Packets may arrive slightly out of order (several sources): times only widen.
  direction.startMs = Math.min(direction.startMs, timestampMs);
  direction.endMs = Math.max(direction.endMs, timestampMs);
  flow.startMs = Math.min(flow.startMs, timestampMs);
  flow.lastMs = Math.max(flow.lastMs, timestampMs);
}

function recordOf(flow: Flow, direction: Direction, reverse: boolean, endReason: FlowEndReason): FlowRecord {
  return {
    ipVersion: flow.ipVersion,
    src: reverse ? flow.addressB : flow.addressA,
    dst: reverse ? flow.addressA : flow.addressB,
    protocol: flow.protocol,
    srcPort: reverse ? flow.portB : flow.portA,
    dstPort: reverse ? flow.portA : flow.portB,
    vlan: flow.vlan,
    packets: direction.packets,
    octets: direction.octets,
    tcpFlags: direction.tcpFlags,
    tos: direction.tos,
    startMs: direction.startMs,
    endMs: direction.endMs,
    endReason,
  };
}

/** Negative when (src, srcPort) sorts before (dst, dstPort). */
function compareEndpoints(packet: FlowPacket): number {
  const { src, dst } = packet;
  for (let i = 0; i < src.length; i++) {
    const d = (src[i] as number) - (dst[i] as number);
    if (d !== 0) return d;
  }
  return packet.srcPort - packet.dstPort;
}

/** The canonical key as a latin1 string: cheap to build and to hash. */
const keyBytes = Buffer.alloc(2 + 2 + 2 * (16 + 2));

function keyOf(packet: FlowPacket, forward: boolean): string {
  const [a, portA, b, portB] = forward
    ? [packet.src, packet.srcPort, packet.dst, packet.dstPort]
    : [packet.dst, packet.dstPort, packet.src, packet.srcPort];
  keyBytes[0] = packet.ipVersion;
  keyBytes[1] = packet.protocol;
  keyBytes.writeUInt16BE(packet.vlan, 2);
  keyBytes.set(a, 4);
  let at = 4 + a.length;
  keyBytes.writeUInt16BE(portA, at);
  keyBytes.set(b, at + 2);
  at += 2 + b.length;
  keyBytes.writeUInt16BE(portB, at);
  return keyBytes.toString('latin1', 0, at + 2);
}
