import { intToIp, ipToInt, parseCidr } from './naming.js';

/**
 * Pod IPs of one node's podCIDR. .0 is the node's VXLAN (VTEP) address in both styles (Calico
 * gives its tunnel the block's first address, Flannel the subnet's .0), .1 is Flannel's cni0
 * gateway (kept free on Calico nodes too, so both styles number pods alike), the last address is
 * the broadcast. Allocation is lowest-free-first, skipping addresses in use: the harness rebuilds
 * `used` from its pod records on start, so a restart neither reuses nor loses an address.
 */
export function allocateIp(podCIDR: string, used: Iterable<string>): string | undefined {
  const { network, size } = parseCidr(podCIDR);
  const taken = new Set([...used].map(ipToInt));
  for (let offset = 2; offset < size - 1; offset++)
    if (!taken.has(network + offset)) return intToIp(network + offset);
  return undefined;
}

export function cidrContains(cidr: string, ip: string): boolean {
  const { network, size } = parseCidr(cidr);
  const n = ipToInt(ip);
  return n >= network && n < network + size;
}
