import type { CniStyle, LabNode, LabState } from './config.js';
import { bridgeIn, ipBatch, ipIn, linkExists, netnsExists, run, sysctlIn, tryRun } from './exec.js';
import { nthIp, vtepMac } from './naming.js';

/** The VXLAN device each CNI style programs (names, VNIs and ports as the real CNIs use them). */
export const VXLAN: Record<CniStyle, { dev: string; vni: number; port: number }> = {
  calico: { dev: 'vxlan.calico', vni: 4096, port: 4789 },
  flannel: { dev: 'flannel.1', vni: 1, port: 8472 },
};

/** Pod MTU under VXLAN (1500 minus 50 bytes of encapsulation), like both CNIs choose. */
export const POD_MTU = 1450;

/** Host routes to the pod CIDRs carry this protocol number, so --cleanup finds exactly ours. */
export const HOST_ROUTE_PROTO = '211';

/** A node's host-side veth on the lab bridge. */
export const nodeVethName = (node: LabNode) => `ctlab-n${node.index}`;

/** Each node's VTEP address is the first address of its pod CIDR (Calico's block, Flannel's subnet). */
export const vtepIp = (node: LabNode) => nthIp(node.podCIDR, 0);
export const gatewayIp = (node: LabNode) => nthIp(node.podCIDR, 1);

/**
 * The node namespace: eth0 on the lab bridge with the node's InternalIP, forwarding on, IPv6
 * off (no router solicitations in anybody's capture), loose reverse-path filtering (in mixed
 * clusters a reply may come back through the other style's VXLAN device). Idempotent: a harness
 * restart keeps the namespace and the pods in it.
 */
export async function setupNodeNamespace(node: LabNode, state: LabState): Promise<void> {
  const ns = node.netns;
  const hostVeth = nodeVethName(node);
  if (!netnsExists(ns)) await run('ip', ['netns', 'add', ns]);
  await sysctlIn(ns, {
    'net.ipv4.ip_forward': 1,
    'net.ipv4.conf.all.rp_filter': 0,
    'net.ipv4.conf.default.rp_filter': 0,
    'net.ipv6.conf.all.disable_ipv6': 1,
    'net.ipv6.conf.default.disable_ipv6': 1,
  });
  if (!(await linkExists(ns, 'eth0')) || (await tryRun('ip', ['link', 'show', hostVeth])) === undefined) {
    await tryRun('ip', ['-n', ns, 'link', 'del', 'eth0']);
    await tryRun('ip', ['link', 'del', hostVeth]);
    await run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  }
  await run('sysctl', ['-qw', `net.ipv6.conf.${hostVeth}.disable_ipv6=1`]);
  await run('ip', ['link', 'set', hostVeth, 'master', state.bridge, 'up']);
  await ipBatch(ns, [
    'link set lo up',
    `addr replace ${node.internalIP}/24 dev eth0`,
    'link set eth0 up',
    `route replace default via ${state.gatewayIP} dev eth0`,
  ]);
  await ensureHostRoute(node, state);
}

/**
 * The host (API server, broker, probes) reaches the node's pods through the node; the host does
 * not forward (ip_forward stays as it is), so nothing from a pod goes past the lab bridge. The
 * harness re-asserts it every 30 s: the host's routing table is shared with everyone.
 */
export async function ensureHostRoute(node: LabNode, state: LabState): Promise<void> {
  const { podCIDR, internalIP } = node;
  await run('ip', [
    'route',
    'replace',
    podCIDR,
    'via',
    internalIP,
    'dev',
    state.bridge,
    'proto',
    HOST_ROUTE_PROTO,
  ]);
}

/**
 * The node's CNI devices: its own style's VXLAN device (plus cni0 for Flannel) and, in mixed
 * clusters, the other style's device too, because each node reaches a peer through the peer's
 * style (same VNI and port on both ends). Routes, ARP and FDB entries to peers are static,
 * exactly what calico-node and flanneld program from their datastores.
 */
export async function setupNodeCni(node: LabNode, state: LabState): Promise<void> {
  const ns = node.netns;
  const peers = state.nodes.filter((n) => n.name !== node.name);
  const styles = new Set<CniStyle>([node.cni, ...peers.map((p) => p.cni)]);
  for (const style of styles) {
    const { dev, vni, port } = VXLAN[style];
    if (!(await linkExists(ns, dev)))
      await ipIn(ns, [
        'link',
        'add',
        dev,
        'address',
        vtepMac(style, node.name),
        'mtu',
        String(POD_MTU),
        'type',
        'vxlan',
        'id',
        String(vni),
        'local',
        node.internalIP,
        'dev',
        'eth0',
        'dstport',
        String(port),
        'nolearning',
      ]);
    await ipBatch(ns, [`addr replace ${vtepIp(node)}/32 dev ${dev}`, `link set ${dev} up`]);
    for (const peer of peers.filter((p) => p.cni === style)) {
      const mac = vtepMac(style, peer.name);
      await ipBatch(ns, [
        `neigh replace ${vtepIp(peer)} lladdr ${mac} dev ${dev} nud permanent`,
        `route replace ${peer.podCIDR} via ${vtepIp(peer)} dev ${dev} onlink`,
      ]);
      await bridgeIn(ns, ['fdb', 'replace', mac, 'dev', dev, 'dst', peer.internalIP, 'self', 'permanent']);
    }
  }
  if (node.cni === 'flannel') {
    if (!(await linkExists(ns, 'cni0')))
      await ipIn(ns, ['link', 'add', 'cni0', 'mtu', String(POD_MTU), 'type', 'bridge']);
    await ipBatch(ns, [`addr replace ${gatewayIp(node)}/24 dev cni0`, 'link set cni0 up']);
  } else {
    // Calico's blackhole for its own block: unassigned local pod IPs never leave the node.
    await ipIn(ns, ['route', 'replace', 'blackhole', node.podCIDR]);
  }
}

export interface PodInterface {
  hostInterface: string;
  netns: string;
}

/** Creates a pod's namespace and wires it the way the node's CNI style does. */
export async function attachPod(node: LabNode, podNetns: string, ip: string, hostIf: string): Promise<void> {
  const ns = node.netns;
  if (!netnsExists(podNetns)) await run('ip', ['netns', 'add', podNetns]);
  await sysctlIn(podNetns, { 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 });
  await tryRun('ip', ['-n', ns, 'link', 'del', hostIf]);
  await tryRun('ip', ['-n', podNetns, 'link', 'del', 'eth0']);
  const mtu = String(POD_MTU);
  await ipIn(ns, [
    'link',
    'add',
    hostIf,
    'mtu',
    mtu,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    podNetns,
    'mtu',
    mtu,
  ]);
  if (node.cni === 'calico') {
    // Calico: a routed /32 per pod; the host veth answers ARP for the fake gateway 169.254.1.1.
    await ipIn(ns, ['link', 'set', hostIf, 'address', 'ee:ee:ee:ee:ee:ee']);
    await sysctlIn(ns, {
      [`net.ipv4.conf.${hostIf}.proxy_arp`]: 1,
      [`net.ipv4.neigh.${hostIf}.proxy_delay`]: 0,
      [`net.ipv4.conf.${hostIf}.forwarding`]: 1,
    });
    await ipBatch(ns, [`link set ${hostIf} up`, `route replace ${ip}/32 dev ${hostIf} scope link`]);
    await ipBatch(podNetns, [
      'link set lo up',
      `addr replace ${ip}/32 dev eth0`,
      'link set eth0 up',
      'route replace 169.254.1.1 dev eth0 scope link',
      'route replace default via 169.254.1.1 dev eth0',
    ]);
  } else {
    // Flannel (bridge plugin): a port on cni0, the pod in the node's /24 behind gateway .1.
    await ipBatch(ns, [
      `link set ${hostIf} master cni0`,
      `link set ${hostIf} type bridge_slave hairpin on`,
      `link set ${hostIf} up`,
    ]);
    await ipBatch(podNetns, [
      'link set lo up',
      `addr replace ${ip}/24 dev eth0`,
      'link set eth0 up',
      `route replace default via ${gatewayIp(node)} dev eth0`,
    ]);
  }
}

/** Whether a pod's namespace, veth pair and address are still there (a harness restart adopts them). */
export async function sandboxIntact(
  nodeNetns: string,
  podNetns: string,
  ip: string,
  hostIf: string,
): Promise<boolean> {
  if (!netnsExists(podNetns) || !(await linkExists(nodeNetns, hostIf))) return false;
  const addr = await tryRun('ip', ['-n', podNetns, '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  return addr?.includes(` ${ip}/`) ?? false;
}

/** Removes the pod's veth (and with it the Calico /32 route) and its namespace. */
export async function detachPod(nodeNetns: string, podNetns: string, hostIf: string | null): Promise<void> {
  if (hostIf) await tryRun('ip', ['-n', nodeNetns, 'link', 'del', hostIf]);
  await tryRun('ip', ['netns', 'del', podNetns]);
}
