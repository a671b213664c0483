/**
 * Reading and formatting frame bytes. Readers take an absolute offset and a limit and return
 * undefined when the field does not fit: callers never read past what was captured.
 */
import { formatIpAddress } from '../broker/decode/ip-address.js';

export function u8(bytes: Uint8Array, at: number, limit: number): number | undefined {
  return at >= 0 && at + 1 <= limit ? (bytes[at] as number) : undefined;
}

export function u16(bytes: Uint8Array, at: number, limit: number): number | undefined {
  return at >= 0 && at + 2 <= limit ? ((bytes[at] as number) << 8) | (bytes[at + 1] as number) : undefined;
}

export function u24(bytes: Uint8Array, at: number, limit: number): number | undefined {
  return at >= 0 && at + 3 <= limit
    ? ((bytes[at] as number) << 16) | ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number)
    : undefined;
}

export function u32(bytes: Uint8Array, at: number, limit: number): number | undefined {
  return at >= 0 && at + 4 <= limit ? read32(bytes, at) : undefined;
}

/** Unchecked big-endian reads, for callers that checked the bounds once for a whole header. */
export function read16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
}

export function read32(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] as number) * 0x1000000 +
    (((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number))
  );
}

/** A 6-byte MAC address as a number (exact: 48 bits fit a double). */
export function read48(bytes: Uint8Array, at: number): number {
  return read16(bytes, at) * 0x100000000 + read32(bytes, at + 2);
}

export function mac48(bytes: Uint8Array, at: number, limit: number): number | undefined {
  return at >= 0 && at + 6 <= limit ? read48(bytes, at) : undefined;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function formatMac(value: number): string {
  const high = Math.floor(value / 0x100000000);
  const low = value >>> 0;
  return `${HEX[high >>> 8]}:${HEX[high & 0xff]}:${HEX[low >>> 24]}:${HEX[(low >>> 16) & 0xff]}:${HEX[(low >>> 8) & 0xff]}:${HEX[low & 0xff]}`;
}

export function macAt(bytes: Uint8Array, at: number): string {
  return formatMac(read48(bytes, at));
}

export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

export function ipv4At(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

export function ipv6At(bytes: Uint8Array, at: number): string {
  return formatIpAddress(bytes.subarray(at, at + 16));
}

export function hexNumber(value: number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, '0')}`;
}

/**
 * Wireshark's bit-field picture: the field's bits under `mask` shown as 0/1, the others as dots,
 * in groups of four (`.... 0101 = Header Length`).
 */
export function bitPicture(value: number, mask: number, width: number): string {
  let out = '';
  for (let bit = width - 1; bit >= 0; bit--) {
    const one = 2 ** bit;
    // Bits 0–30 with integer ops; bit 31 (and wider fields) with division, which stays exact.
    const inMask = bit < 31 ? (mask >>> bit) & 1 : Math.floor(mask / one) % 2;
    if (inMask) out += bit < 31 ? (value >>> bit) & 1 : Math.floor(value / one) % 2;
    else out += '.';
    if (bit > 0 && bit % 4 === 0) out += ' ';
  }
  return out;
}

/** Printable ASCII of bytes[from, to), other bytes as `\xhh` (HTTP lines, DNS labels). */
export function asciiOf(bytes: Uint8Array, from: number, to: number): string {
  let printable = true;
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    if (b < 0x20 || b >= 0x7f) {
      printable = false;
      break;
    }
  }
  if (printable && to - from <= 4096)
    return String.fromCharCode.apply(null, bytes.subarray(from, to) as unknown as number[]);
  let out = '';
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${HEX[b]}`;
  }
  return out;
}

/** The bytes as one hex string (Wireshark's `Data: 7070…`). */
export function hexString(bytes: Uint8Array, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) out += HEX[bytes[i] as number];
  return out;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
