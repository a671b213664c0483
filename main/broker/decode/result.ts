/**
 * Every decoder returns a tagged result instead of throwing: packets come from the network,
 * so a malformed one is an expected, countable event, never an exception.
 */
export type DecodeFailure =
  /** The buffer ends before the header (or a length field) says it should. */
  | { ok: false; reason: 'truncated'; layer: string; need: number; have: number }
  /** Flags or version bits the RFC says a receiver must reject. */
  | { ok: false; reason: 'bad-flags'; layer: string; detail: string }
  /** A protocol/ethertype we do not carry (e.g. a GRE payload that is neither Ethernet nor IP). */
  | { ok: false; reason: 'unknown'; layer: string; detail: string };

export type DecodeResult<T> = ({ ok: true } & T) | DecodeFailure;

export type DecodeFailureReason = DecodeFailure['reason'];

export function truncated(layer: string, need: number, have: number): DecodeFailure {
  return { ok: false, reason: 'truncated', layer, need, have };
}

export function badFlags(layer: string, detail: string): DecodeFailure {
  return { ok: false, reason: 'bad-flags', layer, detail };
}

export function unknown(layer: string, detail: string): DecodeFailure {
  return { ok: false, reason: 'unknown', layer, detail };
}

/** A view of `length` bytes of `bytes` starting at `offset`, checked against the buffer. */
export function viewOf(bytes: Uint8Array, offset = 0, length = bytes.length - offset): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, length);
}

export function hex16(value: number): string {
  return `0x${value.toString(16).padStart(4, '0')}`;
}
