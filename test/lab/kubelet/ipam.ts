import { intToIp, ipToInt, parseCidr } from './naming.js';

/**
 * Pod IPs of one node's podCIDR. .0 is the node's VXLAN (VTEP) address in both styles (Calico
 * gives its tunnel the block's first address, Flannel the subnet's .0), .1 is Flannel's cni0
 * gateway (kept free on Calico nodes too, so both styles number pods alike), the last address is
 * the broadcast. Like the host-local IPAM plugin, allocation goes round-robin from the last
 * address handed out (`after`), so a freed address is not reused at once (peers' ARP caches and
 * conntrack entries still point at the old pod). The harness rebuilds `used` from its pod
 * records on start, so a restart neither reuses nor loses an address.
 */
export function allocateIp(podCIDR: string, used: Iterable<string>, after?: string): string | undefined {
  const { network, size } = parseCidr(podCIDR);
  const taken = new Set([...used].map(ipToInt));
  const first = 2;
  const count = size - 3; // .0, .1 and the broadcast are never pods'
  const start = after && cidrContains(podCIDR, after) ? ipToInt(after) - network - first + 1 : 0;
  for (let i = 0; i < count; i++) {
    const offset = first + ((start + i) % count);
    if (!taken.has(network + offset)) return intToIp(network + offset);
  }
  return undefined;
}

export function cidrContains(cidr: string, ip: string): boolean {
  const { network, size } = parseCidr(cidr);
  const n = ipToInt(ip);
  return n >= network && n < network + size;
}
