import { createHash } from 'node:crypto';

/**
 * Everything by which this session recognises what it put into the kernel, derived from the
 * session ID alone, so a restarted agent (state lost after kill -9) finds exactly its own
 * leftovers and never what belongs to the CNI or to another session on the same node.
 */
export interface SessionIdentity {
  /** `ctap` + 6 hex digits: tunnel devices are `<prefix><tunnel ID in base 36>`, ≤ 15 chars. */
  devicePrefix: string;
  /** Device alias (`ip link … alias`): ownership proof beyond the name prefix. */
  alias: string;
  /**
   * tc priority of our mirror filters on pod interfaces, in 0xb000–0xbfef: below 49152 (0xc000),
   * the priority the kernel gives filters added without one, so we see packets before a CNI's
   * default-priority direct-action program ends the chain (our mirred uses `continue`, so theirs
   * still runs after us). A CNI at a lower number (Cilium uses 1) that ends the chain hides
   * packets from us: nothing at tc level can run before it.
   */
  priority: number;
  /** Cookie (hex) on our mirred actions: which filters at our priority are ours. */
  cookie: string;
  /** A never-run marker filter (chain `markerChain`) on a clsact qdisc that we added. */
  markerChain: number;
  markerMagic: number;
  deviceName(tunnelId: number): string;
}

/** Flannel's default VNI and Calico's VXLAN VNI: never ours, whatever the base. */
export const RESERVED_TUNNEL_IDS: ReadonlySet<number> = new Set([1, 4096]);
/** VXLAN VNIs are 24 bits; GRE keys could be 32, but one range for both keeps the broker's --vni simple. */
export const MAX_TUNNEL_ID = 0xffffff;
export const LINUX_IFNAMSIZ = 15;

export function sessionIdentity(sessionId: string): SessionIdentity {
  const hash = createHash('sha256').update(`clustertap:${sessionId}`).digest();
  const devicePrefix = `ctap${hash.subarray(0, 3).toString('hex')}`;
  return {
    devicePrefix,
    alias: `clustertap session=${sessionId}`,
    priority: 0xb000 + (hash.readUInt32BE(4) % 0xff0),
    cookie: `c7a9${hash.subarray(8, 18).toString('hex')}`,
    // tc limits chain indexes to 28 bits.
    markerChain: 0x0c7a0000 | hash.readUInt16BE(18),
    markerMagic: hash.readUInt32BE(20),
    deviceName(tunnelId) {
      const name = `${devicePrefix}${tunnelId.toString(36)}`;
      if (name.length > LINUX_IFNAMSIZ)
        throw new Error(`tunnel ID ${tunnelId} is too large for a device name`);
      return name;
    },
  };
}
