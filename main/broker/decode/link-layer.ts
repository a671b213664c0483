import { LINKTYPE } from '../../capture/linktype.js';
import { decodeEthernet } from './ethernet.js';
import { ETHERTYPE } from './ethertype.js';
import { decodeSll, decodeSll2 } from './linux-sll.js';
import { type DecodeFailure, unknown } from './result.js';

/**
 * The link layer of every link type the broker handles: Ethernet (VLAN tags skipped), Linux
 * cooked SLL/SLL2 (tcpdump -i any), raw IP. Where the network layer starts and what it is.
 */
export type LinkResult =
  /** vlan: the outermost VLAN ID, 0 when untagged. */
  { ok: true; ethertype: number; payloadOffset: number; packetType: number; vlan: number } | DecodeFailure;

/** undefined for link types with no network layer we know. */
export function decodeLink(linkType: number, bytes: Uint8Array): LinkResult | undefined {
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      const eth = decodeEthernet(bytes);
      return eth.ok
        ? {
            ok: true,
            ethertype: eth.ethertype,
            payloadOffset: eth.payloadOffset,
            packetType: 0,
            vlan: eth.vlans[0] ?? 0,
          }
        : eth;
    }
    case LINKTYPE.LINUX_SLL:
    case LINKTYPE.LINUX_SLL2: {
      const sll = linkType === LINKTYPE.LINUX_SLL ? decodeSll(bytes) : decodeSll2(bytes);
      return sll.ok
        ? {
            ok: true,
            ethertype: sll.ethertype,
            payloadOffset: sll.payloadOffset,
            packetType: sll.packetType,
            vlan: 0,
          }
        : sll;
    }
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6: {
      if (bytes.length < 1) return unknown('raw', 'empty packet');
      const version = (bytes[0] as number) >> 4;
      const ethertype = version === 4 ? ETHERTYPE.IPV4 : version === 6 ? ETHERTYPE.IPV6 : 0;
      return { ok: true, ethertype, payloadOffset: 0, packetType: 0, vlan: 0 };
    }
    default:
      return undefined;
  }
}
