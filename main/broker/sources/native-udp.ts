import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The udp_batch addon (main/broker/native/udp_batch.c): recvmmsg batches with kernel timestamps. */
export interface UdpBatchReceiver {
  close(): void;
  /** [kernel drops (SO_RXQ_OVFL), receive buffer bytes, bound port] */
  stats(): [number, number, number];
}

export interface UdpBatchModule {
  open(
    family: 4 | 6,
    address: string,
    port: number,
    receiveBuffer: number,
    data: ArrayBuffer,
    slotSize: number,
    meta: Uint32Array,
    onBatch: (count: number) => void,
  ): UdpBatchReceiver;
  /** Raw IPPROTO_GRE socket for forwarding (needs CAP_NET_RAW); returns the fd. */
  greOpen(family: 4 | 6): number;
  /** Bytes sent, or -1 when the socket buffer is full. */
  greSend(fd: number, family: 4 | 6, address: string, bytes: Uint8Array): number;
  greClose(fd: number): void;
}

/** Words of metadata per datagram, as udp_batch.c writes them. */
export const META_WORDS = 8;
export const META = { LENGTH: 0, FLAGS: 1, TS_HIGH: 2, TS_LOW: 3, ADDRESS: 4 } as const;
export const FLAG_TRUNCATED = 1;
export const FLAG_IPV6 = 2;

const ADDON = 'main/broker/native/build/Release/udp_batch.node';

let cached: UdpBatchModule | null | undefined;

/** The addon, or null where it was not built (not Linux, or no compiler): then dgram is used. */
export function loadUdpBatch(): UdpBatchModule | null {
  if (cached === undefined) cached = process.env.CLUSTERTAP_NO_NATIVE === '1' ? null : requireAddon();
  return cached;
}

function requireAddon(): UdpBatchModule | null {
  // dist/main/broker/sources → repository (or app) root
  const file = path.resolve(import.meta.dirname, '../../../..', ADDON);
  try {
    return fs.existsSync(file) ? (createRequire(import.meta.url)(file) as UdpBatchModule) : null;
  } catch {
    return null;
  }
}
