import { LINKTYPE } from '../linktype.js';
import type { PacketSummary, StoreInterface, StoreInterfaceInfo } from './types.js';

const TAP_NAME = /^([^/]+)\/([^/]+)\/(.+) \((ingress|egress)\)$/;

/** An interface as the store keeps it: the tap name "node/namespace/pod (ingress|egress)" parsed once. */
export function storeInterface(id: number, info: StoreInterfaceInfo): StoreInterface {
  const match = TAP_NAME.exec(info.name);
  return {
    id,
    name: info.name,
    description: info.description ?? '',
    linkType: info.linkType,
    tsResolution: info.tsResolution,
    snapLength: info.snapLength ?? 0,
    ...(match && {
      pod: {
        node: match[1] as string,
        namespace: match[2] as string,
        name: match[3] as string,
        direction: match[4] as 'ingress' | 'egress',
      },
    }),
  };
}

/** Nanoseconds since the epoch of a timestamp in if_tsresol units (exact: BigInt, only for shown rows). */
export function epochNanos(high: number, low: number, resolution: number): bigint {
  const units = (BigInt(high) << 32n) | BigInt(low);
  if (resolution & 0x80) return (units * 1_000_000_000n) >> BigInt(resolution & 0x7f);
  const exponent = resolution;
  return exponent <= 9 ? units * 10n ** BigInt(9 - exponent) : units / 10n ** BigInt(exponent - 9);
}

export function rowTime(nanos: bigint, reference: bigint) {
  return {
    relative: Number(nanos - reference) / 1e9,
    epochSeconds: Number(nanos / 1_000_000_000n),
    nanoseconds: Number(nanos % 1_000_000_000n),
  };
}

const LINK_NAMES: Record<number, string> = {
  [LINKTYPE.ETHERNET]: 'Ethernet',
  [LINKTYPE.RAW]: 'Raw IP',
  [LINKTYPE.LINUX_SLL]: 'Linux cooked',
  [LINKTYPE.IPV4]: 'IPv4',
  [LINKTYPE.IPV6]: 'IPv6',
  [LINKTYPE.LINUX_SLL2]: 'Linux cooked v2',
};

/** What a row says before the dissector is plugged in: the link type and the lengths. */
export function plainSummary(linkType: number, bytes: Uint8Array, originalLength: number): PacketSummary {
  const cut = bytes.length < originalLength ? ` (${bytes.length} captured)` : '';
  return {
    source: '',
    destination: '',
    protocol: LINK_NAMES[linkType] ?? `linktype ${linkType}`,
    info: `${originalLength} bytes${cut}`,
  };
}
