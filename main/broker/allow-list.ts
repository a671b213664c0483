import net from 'node:net';

/** Thrown for a bad flag value; the message says what is wrong and how to write it. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Which tunnels the broker accepts: peers by CIDR (`--allow-peer`) and tunnel IDs by list
 * (`--vni 100,200-299`). An empty list accepts everything.
 */
export class AllowList {
  private readonly peers = new net.BlockList();
  private readonly peerCache = new Map<string, boolean>();
  private readonly idRanges: Array<[number, number]>;
  readonly restrictsPeers: boolean;
  readonly restrictsIds: boolean;

  constructor(peerCidrs: readonly string[], idLists: readonly string[]) {
    for (const cidr of peerCidrs) addCidr(this.peers, cidr);
    this.restrictsPeers = peerCidrs.length > 0;
    this.idRanges = idLists.flatMap(parseIdList);
    this.restrictsIds = this.idRanges.length > 0;
  }

  allowsPeer(address: string): boolean {
    if (!this.restrictsPeers) return true;
    let allowed = this.peerCache.get(address);
    if (allowed === undefined) {
      const family = net.isIPv6(address) ? 'ipv6' : 'ipv4';
      const mapped = address.startsWith('::ffff:') && net.isIPv4(address.slice(7));
      allowed = this.peers.check(address, family) || (mapped && this.peers.check(address.slice(7), 'ipv4'));
      if (this.peerCache.size < 65536) this.peerCache.set(address, allowed);
    }
    return allowed;
  }

  allowsId(id: number | undefined): boolean {
    if (!this.restrictsIds) return true;
    if (id === undefined) return false;
    for (const [low, high] of this.idRanges) if (id >= low && id <= high) return true;
    return false;
  }
}

function addCidr(list: net.BlockList, cidr: string): void {
  const [address = '', prefixText, ...rest] = cidr.trim().split('/');
  const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : undefined;
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!family || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max)
    throw new UsageError(`--allow-peer ${cidr}: expected an address or CIDR such as 10.0.0.0/8 or fd00::/64`);
  list.addSubnet(address, prefix, family);
}

const MAX_TUNNEL_ID = 0xffffffff;

/** "100,200-299" → [[100,100],[200,299]] */
export function parseIdList(list: string): Array<[number, number]> {
  return list.split(',').map((part) => {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const low = Number(match?.[1]);
    const high = match?.[2] === undefined ? low : Number(match[2]);
    if (!match || low > high || high > MAX_TUNNEL_ID)
      throw new UsageError(
        `--vni ${list}: expected IDs or ranges such as 100,200-299 (0 to ${MAX_TUNNEL_ID})`,
      );
    return [low, high];
  });
}
