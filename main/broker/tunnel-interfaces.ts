import { DIRECTION_FLAG } from '../capture/pcapng-blocks.js';
import { directionOf, type TunnelMap } from './tunnel-map.js';

/** `api`: frames an agent streamed through the API server, with the tunnel ID the kernel path would use. */
export type TunnelKind = 'vxlan' | 'gre' | 'api';

/** An interface of the output file, with the counters its ISB reports. */
export interface OutputInterface {
  id: number;
  name: string;
  description: string;
  received: number;
  written: number;
  dropped: number;
}

export interface TunnelInterface extends OutputInterface {
  kind: TunnelKind;
  peer: string;
  tunnelId: number | undefined;
  linkType: number;
  /** if_tsresol of the interface: that of the first packet seen on it. */
  tsResolution: number;
  /** EPB flags for every packet of this interface (direction bits). */
  flags: number;
}

export interface InterfaceSink {
  /** Called once per new interface, returns the output interface ID. */
  addInterface(tunnel: Omit<TunnelInterface, 'id' | 'received' | 'written' | 'dropped'>): number;
}

/**
 * Each (tunnel kind, peer, tunnel ID, link type) is one output interface, so Wireshark shows
 * where every packet came from. Lookups are two Map hits: no string building per packet.
 */
export class TunnelInterfaces {
  private readonly byPeer = new Map<string, Map<number, TunnelInterface>>();
  readonly all: TunnelInterface[] = [];
  private last: TunnelInterface | undefined;
  private labelsVersion: number;
  /** Interfaces named generically because no label was known when their first packet came. */
  private readonly unlabelled = new Set<TunnelInterface>();

  constructor(
    private readonly sink: InterfaceSink,
    private readonly labels: TunnelMap,
  ) {
    this.labelsVersion = labels.version;
  }

  /**
   * A label that arrives after a tunnel's first packet (a pod tapped a moment before its agent's
   * mapping reached us) starts a new, pod-named interface; the generic one keeps what it got.
   */
  private relabel(): void {
    for (const byId of this.byPeer.values())
      for (const [key, tunnel] of byId)
        if (this.unlabelled.has(tunnel) && this.labels.lookup(tunnel.peer, tunnel.tunnelId)) {
          byId.delete(key);
          this.unlabelled.delete(tunnel);
        }
  }

  resolve(
    kind: TunnelKind,
    peer: string,
    tunnelId: number | undefined,
    linkType: number,
    tsResolution: number,
  ): TunnelInterface {
    // Streams arrive in runs from the same tunnel: check the last answer before two Map lookups.
    const last = this.last;
    if (this.labelsVersion !== this.labels.version) {
      // New labels: forget the fast path so unlabelled tunnels are looked up again.
      this.labelsVersion = this.labels.version;
      this.last = undefined;
      this.relabel();
    } else if (
      last &&
      last.peer === peer &&
      last.tunnelId === tunnelId &&
      last.linkType === linkType &&
      last.kind === kind
    )
      return last;
    this.last = this.lookup(kind, peer, tunnelId, linkType, tsResolution);
    return this.last;
  }

  private lookup(
    kind: TunnelKind,
    peer: string,
    tunnelId: number | undefined,
    linkType: number,
    tsResolution: number,
  ): TunnelInterface {
    const peerKey = kind === 'gre' ? `gre|${peer}` : peer;
    let byId = this.byPeer.get(peerKey);
    if (byId === undefined) {
      byId = new Map();
      this.byPeer.set(peerKey, byId);
    }
    // Tunnel IDs are < 2^32 and link types < 2^16; -1 stands for "no GRE key".
    const key = ((tunnelId ?? -1) + 1) * 65536 + linkType;
    let found = byId.get(key);
    if (found === undefined) {
      found = this.create(kind, peer, tunnelId, linkType, tsResolution);
      byId.set(key, found);
    }
    return found;
  }

  private create(
    kind: TunnelKind,
    peer: string,
    tunnelId: number | undefined,
    linkType: number,
    tsResolution: number,
  ): TunnelInterface {
    const label = this.labels.lookup(peer, tunnelId);
    const idName =
      kind === 'vxlan'
        ? `vni=${tunnelId}`
        : kind === 'api'
          ? `id=${tunnelId}`
          : tunnelId === undefined
            ? 'nokey'
            : `key=${tunnelId}`;
    const what =
      kind === 'vxlan'
        ? `VXLAN VNI ${tunnelId}`
        : kind === 'api'
          ? `API stream tunnel ID ${tunnelId}`
          : tunnelId === undefined
            ? 'GRE without key'
            : `GRE key ${tunnelId}`;
    const base = {
      kind,
      peer,
      tunnelId,
      linkType,
      tsResolution,
      name: label?.name ?? `${kind}:${peer}/${idName}`,
      description: label?.description ?? `${what} from ${peer}`,
      flags: DIRECTION_FLAG[directionOf(label)],
    };
    const tunnel: TunnelInterface = {
      ...base,
      id: this.sink.addInterface(base),
      received: 0,
      written: 0,
      dropped: 0,
    };
    this.all.push(tunnel);
    if (!label) this.unlabelled.add(tunnel);
    return tunnel;
  }
}
