import { LINKTYPE } from '../../capture/linktype.js';

/**
 * What a forwarder puts in the tunnel: the frame itself when it is Ethernet; a raw IP packet gets
 * an Ethernet header (zero MACs, EtherType from the IP version) where the tunnel carries Ethernet.
 * Always a copy: the frame may be a view of a receive buffer that is about to be reused.
 */
export function ethernetFrame(linkType: number, data: Uint8Array): Buffer | undefined {
  if (linkType === LINKTYPE.ETHERNET) return Buffer.from(data);
  if (linkType !== LINKTYPE.RAW || data.length === 0) return undefined;
  const frame = Buffer.alloc(14 + data.length);
  frame.writeUInt16BE((data[0] as number) >> 4 === 6 ? 0x86dd : 0x0800, 12);
  frame.set(data, 14);
  return frame;
}
