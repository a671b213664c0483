import { ETHERTYPE } from '../decode/ethertype.js';
import { decodeLink } from '../decode/link-layer.js';
import type { PipelinePacket, Stage } from './stage.js';

/**
 * `--dedup[=MS]`: a pod-to-pod packet on one node is mirrored twice (leaving one veth, entering
 * the other). A routed copy (Calico) differs in its Ethernet header, TTL / hop limit and IPv4
 * checksum, so for IP packets the fingerprint covers the IP packet with exactly those fields
 * ignored (plus the L2 header, which routing rewrites); other frames are compared whole.
 * The second sighting within the window is dropped.
 */
export class DedupStage implements Stage {
  readonly name = 'dedup';
  /** fingerprint → time first seen (seconds) */
  private readonly seen = new Map<number, number>();
  private readonly order: Array<{ key: number; seconds: number }> = [];
  private head = 0;

  constructor(private readonly windowSeconds: number) {}

  apply(packet: PipelinePacket): boolean {
    this.expire(packet.seconds);
    const key = fingerprint(packet.linkType, packet.data, packet.originalLength);
    const first = this.seen.get(key);
    if (first !== undefined && packet.seconds - first <= this.windowSeconds) return false;
    this.seen.set(key, packet.seconds);
    this.order.push({ key, seconds: packet.seconds });
    return true;
  }

  private expire(now: number): void {
    const { order } = this;
    while (
      this.head < order.length &&
      now - (order[this.head] as { seconds: number }).seconds > this.windowSeconds
    ) {
      const { key, seconds } = order[this.head] as { key: number; seconds: number };
      if (this.seen.get(key) === seconds) this.seen.delete(key);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > order.length) {
      order.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** Byte offsets (from the IP header) that a router changes: TTL and checksum, or hop limit. */
const IPV4_IGNORED = [8, 10, 11];
const IPV6_IGNORED = [7];

/**
 * Two 32-bit FNV-1a style hashes in one pass, folded into one exact 53-bit Map key: a false
 * duplicate needs both to collide within one window (~1 in 2^53 per pair).
 */
export function fingerprint(linkType: number, data: Uint8Array, originalLength: number): number {
  let start = 0;
  let ignored: number[] = [];
  // The link header (MACs; SLL's packet type and ifindex) differs between the two sightings.
  const link = decodeLink(linkType, data);
  if (link?.ok && (link.ethertype === ETHERTYPE.IPV4 || link.ethertype === ETHERTYPE.IPV6)) {
    start = link.payloadOffset;
    ignored = link.ethertype === ETHERTYPE.IPV4 ? IPV4_IGNORED : IPV6_IGNORED;
  }
  let h1 = 0x811c9dc5 ^ originalLength;
  let h2 = 0x01000193 ^ (data.length - start);
  const end = data.length;
  // The ignored fields are all in the first 12 bytes of the IP header: those go byte by byte,
  // the rest a 32-bit word at a time (4x fewer multiplications on big frames).
  let i = start;
  for (const headEnd = Math.min(end, start + 12); i < headEnd; i++) {
    const byte = ignored.includes(i - start) ? 0 : (data[i] as number);
    h1 = Math.imul(h1 ^ byte, 0x01000193);
    h2 = Math.imul(h2 ^ byte, 0x5bd1e995) ^ (h2 >>> 15);
  }
  for (; i + 4 <= end; i += 4) {
    const word =
      ((data[i] as number) << 24) |
      ((data[i + 1] as number) << 16) |
      ((data[i + 2] as number) << 8) |
      (data[i + 3] as number);
    h1 = Math.imul(h1 ^ word, 0x01000193);
    h2 = Math.imul(h2 ^ word, 0x5bd1e995) ^ (h2 >>> 15);
  }
  for (; i < end; i++) {
    h1 = Math.imul(h1 ^ (data[i] as number), 0x01000193);
    h2 = Math.imul(h2 ^ (data[i] as number), 0x5bd1e995) ^ (h2 >>> 15);
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}
