import dgram from 'node:dgram';
import { nowMicros } from '../../capture/timestamp.js';
import { UsageError } from '../allow-list.js';
import { BatchVxlanListener } from './batch-vxlan-listener.js';
import { udpSocketDrops } from './kernel-drops.js';
import { formatListenAddress, type ListenAddress } from './listen-address.js';
import { loadUdpBatch } from './native-udp.js';

/**
 * Receives one VXLAN datagram. `datagram` is only valid during the call (batched receive reuses
 * its buffer): a stage that keeps packets must copy them. The timestamp is in units of 10^-resolution s.
 */
export type DatagramSink = (
  datagram: Uint8Array,
  peer: string,
  tsHigh: number,
  tsLow: number,
  resolution: number,
) => void;

/** A VXLAN terminator on one UDP address. */
export interface VxlanSource {
  readonly label: string;
  readonly received: number;
  readonly receiveBufferBytes: number;
  start(): Promise<void>;
  kernelDrops(): number | undefined;
  close(): Promise<void>;
}

/** The batched native receiver where it is built (Linux), Node's dgram elsewhere. */
export function createVxlanSource(listen: ListenAddress, sink: DatagramSink): VxlanSource {
  const addon = loadUdpBatch();
  return addon ? new BatchVxlanListener(listen, addon, sink) : new DgramVxlanListener(listen, sink);
}

/** 32 MiB: enough to ride out a GC pause at 1 Gbit/s. The kernel caps it at net.core.rmem_max. */
const RECEIVE_BUFFER = 32 << 20;

/** Terminates VXLAN on a Node dgram socket: portable, one callback per datagram (~220 kpps a core). */
export class DgramVxlanListener implements VxlanSource {
  private socket: dgram.Socket | undefined;
  received = 0;
  receiveBufferBytes = 0;
  private dropsAtStart = 0;
  /** Read just before closing: the socket's row leaves /proc/net/udp with it. */
  private finalDrops: number | undefined;

  constructor(
    readonly listen: ListenAddress,
    private readonly sink: DatagramSink,
  ) {}

  get label(): string {
    return `vxlan ${formatListenAddress(this.listen)} (dgram)`;
  }

  async start(): Promise<void> {
    const socket = dgram.createSocket({ type: this.listen.family, recvBufferSize: RECEIVE_BUFFER });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (error: NodeJS.ErrnoException) => reject(bindError(this.listen, error)));
      socket.bind(this.listen.port, this.listen.address, () => resolve());
    });
    this.receiveBufferBytes = socket.getRecvBufferSize();
    this.dropsAtStart = udpSocketDrops(this.listen.family, this.listen.port) ?? 0;
    socket.on('message', (datagram, remote) => {
      this.received++;
      const now = nowMicros();
      this.sink(datagram, remote.address, Math.floor(now / 2 ** 32), now >>> 0, 6);
    });
    this.socket = socket;
  }

  /** Datagrams the kernel dropped on this socket since start (its receive buffer was full). */
  kernelDrops(): number | undefined {
    if (!this.socket) return this.finalDrops;
    const now = udpSocketDrops(this.listen.family, this.listen.port);
    return now === undefined ? undefined : now - this.dropsAtStart;
  }

  close(): Promise<void> {
    if (this.socket) this.finalDrops = this.kernelDrops();
    const socket = this.socket;
    this.socket = undefined;
    return new Promise((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
  }
}

export function bindError(listen: ListenAddress, error: NodeJS.ErrnoException): Error {
  const where = formatListenAddress(listen);
  if (error.code === 'EADDRINUSE')
    return new UsageError(
      `cannot listen on UDP ${where}: the port is in use (another capture, or a kernel VXLAN device with this dstport). ` +
        'Pick another with --vxlan PORT.',
    );
  if (error.code === 'EADDRNOTAVAIL')
    return new UsageError(`cannot listen on UDP ${where}: no local interface has that address.`);
  if (error.code === 'EACCES')
    return new UsageError(`cannot listen on UDP ${where}: ports below 1024 need CAP_NET_BIND_SERVICE.`);
  return new UsageError(`cannot listen on UDP ${where}: ${error.message}`);
}
