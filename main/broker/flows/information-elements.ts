import type { DatagramWriter } from './export-datagram.js';
import type { FlowRecord } from './flow-record.js';

/**
 * Information elements of the IANA IPFIX registry. NetFlow v9 field types below 128 are the same
 * numbers (RFC 3954 §8: IN_BYTES 1, IN_PKTS 2, …, FIRST_SWITCHED 22, SRC_VLAN 58).
 */
export const IE = {
  octetDeltaCount: 1,
  packetDeltaCount: 2,
  protocolIdentifier: 4,
  ipClassOfService: 5,
  tcpControlBits: 6,
  sourceTransportPort: 7,
  sourceIPv4Address: 8,
  destinationTransportPort: 11,
  destinationIPv4Address: 12,
  /** v9 LAST_SWITCHED: milliseconds of sysUptime. */
  flowEndSysUpTime: 21,
  /** v9 FIRST_SWITCHED. */
  flowStartSysUpTime: 22,
  sourceIPv6Address: 27,
  destinationIPv6Address: 28,
  /** v9 ICMP_TYPE: type × 256 + code. nfdump takes the ICMP type from here in NetFlow v9. */
  icmpTypeCodeIPv4: 32,
  icmpTypeCodeIPv6: 139,
  vlanId: 58,
  observationDomainId: 149,
  flowStartMilliseconds: 152,
  flowEndMilliseconds: 153,
  /**
   * PSAMP (RFC 5477): 1-in-N sampling is "1 packet sampled, N − 1 skipped". Used in NetFlow v9
   * as well (type numbers above 127 follow the IANA registry). nfdump 1.7 scales counts by
   * (305 + 306) / 305 and ignores the older samplingInterval/samplingAlgorithm (34/35), which
   * softflowd sends; it also ignores 305/306 once selectorAlgorithm (304) comes without a
   * selectorId, so the mode (every Nth or random) is not announced.
   */
  samplingPacketInterval: 305,
  samplingPacketSpace: 306,
} as const;

/** v9 options scope type "System" (RFC 3954 §6.1). */
export const V9_SCOPE_SYSTEM = 1;

export const TEMPLATE_ID = { ipv4: 256, ipv6: 257, sampling: 258 } as const;

/**
 * Pod identity travels in enterprise-specific IPFIX elements (RFC 7011 §3.2). 32473 is the
 * private enterprise number RFC 5612 reserves for documentation: a placeholder until ClusterTap
 * registers its own with IANA, and what a collector is configured with meanwhile.
 * NetFlow v9 has no enterprise elements, so only IPFIX carries them.
 */
export const CLUSTERTAP_PEN = 32473;

export const POD_IE = {
  sourcePodNamespace: 1,
  sourcePodName: 2,
  destinationPodNamespace: 3,
  destinationPodName: 4,
} as const;

/** Field length 65535 announces a variable-length field (RFC 7011 §7). */
export const VARIABLE_LENGTH = 0xffff;

export interface FieldSpec {
  id: number;
  length: number;
  enterprise?: number;
}

/** The fields both formats put first in a data record, in this order (see writeKeyAndCounters). */
export function keyAndCounterFields(ipVersion: 4 | 6): FieldSpec[] {
  const address = ipVersion === 4 ? 4 : 16;
  return [
    { id: ipVersion === 4 ? IE.sourceIPv4Address : IE.sourceIPv6Address, length: address },
    { id: ipVersion === 4 ? IE.destinationIPv4Address : IE.destinationIPv6Address, length: address },
    { id: IE.sourceTransportPort, length: 2 },
    { id: IE.destinationTransportPort, length: 2 },
    { id: IE.protocolIdentifier, length: 1 },
    // tcpControlBits is 16 bits in IPFIX (RFC 7125); one byte is a reduced-size encoding (RFC 7011 §6.2).
    { id: IE.tcpControlBits, length: 1 },
    { id: IE.ipClassOfService, length: 1 },
    { id: IE.vlanId, length: 2 },
    { id: ipVersion === 4 ? IE.icmpTypeCodeIPv4 : IE.icmpTypeCodeIPv6, length: 2 },
    { id: IE.octetDeltaCount, length: 8 },
    { id: IE.packetDeltaCount, length: 8 },
  ];
}

const KEY_AND_COUNTERS_LENGTH = {
  4: keyAndCounterFields(4).reduce((sum, field) => sum + field.length, 0),
  6: keyAndCounterFields(6).reduce((sum, field) => sum + field.length, 0),
};

export function keyAndCountersLength(ipVersion: 4 | 6): number {
  return KEY_AND_COUNTERS_LENGTH[ipVersion];
}

export function writeKeyAndCounters(w: DatagramWriter, record: FlowRecord): void {
  w.bytes(record.src);
  w.bytes(record.dst);
  w.u16(record.srcPort);
  w.u16(record.dstPort);
  w.u8(record.protocol);
  w.u8(record.tcpFlags);
  w.u8(record.tos);
  w.u16(record.vlan);
  // ICMP type and code are also in the destination port (softflowd's and Cisco's convention).
  w.u16(isIcmp(record) ? record.dstPort : 0);
  w.u64(record.octets);
  w.u64(record.packets);
}

function isIcmp(record: FlowRecord): boolean {
  return record.protocol === 1 || record.protocol === 58;
}

export const POD_FIELDS: FieldSpec[] = [
  POD_IE.sourcePodNamespace,
  POD_IE.sourcePodName,
  POD_IE.destinationPodNamespace,
  POD_IE.destinationPodName,
].map((id) => ({ id, length: VARIABLE_LENGTH, enterprise: CLUSTERTAP_PEN }));

/** Kubernetes names are at most 253 characters (DNS subdomain); longer text is cut there (< 255). */
export const MAX_POD_TEXT_BYTES = 253;

/** The pod fields' values, in POD_FIELDS order; empty where unknown. */
export function podValues(record: FlowRecord): Buffer[] {
  const { src, dst } = record.pods ?? {};
  return [src?.namespace, src?.pod, dst?.namespace, dst?.pod].map((text) =>
    Buffer.from(text ?? '', 'utf8').subarray(0, MAX_POD_TEXT_BYTES),
  );
}

/** A variable-length value (RFC 7011 §7); pod names are short enough for the one-byte length form. */
export function variableLengthSize(value: Uint8Array): number {
  return 1 + value.length;
}

export function writeVariableLength(w: DatagramWriter, value: Uint8Array): void {
  w.u8(value.length);
  w.bytes(value);
}

export function writeFieldSpecs(w: DatagramWriter, fields: readonly FieldSpec[]): void {
  for (const field of fields) {
    w.u16(field.enterprise === undefined ? field.id : field.id | 0x8000);
    w.u16(field.length);
    if (field.enterprise !== undefined) w.u32(field.enterprise);
  }
}
