import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import net from 'node:net';
import { UsageError } from '../allow-list.js';
import type { FlowExportKind } from './flow-exporter.js';

export interface FlowTarget {
  host: string;
  port: number;
}

const EXAMPLES: Record<FlowExportKind, string> = {
  ipfix: '192.0.2.10:4739 or [2001:db8::10]:4739',
  netflow9: '192.0.2.10:2055 or [2001:db8::10]:2055',
};

/** `--ipfix HOST:PORT` / `--netflow9 HOST:PORT`; an IPv6 address goes in brackets. */
export function parseFlowTarget(text: string, kind: FlowExportKind): FlowTarget {
  const usage = (problem: string) =>
    new UsageError(`--${kind} ${text}: ${problem}; expected HOST:PORT such as ${EXAMPLES[kind]}`);
  const bracketed = /^\[([^\]]*)\]:(\d+)$/.exec(text);
  const plain = /^([^:[\]\s]+):(\d+)$/.exec(text);
  if (!bracketed && !plain) {
    // "2001:db8::1:4739" cannot be told apart from an address without a port.
    if (!text.startsWith('[') && text.split(':').length > 2) throw usage('put an IPv6 address in brackets');
    throw usage(text.includes(':') ? 'the port is not a number' : 'the port is missing');
  }
  const host = (bracketed?.[1] ?? plain?.[1]) as string;
  const port = Number(bracketed?.[2] ?? plain?.[2]);
  if (bracketed && !net.isIPv6(host)) throw usage(`"${host}" in brackets is not an IPv6 address`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw usage(`port ${port} is not 1-65535`);
  return { host, port };
}

export interface UdpFlowSender {
  /** "192.0.2.10:4739" as resolved. */
  readonly target: string;
  readonly counters: { sent: number; sendErrors: number };
  /** The last send error (e.g. ECONNREFUSED while no collector listens), for the stats line. */
  readonly lastError: string | undefined;
  send(datagram: Buffer): void;
  /** Waits for queued datagrams to leave, then closes the socket. */
  close(): Promise<void>;
}

/**
 * A connected UDP socket to the collector: the host name is resolved once, not per datagram,
 * and a collector that is not (yet) listening costs a counted error, never the capture.
 */
export async function createUdpFlowSender(hostPort: string, kind: FlowExportKind): Promise<UdpFlowSender> {
  const { host, port } = parseFlowTarget(hostPort, kind);
  let resolved: { address: string; family: number };
  try {
    resolved = await dns.lookup(host);
  } catch (error) {
    throw new UsageError(`--${kind} ${hostPort}: cannot resolve ${host} (${(error as Error).message})`);
  }
  const socket = dgram.createSocket(resolved.family === 6 ? 'udp6' : 'udp4');
  const counters = { sent: 0, sendErrors: 0 };
  let lastError: string | undefined;
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;
  const failed = (error: Error) => {
    counters.sendErrors++;
    lastError = error.message;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, resolved.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    socket.close();
    throw new UsageError(
      `--${kind} ${hostPort}: cannot send to ${resolved.address} (${(error as Error).message})`,
    );
  }
  socket.on('error', failed);
  const target = resolved.family === 6 ? `[${resolved.address}]:${port}` : `${resolved.address}:${port}`;
  return {
    target,
    counters,
    get lastError() {
      return lastError;
    },
    send(datagram) {
      if (closing) {
        failed(new Error('sent after close'));
        return;
      }
      inFlight++;
      socket.send(datagram, (error) => {
        inFlight--;
        if (error) failed(error);
        else counters.sent++;
        if (inFlight === 0) drained?.();
      });
    },
    async close() {
      closing = true;
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
