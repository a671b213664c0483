/** Types the packet store shares with its callers (the broker, the IPC contract, the dissector). */

/** One tapped pod interface ("node/namespace/pod (ingress|egress)") as the broker describes it. */
export interface StoreInterfaceInfo {
  name: string;
  description?: string;
  linkType: number;
  /** if_tsresol byte: timestamps of this interface's packets are counted in these units. */
  tsResolution: number;
  /** 0 = no limit (the pcapng meaning). */
  snapLength?: number;
}

/** An interface with what the UI shows about it, parsed once from its name. */
export interface StoreInterface extends Required<Pick<StoreInterfaceInfo, 'name' | 'linkType'>> {
  id: number;
  description: string;
  tsResolution: number;
  snapLength: number;
  /** Set when the name follows the tap naming "node/namespace/pod (ingress|egress)". */
  pod?: { node: string; namespace: string; name: string; direction: 'ingress' | 'egress' };
}

/**
 * What a display filter or the dissector gets besides the bytes. One object is reused for every
 * packet of a pass (no allocation per packet): read it during the call, do not keep it.
 */
export interface PacketMeta {
  number: number;
  interfaceId: number;
  linkType: number;
  tsHigh: number;
  tsLow: number;
  tsResolution: number;
  capturedLength: number;
  originalLength: number;
  flags: number;
}

export type DisplayPredicate = (number: number, bytes: Uint8Array, meta: PacketMeta) => boolean;

/** The packet-list columns the dissector computes from a packet (Wireshark's summary line). */
export interface PacketSummary {
  source: string;
  destination: string;
  protocol: string;
  info: string;
  /** A CSS colour for the row (Wireshark's colouring rules); absent = default. */
  colour?: string;
}

export type Summarize = (linkType: number, bytes: Uint8Array, originalLength: number) => PacketSummary;

export type View = 'all' | 'displayed';

/** One row of the virtualized packet list. */
export interface PacketRow {
  number: number;
  time: {
    /** Seconds since the first packet the store ever received (stays put when old packets are dropped). */
    relative: number;
    /** Whole seconds since the epoch, and the nanoseconds within that second. */
    epochSeconds: number;
    nanoseconds: number;
  };
  interface: StoreInterface;
  /** Length on the wire, and what was kept of it. */
  length: number;
  capturedLength: number;
  flags: number;
  summary: PacketSummary;
}

export interface FilterProgress {
  /** Packets examined by the current filter so far, and the packets stored when last checked. */
  processed: number;
  total: number;
  done: boolean;
}

/** What subscribers are told, at most every `notifyIntervalMs`. */
export interface StoreStats {
  /** Packets held now (after ring drops). */
  count: number;
  /** Packets the current display filter shows (= count without a filter). */
  displayedCount: number;
  /** Number of the oldest packet held (1 when nothing was dropped), and of the newest (0 = none yet). */
  firstNumber: number;
  lastNumber: number;
  /** Oldest packets dropped to stay within maxPackets / maxSpillBytes (the ring). */
  droppedByLimit: number;
  /** Packets refused because the disk could not keep up with the spill (a counted drop, like the writer's). */
  droppedBacklog: number;
  interfaces: number;
  /** Bytes held in spill files, and the metadata's memory (typed arrays + display index). */
  spillBytes: number;
  metadataBytes: number;
  filter: FilterProgress | undefined;
  /** Set once writing the spill failed (disk full): the store then refuses packets. */
  spillError?: string;
}

export type StoreListener = (stats: StoreStats) => void;

export interface Clock {
  /** Milliseconds since the epoch (Date.now in production). */
  now(): number;
}
