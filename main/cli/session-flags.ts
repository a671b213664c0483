import net from 'node:net';
import type { Command } from 'commander';
import { UsageError } from '../broker/allow-list.js';
import { DEFAULT_VXLAN_PORT } from '../broker/sources/listen-address.js';
import type { TapSession } from '../kube/deploy/session.js';
import {
  DEFAULT_AGENT_IMAGE,
  DEFAULT_LEASE_TTL_SECONDS,
  newSessionId,
  newStreamToken,
} from '../kube/deploy/session.js';
import { type Transport, TransportSchema } from '../kube/deploy/session-config.js';
import { withKubeconfigOptions } from '../kube/kubeconfig/index.js';
import { loadPolicyFile } from '../policy/load-policy.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** Flags of `deploy` (and later `tap`): what to tap, where to send it, how. */
export interface SessionFlags {
  kubeconfig?: string;
  context?: string;
  selectNamespace: string[];
  selectLabel: string[];
  selectPod: string[];
  collector?: string;
  transport: string;
  policy?: string;
  session?: string;
  agentImage: string;
  imagePullSecret: string[];
  leaseTtl: string;
}

/**
 * `withPolicy: false` where the command already has `--policy` (tap takes capture's).
 * `capturing`: the command receives the traffic itself (tap), so `auto` can probe the tunnels.
 */
export function withSessionOptions(command: Command, withPolicy = true, capturing = false): Command {
  const withSelection = withKubeconfigOptions(command)
    .option('--select-namespace <NS>', 'tap the pods of this namespace (repeatable)', collect, [])
    .option('--select-label <K=V>', 'only pods with this label (repeatable; all must match)', collect, [])
    .option('--select-pod <NS/POD>', 'tap this pod (repeatable)', collect, [])
    .option(
      '--collector <ADDR[:PORT]>',
      `where agents send the tunnels (default: this machine's address toward the API server, port ${DEFAULT_VXLAN_PORT})`,
    )
    .option(
      capturing ? '--transport <auto|vxlan|gre|api>' : '--transport <vxlan|gre|api>',
      capturing
        ? 'how packets reach this machine: auto = VXLAN, switching to api (through the API server) when no tunnel probe arrives'
        : 'how packets reach the collector',
      capturing ? 'auto' : 'vxlan',
    );
  if (withPolicy)
    withSelection.option(
      '--policy <FILE>',
      'capture policy (JSON/YAML); its selection and filter apply unless flags say otherwise',
    );
  return withSelection
    .option('--session <ID>', 'session id (4-16 lowercase letters/digits; default: random)')
    .option('--agent-image <REF>', 'agent container image', DEFAULT_AGENT_IMAGE)
    .option(
      '--image-pull-secret <NS/NAME>',
      'registry credentials for a private --agent-image: a docker-registry Secret, copied into the session namespace (repeatable)',
      collect,
      [],
    )
    .option(
      '--lease-ttl <SECONDS>',
      'agents stop mirroring when the session Lease is not renewed for this long',
      String(DEFAULT_LEASE_TTL_SECONDS),
    );
}

/** ADDR, ADDR:PORT or [V6]:PORT. */
export function parseCollector(text: string): { address: string; port: number } {
  if (net.isIPv6(text)) return { address: text, port: DEFAULT_VXLAN_PORT };
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text);
  const address = match?.[1] ?? match?.[2];
  if (!match || !address || (match[1] && !net.isIPv6(address)))
    throw new UsageError(`--collector: expected ADDR[:PORT] or [IPv6]:PORT, got "${text}"`);
  const port = match[3] ? Number(match[3]) : DEFAULT_VXLAN_PORT;
  if (port < 1 || port > 65535) throw new UsageError(`--collector: port ${port} is out of range`);
  return { address, port };
}

/** Builds the session from flags (and the policy file); collector defaults are filled in later. */
export function sessionFromFlags(
  flags: SessionFlags,
  capturing = false,
): Omit<TapSession, 'collector'> & { collector?: TapSession['collector']; autoTransport: boolean } {
  const autoTransport = capturing && flags.transport === 'auto';
  const transport = TransportSchema.safeParse(autoTransport ? 'vxlan' : flags.transport);
  if (!transport.success)
    throw new UsageError(
      `--transport: expected ${capturing ? 'auto, ' : ''}vxlan, gre or api, got "${flags.transport}"` +
        (flags.transport === 'auto' ? ' (auto needs a capture: clustertap tap)' : ''),
    );
  const policy = flags.policy ? loadPolicyFile(flags.policy) : undefined;
  const id = flags.session ?? newSessionId();
  if (!/^[a-z0-9]{4,16}$/.test(id)) throw new UsageError('--session: 4 to 16 lowercase letters or digits');
  for (const pod of flags.selectPod)
    if (!/^[^/]+\/[^/]+$/.test(pod))
      throw new UsageError(`--select-pod: expected NAMESPACE/POD, got "${pod}"`);
  for (const secret of flags.imagePullSecret ?? [])
    if (!/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(secret))
      throw new UsageError(`--image-pull-secret: expected NAMESPACE/NAME, got "${secret}"`);
  for (const label of flags.selectLabel)
    if (!/^[^=\s]+=[^=\s]*$/.test(label))
      throw new UsageError(`--select-label: expected KEY=VALUE, got "${label}"`);
  const flagged = flags.selectNamespace.length + flags.selectLabel.length + flags.selectPod.length > 0;
  const selection = flagged
    ? {
        namespaces: flags.selectNamespace,
        pods: flags.selectPod,
        ...(flags.selectLabel.length > 0 ? { labelSelector: flags.selectLabel.join(',') } : {}),
      }
    : (policy?.selection ?? { namespaces: [], pods: [] });
  if (selection.namespaces.length + selection.pods.length === 0 && !selection.labelSelector)
    throw new UsageError(
      'select what to tap: --select-namespace NS, --select-label K=V or --select-pod NS/POD',
    );
  const ttl = Number(flags.leaseTtl);
  if (!Number.isInteger(ttl) || ttl < 5 || ttl > 3600)
    throw new UsageError('--lease-ttl: whole seconds from 5 to 3600');
  return {
    id,
    selection,
    transport: transport.data as Transport,
    ...(policy?.filter ? { filter: policy.filter } : {}),
    agentImage: flags.agentImage,
    ...((flags.imagePullSecret ?? []).length > 0 && { imagePullSecrets: flags.imagePullSecret }),
    leaseTtlSeconds: ttl,
    streamToken: newStreamToken(),
    autoTransport,
    ...(flags.collector ? { collector: parseCollector(flags.collector) } : {}),
  };
}
