import { LINKTYPE } from '../../capture/linktype.js';
import { decodeEthernet } from '../decode/ethernet.js';
import { ETHERTYPE } from '../decode/ethertype.js';
import { decodeIpv4, decodeIpv6, IPPROTO, type IpHeader } from '../decode/ip.js';
import type { DecodeResult } from '../decode/result.js';

/** Where the layers of a frame start, for masking anchors. Absent layers are undefined. */
export interface TransportLayout {
  l3?: number;
  l4?: number;
  protocol?: number;
  payload?: number;
  /** End of the L4 payload within the captured bytes (Ethernet padding excluded). */
  payloadEnd?: number;
}

export function transportLayout(linkType: number, data: Uint8Array): TransportLayout {
  let l3: number | undefined;
  let ethertype: number | undefined;
  if (linkType === LINKTYPE.ETHERNET) {
    const eth = decodeEthernet(data);
    if (!eth.ok) return {};
    l3 = eth.payloadOffset;
    ethertype = eth.ethertype;
  } else if (linkType === LINKTYPE.RAW && data.length > 0) {
    l3 = 0;
    ethertype = (data[0] as number) >> 4 === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
  }
  if (l3 === undefined) return {};
  let ip: DecodeResult<IpHeader>;
  // Layout on captured bytes: a sliced frame still has headers to anchor to.
  const padded = padToLength(data, l3, ethertype);
  if (ethertype === ETHERTYPE.IPV4) ip = decodeIpv4(padded, l3);
  else if (ethertype === ETHERTYPE.IPV6) ip = decodeIpv6(padded, l3);
  else return { l3 };
  if (!ip.ok || ip.fragmented) return { l3 };
  const l4 = ip.payloadOffset;
  const payloadEnd = Math.min(ip.payloadEnd, data.length);
  if (ip.protocol === IPPROTO.UDP && l4 + 8 <= data.length)
    return { l3, l4, protocol: ip.protocol, payload: l4 + 8, payloadEnd };
  if (ip.protocol === IPPROTO.TCP && l4 + 20 <= data.length) {
    const headerLength = ((data[l4 + 12] as number) >> 4) * 4;
    return {
      l3,
      l4,
      protocol: ip.protocol,
      payload: Math.min(l4 + Math.max(20, headerLength), payloadEnd),
      payloadEnd,
    };
  }
  return { l3, l4, protocol: ip.protocol };
}

/** The IP decoders insist on the whole packet; a captured prefix is enough to find the layers. */
function padToLength(data: Uint8Array, l3: number, ethertype: number | undefined): Uint8Array {
  const declared =
    ethertype === ETHERTYPE.IPV4 && data.length >= l3 + 4
      ? l3 + (((data[l3 + 2] as number) << 8) | (data[l3 + 3] as number))
      : ethertype === ETHERTYPE.IPV6 && data.length >= l3 + 6
        ? l3 + 40 + (((data[l3 + 4] as number) << 8) | (data[l3 + 5] as number))
        : data.length;
  if (declared <= data.length || declared > 65_600) return data;
  const whole = new Uint8Array(declared);
  whole.set(data);
  return whole;
}
