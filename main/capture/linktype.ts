/** pcap/pcapng link-layer header types (tcpdump.org/linktypes.html) used by ClusterTap. */
export const LINKTYPE = {
  ETHERNET: 1,
  /** Raw IPv4 or IPv6, version from the first nibble. */
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export function linkTypeOfPayload(kind: 'ethernet' | 'ipv4' | 'ipv6'): number {
  return kind === 'ethernet' ? LINKTYPE.ETHERNET : LINKTYPE.RAW;
}
