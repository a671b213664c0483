import { formatIpAddress } from '../../broker/decode/ip-address.js';
import { FlowPacketParser } from '../../broker/flows/flow-key.js';

const PROTOCOLS: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPv6', 132: 'SCTP' };
const PORTED = new Set([6, 17, 132]);

export interface FlowView {
  protocol: string;
  source: string;
  sourcePort: number | null;
  destination: string;
  destinationPort: number | null;
  sourcePod: string | null;
  destinationPod: string | null;
  packets: number;
  bytes: number;
  rate: number;
  firstSeen: number;
  lastSeen: number;
}

interface Flow {
  protocol: number;
  a: string;
  aPort: number;
  b: string;
  bPort: number;
  packets: number;
  bytes: number;
  firstSeen: number;
  lastSeen: number;
  /** Bytes in the current and the previous whole second: the rate shown. */
  second: number;
  bytesThisSecond: number;
  bytesLastSecond: number;
}

/**
 * The Flows view: one entry per conversation (both directions of a 5-tuple, named in the
 * direction of its first packet), with packets, bytes, rate and duration. Bounded: beyond
 * `maxFlows` the least recently seen tenth goes, so a port scan cannot exhaust memory.
 */
export class FlowTable {
  private readonly flows = new Map<string, Flow>();
  private readonly parser = new FlowPacketParser();

  constructor(private readonly maxFlows = 100_000) {}

  /** A PacketObserver: every packet the policy passes. */
  readonly observe = (linkType: number, data: Uint8Array, originalLength: number, seconds: number): void => {
    const packet = this.parser.parse(linkType, data, originalLength);
    if (!packet.ok) return;
    const src = formatIpAddress(packet.src);
    const dst = formatIpAddress(packet.dst);
    const forward = `${packet.protocol}|${src}|${packet.srcPort}|${dst}|${packet.dstPort}`;
    const reverse = `${packet.protocol}|${dst}|${packet.dstPort}|${src}|${packet.srcPort}`;
    let flow = this.flows.get(forward) ?? this.flows.get(reverse);
    if (!flow) {
      flow = {
        protocol: packet.protocol,
        a: src,
        aPort: packet.srcPort,
        b: dst,
        bPort: packet.dstPort,
        packets: 0,
        bytes: 0,
        firstSeen: seconds,
        lastSeen: seconds,
        second: Math.floor(seconds),
        bytesThisSecond: 0,
        bytesLastSecond: 0,
      };
      if (this.flows.size >= this.maxFlows) this.evictOldest();
      this.flows.set(forward, flow);
    }
    flow.packets++;
    flow.bytes += originalLength;
    flow.lastSeen = Math.max(flow.lastSeen, seconds);
    const second = Math.floor(seconds);
    if (second !== flow.second) {
      flow.bytesLastSecond = second === flow.second + 1 ? flow.bytesThisSecond : 0;
      flow.bytesThisSecond = 0;
      flow.second = second;
    }
    flow.bytesThisSecond += originalLength;
  };

  get size(): number {
    return this.flows.size;
  }

  /** Busiest first; `podOf` names the pod behind an address ("namespace/pod") where known. */
  list(limit: number, podOf: (ip: string) => string | null, nowSeconds = Date.now() / 1000): FlowView[] {
    return [...this.flows.values()]
      .sort((x, y) => y.bytes - x.bytes)
      .slice(0, limit)
      .map((f) => {
        const ported = PORTED.has(f.protocol);
        const idle = nowSeconds - f.lastSeen > 2;
        return {
          protocol: PROTOCOLS[f.protocol] ?? `IP proto ${f.protocol}`,
          source: f.a,
          sourcePort: ported ? f.aPort : null,
          destination: f.b,
          destinationPort: ported ? f.bPort : null,
          sourcePod: podOf(f.a),
          destinationPod: podOf(f.b),
          packets: f.packets,
          bytes: f.bytes,
          rate: idle ? 0 : f.bytesLastSecond * 8,
          firstSeen: f.firstSeen,
          lastSeen: f.lastSeen,
        };
      });
  }

  clear(): void {
    this.flows.clear();
  }

  /** CSV for "Export flows…": one line per flow, a header first. */
  csv(podOf: (ip: string) => string | null): string {
    const quote = (v: string | number | null) =>
      v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v);
    const header =
      'protocol,source,source_port,destination,destination_port,source_pod,destination_pod,packets,bytes,first_seen,last_seen\n';
    return (
      header +
      this.list(Number.MAX_SAFE_INTEGER, podOf)
        .map((f) =>
          [
            f.protocol,
            f.source,
            f.sourcePort,
            f.destination,
            f.destinationPort,
            f.sourcePod,
            f.destinationPod,
            f.packets,
            f.bytes,
            new Date(f.firstSeen * 1000).toISOString(),
            new Date(f.lastSeen * 1000).toISOString(),
          ]
            .map(quote)
            .join(','),
        )
        .map((line) => `${line}\n`)
        .join('')
    );
  }

  /** Drops the least recently seen tenth at once: amortised, not a scan per new flow. */
  private evictOldest(): void {
    const byAge = [...this.flows].sort((x, y) => x[1].lastSeen - y[1].lastSeen);
    for (const [key] of byAge.slice(0, Math.max(1, Math.floor(this.maxFlows / 10)))) this.flows.delete(key);
  }
}
