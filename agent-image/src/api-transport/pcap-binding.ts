import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** agent-image/native/pcap_capture.c: libpcap capture (api transport) and frame injection (probes). */
export interface PcapBinding {
  /** direction: 0 both, 1 received by the device, 2 sent by it. Throws libpcap's message. */
  open(
    device: string,
    direction: 0 | 1 | 2,
    snapLength: number,
    bufferBytes: number,
    filter: string,
  ): unknown;
  /** Records (little-endian): u32 seconds, u32 nanoseconds, u32 captured, u32 original, bytes, pad to 4. */
  read(capture: unknown, maxPackets: number): Buffer | null;
  /** [received, dropped (buffer full), dropped by the interface]. */
  stats(capture: unknown): [number, number, number];
  close(capture: unknown): void;
  inject(device: string, frame: Buffer): number;
}

const ADDON = 'agent-image/native/build/Release/pcap_capture.node';
let cached: PcapBinding | undefined;

export function loadPcapBinding(): PcapBinding {
  if (cached) return cached;
  // Built: dist/agent-image/src/api-transport → four levels up to the root; sources: three.
  const file = [
    path.resolve(import.meta.dirname, '../../../..', ADDON),
    path.resolve(import.meta.dirname, '../../..', ADDON),
  ].find((candidate) => fs.existsSync(candidate));
  if (file === undefined)
    throw new Error(
      `the api transport and tunnel probes need ${ADDON}: install libpcap-dev and run npm run build`,
    );
  cached = createRequire(import.meta.url)(file) as PcapBinding;
  return cached;
}

export interface CapturedPacket {
  seconds: number;
  nanoseconds: number;
  originalLength: number;
  frame: Buffer;
}

/** Walks the records of one read() without copying the frames. */
export function forEachRecord(buffer: Buffer, visit: (packet: CapturedPacket) => void): void {
  let offset = 0;
  while (offset + 16 <= buffer.length) {
    const captured = buffer.readUInt32LE(offset + 8);
    visit({
      seconds: buffer.readUInt32LE(offset),
      nanoseconds: buffer.readUInt32LE(offset + 4),
      originalLength: buffer.readUInt32LE(offset + 12),
      frame: buffer.subarray(offset + 16, offset + 16 + captured),
    });
    offset += 16 + ((captured + 3) & ~3);
  }
}
