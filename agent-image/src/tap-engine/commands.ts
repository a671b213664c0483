import { isIPv6 } from 'node:net';
import type { SessionIdentity } from './identity.js';
import type { Hook } from './types.js';

/** One command line: the program and its arguments (never a shell string). */
export interface Command {
  command: string;
  args: string[];
}
const ip = (...args: (string | number)[]): Command => ({ command: 'ip', args: args.map(String) });
const tc = (...args: (string | number)[]): Command => ({ command: 'tc', args: args.map(String) });

/**
 * Tunnel MTU. The mirror is not bound by the pod's MTU (a veth can carry 9000-byte frames) and
 * a mirrored frame must never be dropped for size, so the device takes anything up to 65000
 * bytes and the outer IP packet is fragmented on the way to the collector (VXLAN `df unset`,
 * gretap `nopmtudisc`), whose stack reassembles it. GSO super-packets are encapsulated whole
 * and segmented after encapsulation (UDP-tunnel GSO), so they arrive as wire-sized frames.
 */
export const TUNNEL_MTU = 65000;

export interface TunnelSpec {
  transport: 'vxlan' | 'gre';
  name: string;
  tunnelId: number;
  remote: string;
  local: string;
  port: number;
  alias: string;
}

/**
 * What makes one silent, deaf tunnel device, as batch lines for `ip` and `tc`, in four stages
 * run for many devices at once. It must not speak before it is up: no IPv6 (no link-local
 * address, so no DAD, RS or MLD), no ARP. And it must not listen: a direct-action classic BPF
 * program returning TC_ACT_SHOT (2) drops whatever arrives on it, because a VXLAN device accepts
 * its VNI from any sender, and injected frames would otherwise enter the node's stack.
 */
export interface TunnelDeviceSteps {
  /** `ip`: create it (MTU and ARP off from birth), then no IPv6 address generation. */
  create: string[][];
  /** `sysctl -w`: IPv6 off. Needs a writable /proc/sys/net, so it may fail: addrgenmode already
   *  keeps every IPv6 address off the device. */
  sysctl: string;
  /** `tc`: clsact with the drop-everything program on ingress. */
  guard: string[][];
  /** `ip`: alias (our ownership mark), then up. */
  up: string[];
}

export function tunnelDeviceSteps(spec: TunnelSpec): TunnelDeviceSteps {
  const local = spec.local ? ['local', spec.local] : [];
  const v6 = isIPv6(spec.remote);
  const type =
    spec.transport === 'vxlan'
      ? [
          'vxlan',
          'id',
          spec.tunnelId,
          'remote',
          spec.remote,
          ...local,
          'dstport',
          spec.port,
          'nolearning',
          'df',
          'unset',
        ]
      : [
          v6 ? 'ip6gretap' : 'gretap',
          'remote',
          spec.remote,
          ...local,
          'key',
          spec.tunnelId,
          ...(v6 ? [] : ['nopmtudisc']),
        ];
  return {
    create: [
      ['link', 'add', spec.name, 'mtu', TUNNEL_MTU, 'arp', 'off', 'type', ...type].map(String),
      ['link', 'set', 'dev', spec.name, 'addrgenmode', 'none'],
    ],
    sysctl: `net.ipv6.conf.${spec.name}.disable_ipv6=1`,
    guard: [
      ['qdisc', 'add', 'dev', spec.name, 'clsact'],
      [...filterHead(spec.name, 'ingress', 1, 1), 'bpf', 'da', 'bytecode', '1,6 0 0 2'],
    ],
    up: ['link', 'set', 'dev', spec.name, 'alias', spec.alias, 'up'],
  };
}

export const deleteDevice = (name: string): Command => ip('link', 'del', 'dev', name);

function filterHead(dev: string, hook: Hook, priority: number, handle: number, chain = 0): string[] {
  return [
    ...['filter', 'add', 'dev', dev, hook],
    ...(chain ? ['chain', String(chain)] : []),
    ...['prio', String(priority), 'handle', String(handle), 'protocol', 'all'],
  ];
}

/**
 * The mirror: classic BPF (the capture filter) decides, `mirred egress mirror` copies into the
 * tunnel device, and `continue` lets the interface's later filters (the CNI's) run as if we
 * were not there; the default `pipe` would end the chain on every match.
 */
export function addMirrorFilter(
  dev: string,
  hook: Hook,
  id: SessionIdentity,
  handle: number,
  bytecode: string,
  tunnel: string,
): Command {
  return tc(
    ...filterHead(dev, hook, id.priority, handle),
    ...['bpf', 'bytecode', bytecode],
    ...['action', 'mirred', 'egress', 'mirror', 'dev', tunnel, 'continue', 'cookie', id.cookie],
  );
}

/** Deletes exactly one filter (by chain, priority and handle): never a foreign one at our priority. */
export function deleteFilter(dev: string, hook: Hook, priority: number, handle: number, chain = 0): Command {
  return tc(
    ...['filter', 'del', 'dev', dev, hook],
    ...(chain ? ['chain', chain] : []),
    ...['prio', priority, 'handle', handle, 'protocol', 'all', 'bpf'],
  );
}

export const showFilters = (dev: string, hook: Hook, stats = false): Command =>
  tc(...(stats ? ['-s'] : []), '-j', 'filter', 'show', 'dev', dev, hook);
export const addClsact = (dev: string): Command => tc('qdisc', 'add', 'dev', dev, 'clsact');
export const deleteClsact = (dev: string): Command => tc('qdisc', 'del', 'dev', dev, 'clsact');

/**
 * Marks a clsact qdisc as ours, so a restarted agent knows it may delete it: a filter on a chain
 * nothing jumps to (it never runs) whose program (`ld #MAGIC; ret #0`) names the session.
 */
export function addQdiscMarker(dev: string, id: SessionIdentity): Command {
  return tc(
    ...filterHead(dev, 'ingress', id.priority, 1, id.markerChain),
    ...['bpf', 'bytecode', `2,0 0 0 ${id.markerMagic},6 0 0 0`],
  );
}

/** tc's classic BPF syntax: "N,code jt jf k,…" from 4 words per instruction (tcpdump -ddd). */
export function bytecodeString(words: ArrayLike<number>): string {
  if (words.length === 0 || words.length % 4 !== 0)
    throw new Error('a BPF program is 4 words per instruction');
  const insns: string[] = [];
  for (let i = 0; i < words.length; i += 4)
    insns.push(`${words[i]} ${words[i + 1]} ${words[i + 2]} ${(words[i + 3] ?? 0) >>> 0}`);
  return `${insns.length},${insns.join(',')}`;
}
