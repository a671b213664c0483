/**
 * Building detail-tree nodes. A protocol's node collects field lines until one no longer fits
 * before the layer's limit; from then on lines are dropped, as Wireshark stops at the exception
 * (the "[Malformed Packet …]" line itself is added by dissect.ts from the layer's problem).
 */
import type { DissectionNode, LayerProblem } from './types.js';

export function node(
  label: string,
  offset: number,
  length: number,
  abbrev?: string,
  children?: DissectionNode[],
): DissectionNode {
  const out: DissectionNode = { label, offset, length };
  if (abbrev !== undefined) out.abbrev = abbrev;
  if (children !== undefined && children.length > 0) out.children = children;
  return out;
}

export class TreeBuilder {
  private readonly lines: DissectionNode[] = [];
  private stopped = false;

  constructor(private readonly limit: number) {}

  /** True when bytes [offset, offset+length) were captured and belong to the layer. */
  fits(offset: number, length: number): boolean {
    return !this.stopped && offset >= 0 && offset + length <= this.limit;
  }

  /** Adds a line if its bytes fit; `label` is only called then, so it may read them unchecked. */
  add(
    offset: number,
    length: number,
    abbrev: string | undefined,
    label: () => string,
    children?: () => DissectionNode[],
  ): DissectionNode | undefined {
    if (!this.fits(offset, length)) {
      this.stopped = true;
      return undefined;
    }
    const line = node(label(), offset, length, abbrev, children?.());
    this.lines.push(line);
    return line;
  }

  /** Adds a line that is not a field (a summary or a computed value in brackets). */
  push(line: DissectionNode): void {
    if (!this.stopped) this.lines.push(line);
  }

  get complete(): boolean {
    return !this.stopped;
  }

  /** The protocol's line; it grows to cover every line under it, so children never stick out. */
  build(label: string, abbrev: string, offset: number, length: number): DissectionNode {
    let end = offset + Math.max(0, length);
    for (const line of this.lines) end = Math.max(end, line.offset + line.length);
    return node(label, offset, end - offset, abbrev, this.lines);
  }
}

const PROTOCOL_NAMES: Record<string, string> = {
  sll: 'SLL',
  eth: 'Ethernet',
  vlan: 'VLAN',
  arp: 'ARP',
  ip: 'IPv4',
  ipv6: 'IPv6',
  tcp: 'TCP',
  udp: 'UDP',
  icmp: 'ICMP',
  icmpv6: 'ICMPv6',
  dns: 'DNS',
  http: 'HTTP',
};

/** Wireshark's line for a layer that ended early. */
export function problemNode(
  kind: string,
  problem: LayerProblem,
  offset: number,
  length: number,
): DissectionNode {
  const name = PROTOCOL_NAMES[kind] ?? kind.toUpperCase();
  const label =
    problem.kind === 'truncated'
      ? `[Packet size limited during capture: ${name} truncated]`
      : problem.kind === 'unreassembled'
        ? `[Unreassembled Packet: ${name}]`
        : `[Malformed Packet: ${name}]`;
  return node(label, offset, Math.max(0, length), '_ws.malformed', [
    node(problem.detail, offset, Math.max(0, length)),
  ]);
}

/**
 * Whether `need` bytes at `offset` fit: undefined when they do; otherwise `truncated` when the
 * capture stopped first (the packet itself is longer), `malformed` when the packet's own length
 * (`claimedEnd`) is too short, as Wireshark tells a BoundsError from a ReportedBoundsError.
 */
export function shortfall(
  name: string,
  offset: number,
  need: number,
  claimedEnd: number,
  captured: number,
): LayerProblem | undefined {
  if (offset + need <= claimedEnd && offset + need <= captured) return undefined;
  const have = Math.max(0, Math.min(claimedEnd, captured) - offset);
  if (offset + need > claimedEnd)
    return { kind: 'malformed', detail: `${name} needs ${need} bytes, the packet leaves ${have}` };
  return { kind: 'truncated', detail: `${name} needs ${need} bytes, ${have} were captured` };
}
