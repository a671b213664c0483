import dgram from 'node:dgram';
import { UsageError } from '../allow-list.js';
import { udpSocketDrops } from './kernel-drops.js';
import { formatListenAddress, type ListenAddress } from './listen-address.js';

/** 32 MiB: enough to ride out a GC pause at 1 Gbit/s. The kernel caps it at net.core.rmem_max. */
const RECEIVE_BUFFER = 32 << 20;

export type DatagramHandler = (datagram: Buffer, peer: string) => void;

/** Terminates VXLAN on one UDP socket. */
export class VxlanListener {
  private socket: dgram.Socket | undefined;
  received = 0;
  receiveBufferBytes = 0;
  private dropsAtStart = 0;
  /** Read just before closing: the socket's row leaves /proc/net/udp with it. */
  private finalDrops: number | undefined;

  constructor(
    readonly listen: ListenAddress,
    private readonly onDatagram: DatagramHandler,
  ) {}

  get label(): string {
    return `vxlan ${formatListenAddress(this.listen)}`;
  }

  async start(): Promise<void> {
    const socket = dgram.createSocket({ type: this.listen.family, recvBufferSize: RECEIVE_BUFFER });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (error: NodeJS.ErrnoException) => reject(bindError(this.listen, error)));
      socket.bind(this.listen.port, this.listen.address, () => resolve());
    });
    try {
      socket.setRecvBufferSize(RECEIVE_BUFFER);
    } catch {
      // best effort; the size actually granted is reported below
    }
    this.receiveBufferBytes = socket.getRecvBufferSize();
    this.dropsAtStart = udpSocketDrops(this.listen.family, this.listen.port) ?? 0;
    socket.on('message', (datagram, remote) => {
      this.received++;
      this.onDatagram(datagram, remote.address);
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

function bindError(listen: ListenAddress, error: NodeJS.ErrnoException): Error {
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
