/** EtherType values the broker recognises (IEEE registry). */
export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  IPV6: 0x86dd,
  /** Transparent Ethernet Bridging: GRE carrying whole Ethernet frames (L2GRE, gretap). */
  TEB: 0x6558,
} as const;
