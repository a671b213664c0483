import { ETHERTYPE } from './ethertype.js';
import { type DecodeResult, truncated } from './result.js';

/**
 * Ethernet II header with any number of 802.1Q / 802.1ad tags:
 *   dst(6) src(6) [TPID(2) TCI(2)]* ethertype(2)
 */
export interface EthernetHeader {
  /** VLAN IDs, outermost first. */
  vlans: number[];
  ethertype: number;
  payloadOffset: number;
}

const MAX_VLAN_TAGS = 4;

export function decodeEthernet(bytes: Uint8Array, offset = 0): DecodeResult<EthernetHeader> {
  const have = bytes.length - offset;
  if (have < 14) return truncated('ethernet', 14, have);
  let cursor = offset + 12;
  const vlans: number[] = [];
  let ethertype = readU16(bytes, cursor);
  while ((ethertype === ETHERTYPE.VLAN || ethertype === ETHERTYPE.QINQ) && vlans.length < MAX_VLAN_TAGS) {
    if (bytes.length < cursor + 6) return truncated('ethernet', cursor + 6 - offset, have);
    vlans.push(readU16(bytes, cursor + 2) & 0x0fff);
    cursor += 4;
    ethertype = readU16(bytes, cursor);
  }
  return { ok: true, vlans, ethertype, payloadOffset: cursor + 2 };
}

export function readU16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
}
