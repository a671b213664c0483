import { createRequire } from 'node:module';
import type { CaptureRecord } from '../../capture/capture-record.js';
import { LINKTYPE } from '../../capture/linktype.js';
import { TSRESOL_MICRO } from '../../capture/timestamp.js';
import { UsageError } from '../allow-list.js';

/** Raised when GRE capture lacks the privilege it needs; says how to grant it. */
export class CapabilityError extends UsageError {
  override name = 'CapabilityError';
}

interface PcapSession {
  /** The native handle and the buffers pcap.js dispatches into. */
  session: { dispatch(buffer: Buffer, header: Buffer): number };
  buf: Buffer;
  header: Buffer;
  on(event: 'packet', handler: (packet: { buf: Buffer; header: Buffer }) => void): void;
  stats(): { ps_recv: number; ps_drop: number; ps_ifdrop: number };
  close(): void;
}
interface PcapModule {
  createSession(device: string, options: Record<string, unknown>): PcapSession;
}

/** Only GRE addressed to this host; `inbound` skips what we send ourselves. */
const GRE_FILTER = 'inbound and (ip proto 47 or ip6 proto 47)';
const SNAP_LENGTH = 65535;

export type RecordHandler = (record: CaptureRecord) => void;

/**
 * Terminates GRE. There is no GRE socket in Node.js, and the kernel's gretap device would have
 * to be created per peer, so GRE is captured with libpcap on the `any` device (cooked headers)
 * and decapsulated by the same decoders as file input. Needs CAP_NET_RAW, like dumpcap.
 */
export class GreListener {
  private session: PcapSession | undefined;
  received = 0;
  private finalDrops: number | undefined;
  readonly label = 'gre (libpcap on any)';

  constructor(private readonly onRecord: RecordHandler) {}

  async start(): Promise<void> {
    const pcap = loadPcap();
    try {
      this.session = pcap.createSession('any', {
        filter: GRE_FILTER,
        snap_length: SNAP_LENGTH,
        buffer_size: 32 << 20,
        buffer_timeout: 10,
      });
    } catch (error) {
      throw captureError(error as Error);
    }
    this.session.on('packet', ({ buf, header }) => {
      this.received++;
      const captured = header.readUInt32LE(8);
      const micros = header.readUInt32LE(0) * 1e6 + header.readUInt32LE(4);
      this.onRecord({
        interfaceIndex: 0,
        interfaceName: 'any',
        linkType: LINKTYPE.LINUX_SLL,
        snapLength: SNAP_LENGTH,
        timestamp: { high: Math.floor(micros / 2 ** 32), low: micros >>> 0, resolution: TSRESOL_MICRO },
        data: buf.subarray(0, captured),
        originalLength: header.readUInt32LE(12),
        flags: 0,
      });
    });
  }

  kernelDrops(): number | undefined {
    return this.session ? this.session.stats().ps_drop : this.finalDrops;
  }

  async close(): Promise<void> {
    this.finalDrops = this.kernelDrops();
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    session.close();
    // pcap 3.1 only sets pcap_breakloop() in close(); its poll handle (which keeps Node alive)
    // is released by the next dispatch, which returns -2 at once after a breakloop.
    session.session.dispatch(session.buf, session.header);
  }
}

function loadPcap(): PcapModule {
  try {
    return createRequire(import.meta.url)('pcap') as PcapModule;
  } catch (error) {
    throw new UsageError(
      `GRE capture needs the libpcap binding (npm package "pcap"), which did not load: ${(error as Error).message.split('\n')[0]}. ` +
        'Install libpcap-dev (apt-get install libpcap-dev) and run npm install again.',
    );
  }
}

function captureError(error: Error): Error {
  if (/permission|not permitted|EPERM|socket: Operation/i.test(error.message))
    return new CapabilityError(
      `GRE capture needs CAP_NET_RAW (${error.message.trim()}). Run as root, or grant it once: ` +
        'sudo setcap cap_net_raw,cap_net_admin=eip "$(readlink -f "$(command -v node)")" — ' +
        'as Wireshark does for dumpcap. VXLAN (--vxlan) needs no privilege.',
    );
  return new UsageError(`GRE capture could not start: ${error.message.trim()}`);
}
