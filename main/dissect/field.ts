/**
 * Display-filter fields. Each protocol file declares its fields as readers over its layer and the
 * frame bytes: nothing is extracted until a filter, the colour rules or the detail pane asks.
 */
import type { Layer, LayerKind, LayerOf } from './types.js';

/**
 * Value types, as Wireshark's field types: `uintN` (N bits), `bool`, `ipv4` (a 32-bit number),
 * `ipv6` (16 bytes), `ether` (a 48-bit number), `string`, and `protocol` (presence only).
 */
export type FieldType =
  | 'uint8'
  | 'uint16'
  | 'uint24'
  | 'uint32'
  | 'bool'
  | 'ipv4'
  | 'ipv6'
  | 'ether'
  | 'string'
  | 'protocol';

export type FieldValue = number | boolean | string | Uint8Array;

/** Calls `visit` with each value; returns true as soon as `visit` does ("any" semantics). */
export type FieldVisitor = (value: FieldValue) => boolean;

export interface FieldDef {
  abbrev: string;
  /** What Wireshark calls the field (for the UI's field list). */
  name: string;
  type: FieldType;
  /** Digits when Wireshark shows the value in hex (`eth.type` → 0x0800). */
  hexDigits?: number;
  layer: LayerKind;
  /** A second layer kind with the same field (Wireshark's ip.version is also set by IPv6). */
  otherLayer?: LayerKind;
  /** Names a filter may use instead of numbers (`arp.opcode == request`). */
  valueNames?: Readonly<Record<string, number>>;
  each(layer: Layer, bytes: Uint8Array, visit: FieldVisitor): boolean;
}

export interface ProtocolDef {
  abbrev: string;
  name: string;
  layer: LayerKind;
  /** When one layer kind serves two protocol names (dns and mdns). */
  matches?: (layer: Layer) => boolean;
}

interface FieldOptions {
  hexDigits?: number;
  valueNames?: Readonly<Record<string, number>>;
}

/** A field with at most one value per layer. */
export function field<K extends LayerKind>(
  layer: K,
  abbrev: string,
  name: string,
  type: FieldType,
  read: (layer: LayerOf<K>, bytes: Uint8Array) => FieldValue | undefined,
  options: FieldOptions = {},
): FieldDef {
  return {
    abbrev,
    name,
    type,
    layer,
    ...options,
    each: (l, bytes, visit) => {
      const value = read(l as LayerOf<K>, bytes);
      return value !== undefined && visit(value);
    },
  };
}

/** A field with any number of values per layer (ip.addr, tcp.port, dns.a). */
export function multiField<K extends LayerKind>(
  layer: K,
  abbrev: string,
  name: string,
  type: FieldType,
  each: (layer: LayerOf<K>, bytes: Uint8Array, visit: FieldVisitor) => boolean,
  options: FieldOptions = {},
): FieldDef {
  return {
    abbrev,
    name,
    type,
    layer,
    ...options,
    each: (l, bytes, visit) => each(l as LayerOf<K>, bytes, visit),
  };
}

/** A boolean made of one bit of a number field. */
export function bit(value: number | undefined, mask: number): boolean | undefined {
  return value === undefined ? undefined : (value & mask) !== 0;
}
