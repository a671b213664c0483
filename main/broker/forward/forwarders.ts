import dgram from 'node:dgram';
import net from 'node:net';
import { LINKTYPE } from '../../capture/linktype.js';
import { UsageError } from '../allow-list.js';
import type { PacketObserver } from '../broker.js';
import { encodeVxlanHeader } from '../decode/vxlan.js';
import { type CaptureFilter, compileCaptureFilter } from '../filter/capture-filter.js';
import { loadUdpBatch } from '../sources/native-udp.js';
import { type ForwardTarget, parseForwardTarget } from './forward-target.js';
import { ethernetFrame } from './frame-for-tunnel.js';

/** Datagrams or bytes a forwarder may have in flight before it drops (and counts) instead. */
const MAX_IN_FLIGHT_DATAGRAMS = 4096;
const MAX_TCP_BACKLOG = 16 << 20;
const RECONNECT_MS = 5000;
const CONNECT_WAIT_MS = 3000;
const CLOSE_WAIT_MS = 2000;

export interface ForwarderStats {
  url: string;
  forwarded: number;
  /** Not matched by this forwarder's own filter. */
  filteredOut: number;
  /** The receiver is slow, absent or not connected: dropped here, never stalling capture. */
  dropped: number;
  lastError?: string;
}

interface Forwarder {
  observe: PacketObserver;
  /** Resolves once the transport can send (connected), or has given up trying for now. */
  ready: Promise<void>;
  close(): Promise<void>;
  stats(): ForwarderStats;
}

/** `--forward URL` (repeatable): re-encapsulates the processed stream to other tools. */
export function openForwarders(specs: Array<{ url: string; filter?: string | undefined }>): Forwarder[] {
  // Everything that can be wrong with a spec is found before any socket is opened.
  const parsed = specs.map(({ url, filter }) => {
    const target = parseForwardTarget(url);
    const expression = filter ?? new URL(url).searchParams.get('filter') ?? undefined;
    return {
      url,
      target,
      filter: expression ? compileCaptureFilter(expression, LINKTYPE.ETHERNET) : undefined,
    };
  });
  const opened: Forwarder[] = [];
  try {
    for (const { url, target, filter } of parsed) {
      const counters: ForwarderStats = { url, forwarded: 0, filteredOut: 0, dropped: 0 };
      opened.push(withFilter(filter, counters, openTransport(target, counters)));
    }
  } catch (error) {
    for (const forwarder of opened) void forwarder.close(); // e.g. GRE without CAP_NET_RAW after a VXLAN target
    throw error;
  }
  return opened;
}

function openTransport(target: ForwardTarget, counters: ForwarderStats): Transport {
  if (target.kind === 'vxlan') return vxlanTransport(target, counters);
  if (target.kind === 'gre') return greTransport(target, counters);
  return pcapOverIpTransport(target, counters);
}

type Transport = {
  send(linkType: number, data: Uint8Array, originalLength: number, seconds: number): void;
  close(): Promise<void>;
  ready?: Promise<void>;
};

function withFilter(
  filter: CaptureFilter | undefined,
  counters: ForwarderStats,
  transport: Transport,
): Forwarder {
  return {
    observe(linkType, data, originalLength, seconds) {
      if (filter && !filter.matches(data, originalLength, linkType)) {
        counters.filteredOut++;
        return;
      }
      transport.send(linkType, data, originalLength, seconds);
    },
    close: () => transport.close(),
    ready: transport.ready ?? Promise.resolve(),
    stats: () => ({ ...counters }),
  };
}

function vxlanTransport(
  target: Extract<ForwardTarget, { kind: 'vxlan' }>,
  counters: ForwarderStats,
): Transport {
  const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
  const header = encodeVxlanHeader(target.vni);
  let inFlight = 0;
  socket.on('error', (error) => {
    counters.lastError = error.message;
  });
  return {
    send(linkType, data) {
      const frame = ethernetFrame(linkType, data);
      if (!frame || inFlight >= MAX_IN_FLIGHT_DATAGRAMS) {
        counters.dropped++;
        return;
      }
      inFlight++;
      socket.send([header, frame], target.port, target.host, (error) => {
        inFlight--;
        if (error) {
          counters.dropped++;
          counters.lastError = error.message;
        } else counters.forwarded++;
      });
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function greTransport(target: Extract<ForwardTarget, { kind: 'gre' }>, counters: ForwarderStats): Transport {
  const addon = loadUdpBatch();
  if (!addon)
    throw new UsageError(
      `--forward ${target.url}: GRE forwarding needs the native module (npm run build on Linux)`,
    );
  const family = net.isIPv6(target.host) ? 6 : 4;
  let fd: number;
  try {
    fd = addon.greOpen(family);
  } catch (error) {
    throw new UsageError(
      `--forward ${target.url}: ${(error as Error).message}; GRE needs CAP_NET_RAW (run as root, or setcap cap_net_raw as for --gre)`,
    );
  }
  const keyLength = target.key === undefined ? 0 : 4;
  return {
    send(linkType, data) {
      // L2GRE (0x6558) for Ethernet frames, plain IPv4/IPv6 payloads for raw IP (RFC 2784/2890).
      const protocol =
        linkType === LINKTYPE.ETHERNET ? 0x6558 : (data[0] as number) >> 4 === 6 ? 0x86dd : 0x0800;
      if (linkType !== LINKTYPE.ETHERNET && linkType !== LINKTYPE.RAW) {
        counters.dropped++;
        return;
      }
      const packet = Buffer.alloc(4 + keyLength + data.length);
      packet.writeUInt16BE(target.key === undefined ? 0 : 0x2000, 0);
      packet.writeUInt16BE(protocol, 2);
      if (target.key !== undefined) packet.writeUInt32BE(target.key, 4);
      packet.set(data, 4 + keyLength);
      if (addon.greSend(fd, family, target.host, packet) < 0) {
        counters.dropped++;
        counters.lastError = 'socket buffer full, or the packet is too large for the path';
      } else counters.forwarded++;
    },
    close: async () => addon.greClose(fd),
  };
}

/** PCAP-over-IP: connects to HOST:PORT and streams a classic pcap (what NetworkMiner/Arkime read). */
function pcapOverIpTransport(
  target: Extract<ForwardTarget, { kind: 'pcap-over-ip' }>,
  counters: ForwarderStats,
): Transport {
  let socket: net.Socket | undefined;
  let connected = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let settle: () => void = () => {};
  // A capture (a file above all) starts once the first connection attempt has settled, so the
  // first packets are not dropped just because TCP had not finished its handshake.
  const ready = new Promise<void>((resolve) => {
    settle = resolve;
    setTimeout(resolve, CONNECT_WAIT_MS).unref();
  });
  const connect = () => {
    const s = net.connect(target.port, target.host);
    socket = s;
    s.on('connect', () => {
      connected = true;
      s.write(pcapFileHeader());
      settle();
    });
    s.on('error', (error) => {
      counters.lastError = error.message;
      settle();
    });
    s.on('close', () => {
      connected = false;
      if (!closed) retry = setTimeout(connect, RECONNECT_MS).unref();
    });
  };
  connect();
  return {
    ready,
    send(linkType, data, originalLength, seconds) {
      const frame = ethernetFrame(linkType, data);
      if (!frame || !connected || !socket || socket.writableLength > MAX_TCP_BACKLOG) {
        counters.dropped++;
        return;
      }
      const record = Buffer.alloc(16);
      const whole = Math.floor(seconds);
      record.writeUInt32LE(whole, 0);
      record.writeUInt32LE(Math.min(999_999, Math.round((seconds - whole) * 1e6)), 4);
      record.writeUInt32LE(frame.length, 8);
      record.writeUInt32LE(originalLength + (frame.length - data.length), 12);
      socket.write(Buffer.concat([record, frame]), (error) => {
        if (error) counters.dropped++;
        else counters.forwarded++;
      });
    },
    close: () =>
      new Promise((resolve) => {
        closed = true;
        clearTimeout(retry);
        if (!socket || !connected) {
          socket?.destroy();
          resolve();
          return;
        }
        // A receiver that stopped reading must not hold the capture open: what it has not taken
        // within CLOSE_WAIT_MS is dropped (each queued write's callback counts it).
        const s = socket;
        const giveUp = setTimeout(() => s.destroy(), CLOSE_WAIT_MS);
        s.once('close', () => {
          clearTimeout(giveUp);
          resolve();
        });
        s.end();
      }),
  };
}

function pcapFileHeader(): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(LINKTYPE.ETHERNET, 20);
  return header;
}
