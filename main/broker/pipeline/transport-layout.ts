import { readU16 } from '../decode/ethernet.js';
import { ETHERTYPE } from '../decode/ethertype.js';
import { decodeIpv6, IPPROTO } from '../decode/ip.js';
import { decodeLink } from '../decode/link-layer.js';

/** Where the layers of a frame start, for masking anchors. Absent layers are undefined. */
export interface TransportLayout {
  l3?: number;
  l4?: number;
  protocol?: number;
  payload?: number;
  /** End of the L4 payload within the captured bytes (Ethernet padding excluded). */
  payloadEnd?: number;
}

/**
 * Finds the layers from the headers alone, so a sliced frame (captured bytes shorter than the
 * IP length) still has anchors. Every read is bounds-checked against the captured bytes.
 */
export function transportLayout(linkType: number, data: Uint8Array): TransportLayout {
  const link = decodeLink(linkType, data);
  if (!link?.ok) return {};
  const l3 = link.payloadOffset;
  const ethertype = link.ethertype;
  const ip =
    ethertype === ETHERTYPE.IPV4
      ? ipv4Layout(data, l3)
      : ethertype === ETHERTYPE.IPV6
        ? ipv6Layout(data, l3)
        : undefined;
  if (!ip) return { l3 };
  const { l4, protocol } = ip;
  const payloadEnd = Math.min(ip.end, data.length);
  if (protocol === IPPROTO.UDP && l4 + 8 <= data.length)
    return { l3, l4, protocol, payload: l4 + 8, payloadEnd };
  if (protocol === IPPROTO.TCP && l4 + 20 <= data.length) {
    const headerLength = Math.max(20, ((data[l4 + 12] as number) >> 4) * 4);
    return { l3, l4, protocol, payload: Math.min(l4 + headerLength, payloadEnd), payloadEnd };
  }
  return { l3, l4, protocol };
}

interface IpLayout {
  l4: number;
  protocol: number;
  /** End of the IP packet per its length field. */
  end: number;
}

function ipv4Layout(data: Uint8Array, l3: number): IpLayout | undefined {
  if (data.length < l3 + 20 || (data[l3] as number) >> 4 !== 4) return undefined;
  const headerLength = ((data[l3] as number) & 0x0f) * 4;
  if (headerLength < 20 || (readU16(data, l3 + 6) & 0x1fff) !== 0) return undefined; // later fragments have no L4
  // Total length 0 is what a TSO/BIG TCP super-packet carries: the captured bytes are the packet.
  const totalLength = readU16(data, l3 + 2);
  return {
    l4: l3 + headerLength,
    protocol: data[l3 + 9] as number,
    end: totalLength === 0 ? data.length : l3 + totalLength,
  };
}

function ipv6Layout(data: Uint8Array, l3: number): IpLayout | undefined {
  if (data.length < l3 + 40 || (data[l3] as number) >> 4 !== 6) return undefined;
  const end = l3 + 40 + readU16(data, l3 + 4);
  const next = data[l3 + 6] as number;
  if (next === IPPROTO.TCP || next === IPPROTO.UDP) return { l4: l3 + 40, protocol: next, end };
  // Extension headers: the full decoder, on the captured bytes (a sliced packet may end early).
  const ip = decodeIpv6(data.subarray(0, Math.min(end, data.length)), l3);
  if (ip.ok && !ip.fragmented) return { l4: ip.payloadOffset, protocol: ip.protocol, end };
  return undefined;
}
