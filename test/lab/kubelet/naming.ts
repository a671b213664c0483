import { createHash, randomBytes } from 'node:crypto';
import { POD_NETNS_PREFIX } from './config.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** Calico's host-side veth: `cali` + the first 11 hex digits of sha1("<namespace>.<pod>"). */
export const calicoVethName = (namespace: string, pod: string) =>
  `cali${sha1(`${namespace}.${pod}`).slice(0, 11)}`;

/** The flannel/bridge CNI plugin names host veths `veth` + 8 random hex digits. */
export const flannelVethName = () => `veth${randomBytes(4).toString('hex')}`;

/** A pod's network namespace: short, unique per pod UID, recognisable by --cleanup. */
export const podNetnsName = (uid: string) => `${POD_NETNS_PREFIX}${sha1(uid).slice(0, 10)}`;

/**
 * A VXLAN device's MAC. Real Calico and Flannel pick random MACs and publish them (Calico in its
 * Node resource, Flannel in an annotation); deriving them from the node name lets every node
 * program its peers from state.json alone and keeps them stable across harness restarts.
 */
export function vtepMac(style: string, node: string): string {
  const bytes = Buffer.from(sha1(`${style}/${node}`).slice(0, 12), 'hex');
  bytes[0] = ((bytes[0] ?? 0) & 0xfe) | 0x02; // unicast, locally administered
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** A fake but stable container ID, in the format kubectl and the agent expect. */
export const containerId = (podUid: string, container: string, restart: number) =>
  `containerd://${createHash('sha256').update(`${podUid}/${container}/${restart}`).digest('hex')}`;

export const imageId = (image: string) =>
  `${image.replace(/[:@].*$/, '')}@sha256:${createHash('sha256').update(image).digest('hex')}`;

// IPv4 helpers over 32-bit unsigned integers.
export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`not an IPv4 address: ${ip}`);
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export const intToIp = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');

export interface Cidr {
  network: number;
  prefix: number;
  size: number;
}

export function parseCidr(cidr: string): Cidr {
  const [ip, len] = cidr.split('/');
  const prefix = Number(len);
  if (!ip || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`not a CIDR: ${cidr}`);
  const size = 2 ** (32 - prefix);
  return { network: ipToInt(ip) - (ipToInt(ip) % size), prefix, size };
}

/** The nth address of a CIDR (0 = network address). */
export const nthIp = (cidr: string, n: number) => intToIp(parseCidr(cidr).network + n);
