/**
 * One unidirectional flow record, as the cache hands it to the NetFlow v9 and IPFIX encoders.
 * The cache keeps a flow bidirectionally (like softflowd) and exports one record per direction
 * that carried packets.
 */
/** The key fields a frame and its flow record share. */
export interface FlowKeyFields {
  ipVersion: 4 | 6;
  /** 4 or 16 bytes (in a FlowPacket a view valid until the next parse; in a record its own copy). */
  src: Uint8Array;
  dst: Uint8Array;
  protocol: number;
  /** TCP/UDP ports; ICMP/ICMPv6: 0 and type × 256 + code, the Cisco convention softflowd follows. */
  srcPort: number;
  dstPort: number;
  /** Outermost 802.1Q/802.1ad VLAN ID; 0 when the frame was untagged. */
  vlan: number;
}

export interface FlowRecord extends FlowKeyFields {
  packets: number;
  /** IP header and payload as softflowd counts them: frame length minus the link header. */
  octets: number;
  /** OR of the TCP flags of every packet in this direction. */
  tcpFlags: number;
  /** IPv4 TOS / IPv6 traffic class of the first packet in this direction. */
  tos: number;
  /** First and last packet of this direction, milliseconds since the epoch. */
  startMs: number;
  endMs: number;
  endReason: FlowEndReason;
  /** Kubernetes identity of the endpoints, where known (see README.md "Pod identity"). */
  pods?: PodIdentity;
}

/** Why a flow left the cache; the values of IPFIX flowEndReason (IE 136, RFC 5102). */
export const FLOW_END_REASON = {
  idle: 1,
  active: 2,
  endOfFlow: 3,
  forced: 4,
  lackOfResources: 5,
} as const;

export type FlowEndReason = keyof typeof FLOW_END_REASON;

export interface PodRef {
  namespace: string;
  pod: string;
}

export interface PodIdentity {
  src?: PodRef;
  dst?: PodRef;
}
