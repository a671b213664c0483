import { formatIpAddress } from '../decode/ip-address.js';
import { formatListenAddress, type ListenAddress } from './listen-address.js';
import {
  FLAG_IPV6,
  FLAG_TRUNCATED,
  META,
  META_WORDS,
  type UdpBatchModule,
  type UdpBatchReceiver,
} from './native-udp.js';
import { bindError, type DatagramSink, type VxlanSource } from './vxlan-listener.js';

/** Slots hold the largest UDP payload, so GSO super-packets (up to 64 KiB) arrive whole. */
const SLOT_SIZE = 65536;
const BATCH = 64;
const RECEIVE_BUFFER = 32 << 20;

/**
 * Terminates VXLAN on one UDP socket read in recvmmsg batches by the udp_batch addon: one JS call
 * per batch, datagrams as views of one buffer, kernel receive timestamps in nanoseconds.
 */
export class BatchVxlanListener implements VxlanSource {
  private receiver: UdpBatchReceiver | undefined;
  private readonly data = new ArrayBuffer(SLOT_SIZE * BATCH);
  private readonly bytes = new Uint8Array(this.data);
  private readonly meta = new Uint32Array(BATCH * META_WORDS);
  private readonly metaBytes = new Uint8Array(this.meta.buffer);
  private readonly peers = new Map<number, string>();
  private finalDrops: number | undefined;
  received = 0;
  truncated = 0;
  receiveBufferBytes = 0;

  constructor(
    readonly listen: ListenAddress,
    private readonly addon: UdpBatchModule,
    private readonly sink: DatagramSink,
  ) {}

  get label(): string {
    return `vxlan ${formatListenAddress(this.listen)} (recvmmsg)`;
  }

  async start(): Promise<void> {
    const family = this.listen.family === 'udp6' ? 6 : 4;
    try {
      this.receiver = this.addon.open(
        family,
        this.listen.address,
        this.listen.port,
        RECEIVE_BUFFER,
        this.data,
        SLOT_SIZE,
        this.meta,
        (count) => this.onBatch(count),
      );
    } catch (error) {
      throw bindError(this.listen, error as NodeJS.ErrnoException);
    }
    this.receiveBufferBytes = this.receiver.stats()[1];
  }

  private onBatch(count: number): void {
    const { meta, bytes } = this;
    this.received += count;
    for (let i = 0; i < count; i++) {
      const m = i * META_WORDS;
      const length = meta[m + META.LENGTH] as number;
      const flags = meta[m + META.FLAGS] as number;
      if (flags & FLAG_TRUNCATED) this.truncated++;
      const start = i * SLOT_SIZE;
      this.sink(
        bytes.subarray(start, start + length),
        this.peerOf(m, flags),
        meta[m + META.TS_HIGH] as number,
        meta[m + META.TS_LOW] as number,
        9,
      );
    }
  }

  /** Peer addresses as text, formatted once per IPv4 peer (the common case) and cached. */
  private peerOf(m: number, flags: number): string {
    const at = (m + META.ADDRESS) * 4;
    if (flags & FLAG_IPV6) return formatIpAddress(this.metaBytes.subarray(at, at + 16));
    const key = this.meta[m + META.ADDRESS] as number;
    let peer = this.peers.get(key);
    if (peer === undefined) {
      peer = formatIpAddress(this.metaBytes.subarray(at, at + 4));
      if (this.peers.size < 65536) this.peers.set(key, peer);
    }
    return peer;
  }

  kernelDrops(): number | undefined {
    return this.receiver ? this.receiver.stats()[0] : this.finalDrops;
  }

  async close(): Promise<void> {
    if (!this.receiver) return;
    this.finalDrops = this.kernelDrops();
    this.receiver.close();
    this.receiver = undefined;
  }
}
