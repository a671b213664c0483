import type { FlowRecord } from './flow-record.js';

/** Writes one export datagram (NetFlow v9 packet or IPFIX message) front to back, in network order. */
export class DatagramWriter {
  readonly buffer: Buffer;
  offset = 0;

  constructor(size: number) {
    this.buffer = Buffer.alloc(size); // zeroed: padding bytes must be 0
  }

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  u8(value: number): void {
    this.buffer[this.offset++] = value & 0xff;
  }

  u16(value: number): void {
    this.buffer.writeUInt16BE(value & 0xffff, this.offset);
    this.offset += 2;
  }

  u32(value: number): void {
    this.buffer.writeUInt32BE(value >>> 0, this.offset);
    this.offset += 4;
  }

  /** Counters and millisecond times: whole numbers below 2^53. */
  u64(value: number): void {
    this.u32(Math.floor(value / 2 ** 32));
    this.u32(value % 2 ** 32);
  }

  bytes(bytes: Uint8Array): void {
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  /** Starts a (flow)set; its length is filled in by closeSet. Returns where it starts. */
  openSet(id: number): number {
    const start = this.offset;
    this.u16(id);
    this.u16(0);
    return start;
  }

  /** NetFlow v9 pads each FlowSet to 4 bytes (RFC 3954 §5.3); IPFIX needs no padding. */
  closeSet(start: number, padTo4: boolean): void {
    if (padTo4) this.offset += (4 - (this.offset % 4)) % 4;
    this.buffer.writeUInt16BE(this.offset - start, start + 2);
  }

  done(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }
}

export interface TemplateRefresh {
  /** Send the templates again after this many export datagrams… */
  packets: number;
  /** …or this much (packet) time, whichever comes first. */
  ms: number;
}

/**
 * Over UDP a collector that starts (or restarts) after us only learns the templates when they
 * are sent again (RFC 3954 §9, RFC 7011 §8.4), so they go out periodically with the data.
 * Both limits are counted in export datagrams and flow time, so a file exports the same bytes
 * every time.
 */
export const DEFAULT_TEMPLATE_REFRESH: TemplateRefresh = { packets: 20, ms: 30_000 };

export class TemplateSchedule {
  private sentAtMs: number | undefined;
  private packetsSince = 0;

  constructor(private readonly refresh: TemplateRefresh) {}

  due(nowMs: number): boolean {
    return (
      this.sentAtMs === undefined ||
      this.packetsSince >= this.refresh.packets ||
      nowMs - this.sentAtMs >= this.refresh.ms
    );
  }

  sent(nowMs: number): void {
    this.sentAtMs = nowMs;
    this.packetsSince = 0;
  }

  packetSent(): void {
    this.packetsSince++;
  }
}

/** How a datagram is filled: the largest size, leaving room for IP and UDP headers on a 1500 MTU. */
export const DEFAULT_MAX_DATAGRAM_BYTES = 1400;

/** The largest UDP payload over IPv4. */
const MAX_UDP_PAYLOAD = 65_507;

/**
 * Checked when an encoder is made, so that a datagram always holds a header, the templates
 * and the largest record, and encoding can never fail on a live capture.
 */
export function checkDatagramSize(maxBytes: number, worstCase: number): number {
  if (!Number.isInteger(maxBytes) || maxBytes < worstCase || maxBytes > MAX_UDP_PAYLOAD)
    throw new RangeError(
      `maxDatagramBytes must be from ${worstCase} (header, templates and the largest record) to ${MAX_UDP_PAYLOAD}, not ${maxBytes}`,
    );
  return maxBytes;
}

export interface EncoderOptions {
  /** NetFlow v9 source ID / IPFIX observation domain ID. */
  domainId?: number;
  maxDatagramBytes?: number;
  templateRefresh?: TemplateRefresh;
  /** 1 in N packets reached the exporter (the sample stage); reported in an options record. */
  samplingInterval?: number;
}

/** Turns flow records into export datagrams; keeps the sequence and template refresh state. */
export interface FlowEncoder {
  encode(records: readonly FlowRecord[], nowMs: number): Buffer[];
}

/** The sampling interval to announce: a whole number of packets, at least 1. */
export function samplingIntervalOf(options: EncoderOptions): number {
  const interval = options.samplingInterval ?? 1;
  if (!Number.isInteger(interval) || interval < 1 || interval > 0xffffffff)
    throw new RangeError(`samplingInterval must be a whole number from 1, not ${interval}`);
  return interval;
}
