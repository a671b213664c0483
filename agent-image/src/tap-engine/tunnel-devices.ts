import { isIPv6 } from 'node:net';
import { deleteDevice, type TunnelSpec, tunnelDeviceSteps } from './commands.js';
import { type Exec, ExecError, runBatch } from './exec.js';
import { MAX_TUNNEL_ID, RESERVED_TUNNEL_IDS, type SessionIdentity } from './identity.js';
import type { LinkInfo } from './iproute-json.js';

/** Every ClusterTap tunnel device starts so; none is ever a pod interface to mirror. */
export const TUNNEL_DEVICE_PREFIX = 'ctap';

/** This session's device: our name prefix and our alias (the prefix alone could be a hash twin). */
export function isSessionDevice(link: LinkInfo, id: SessionIdentity): boolean {
  return (
    link.name.startsWith(id.devicePrefix) &&
    (link.alias === id.alias || (link.alias?.startsWith(`${id.alias} `) ?? false))
  );
}

const KIND = { vxlan: ['vxlan'], gre: ['gretap', 'ip6gretap'] } as const;

/** Whether the device is still what we made: right kind and ID, silent (NOARP), up. */
export function deviceIsIntact(link: LinkInfo | undefined, spec: TunnelSpec): boolean {
  return (
    link !== undefined &&
    link.alias === spec.alias &&
    (KIND[spec.transport] as readonly string[]).includes(link.kind ?? '') &&
    link.tunnelId === spec.tunnelId &&
    link.flags.includes('NOARP') &&
    link.flags.includes('UP')
  );
}

export interface Creation {
  /** Device name → why it could not be made (a half-made one is deleted again). */
  failed: Map<string, string>;
  warnings: string[];
}

/**
 * Creates tunnel devices, many in one go: four processes however many devices (see
 * TunnelDeviceSteps). A device whose step fails is deleted again and named in `failed`; the
 * others carry on. Only disabling IPv6 by sysctl may fail without failing the device.
 */
export async function createTunnelDevices(exec: Exec, specs: readonly TunnelSpec[]): Promise<Creation> {
  const failed = new Map<string, string>();
  const warnings: string[] = [];
  let alive = specs.map((spec) => ({ spec, steps: tunnelDeviceSteps(spec) }));
  type Device = (typeof alive)[number];
  const stage = async (tool: 'ip' | 'tc', linesOf: (d: Device) => string[][], what: string) => {
    const lines = alive.flatMap((d) => linesOf(d).map((line, step) => ({ d, line, step })));
    const result = await runBatch(
      exec,
      tool,
      lines.map((l) => l.line),
    );
    const broken = new Map<Device, boolean>(); // → whether the device exists (and must go again)
    for (const [index, reason] of result.failed) {
      const entry = lines[index];
      if (!entry || broken.has(entry.d)) continue;
      failed.set(entry.d.spec.name, explain(entry.d.spec, what, reason));
      // Only a failed `link add` leaves no device (and a name taken by another must stay).
      broken.set(entry.d, !(what === 'creating' && entry.step === 0));
    }
    const made = [...broken].filter(([, exists]) => exists).map(([d]) => deleteDevice(d.spec.name).args);
    await runBatch(exec, 'ip', made);
    alive = alive.filter((d) => !broken.has(d));
  };
  await stage('ip', (d) => d.steps.create, 'creating');
  if (alive.length > 0)
    await exec('sysctl', ['-qw', ...alive.map((d) => d.steps.sysctl)]).catch((error) => {
      warnings.push(
        `IPv6 not disabled by sysctl (${errorText(error)}); the tunnel devices have no IPv6 address`,
      );
    });
  await stage('tc', (d) => d.steps.guard, 'guarding');
  await stage('ip', (d) => [d.steps.up], 'bringing up');
  return { failed, warnings };
}

function explain(spec: TunnelSpec, what: string, reason: string): string {
  if (spec.transport === 'gre' && /unknown device type|not supported/i.test(reason))
    return `this kernel cannot create ${isIPv6(spec.remote) ? 'ip6gretap' : 'gretap'} devices (no GRE tunnel support); use the VXLAN transport`;
  return `${what} tunnel device ${spec.name}: ${reason}`;
}

export async function removeTunnelDevice(exec: Exec, name: string): Promise<void> {
  try {
    const c = deleteDevice(name);
    await exec(c.command, c.args);
  } catch (error) {
    if (!/cannot find device|does not exist/i.test(errorText(error))) throw error;
  }
}

const errorText = (error: unknown) =>
  error instanceof ExecError ? error.stderr.trim().split('\n')[0] || error.message : (error as Error).message;

/**
 * Tunnel IDs not in use: above `base`, never a reserved CNI VNI (Flannel 1, Calico 4096), nor the
 * ID of any other tunnel device on the node (a CNI's, another session's), nor one of ours.
 */
export function tunnelIdAllocator(base: number, links: readonly LinkInfo[], ours: ReadonlySet<number>) {
  const taken = new Set<number>(ours);
  for (const link of links)
    if (link.tunnelId !== undefined && link.kind && ['vxlan', 'gretap', 'ip6gretap'].includes(link.kind))
      taken.add(link.tunnelId);
  let next = Math.max(1, base);
  return (): number => {
    while (next <= MAX_TUNNEL_ID && (taken.has(next) || RESERVED_TUNNEL_IDS.has(next))) next++;
    if (next > MAX_TUNNEL_ID) throw new Error(`no free tunnel ID between ${base} and ${MAX_TUNNEL_ID}`);
    taken.add(next);
    return next++;
  };
}
