import { badFlags, type DecodeResult, truncated } from './result.js';

/**
 * VXLAN header (RFC 7348 §5):
 *
 *   0                   1                   2                   3
 *  |R|R|R|R|I|R|R|R|            Reserved                           |
 *  |                VXLAN Network Identifier (VNI) |   Reserved    |
 *
 * The inner Ethernet frame follows the 8 header bytes.
 */
export const VXLAN_HEADER_LENGTH = 8;
const FLAG_VNI_VALID = 0x08;

export interface VxlanHeader {
  vni: number;
  /** Offset of the inner Ethernet frame within the decoded bytes. */
  payloadOffset: number;
}

export function decodeVxlan(bytes: Uint8Array, offset = 0): DecodeResult<VxlanHeader> {
  const have = bytes.length - offset;
  if (have < VXLAN_HEADER_LENGTH) return truncated('vxlan', VXLAN_HEADER_LENGTH, have);
  const flags = bytes[offset] as number;
  // RFC 7348: the I flag MUST be 1; the R bits MUST be ignored on receipt.
  if ((flags & FLAG_VNI_VALID) === 0) return badFlags('vxlan', 'I flag (valid VNI) is not set');
  const vni =
    ((bytes[offset + 4] as number) << 16) |
    ((bytes[offset + 5] as number) << 8) |
    (bytes[offset + 6] as number);
  return { ok: true, vni, payloadOffset: offset + VXLAN_HEADER_LENGTH };
}

export function encodeVxlanHeader(vni: number): Uint8Array {
  const header = new Uint8Array(VXLAN_HEADER_LENGTH);
  header[0] = FLAG_VNI_VALID;
  header[4] = (vni >>> 16) & 0xff;
  header[5] = (vni >>> 8) & 0xff;
  header[6] = vni & 0xff;
  return header;
}
