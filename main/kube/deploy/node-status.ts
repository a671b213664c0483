import { z } from 'zod';

/**
 * What each node's agent publishes about itself, in a ConfigMap of the session namespace
 * (`clustertap-node-<node>`, key `status.json`): which tunnel ID carries which pod and
 * direction (so the broker names pcapng interfaces after pods), counters, and problems.
 */
export const NODE_STATUS_KEY = 'status.json';
export const NODE_STATUS_COMPONENT = 'node-status';

export const nodeStatusName = (node: string) => `clustertap-node-${node}`.slice(0, 253);

export const NodeTapSchema = z
  .object({
    tunnelId: z.number().int().min(0).max(0xffffffff),
    namespace: z.string(),
    pod: z.string(),
    /** Host-side interface on the node (cali…, veth…). */
    interface: z.string(),
    /** From the pod's point of view: egress = what the pod sends. */
    direction: z.enum(['ingress', 'egress']),
    packets: z.number().int().min(0).default(0),
    bytes: z.number().int().min(0).default(0),
  })
  .strict();

export const NodeStatusSchema = z
  .object({
    version: z.literal(1),
    node: z.string(),
    nodeIP: z.string(),
    sessionId: z.string(),
    updated: z.string(),
    /** `paused`: the session Lease lapsed, every mirror is removed until it is renewed. */
    mirroring: z.enum(['starting', 'active', 'paused']),
    taps: z.array(NodeTapSchema),
    /** Packets the node could not deliver to the broker: mirred or capture-buffer drops, tunnel
     *  send errors, an api stream that fell behind. Counted, never silent. */
    dropped: z.number().int().min(0).default(0),
    /** Pods selected here that could not be tapped, and why ("no host interface for 10.0.0.7"). */
    problems: z.array(z.object({ pod: z.string().optional(), message: z.string() }).strict()),
  })
  .strict();

export type NodeTap = z.infer<typeof NodeTapSchema>;
export type NodeStatus = z.infer<typeof NodeStatusSchema>;

/** The pcapng interface name of a tap: "node/namespace/pod (egress)". */
export function tapInterfaceName(
  node: string,
  tap: Pick<NodeTap, 'namespace' | 'pod' | 'direction'>,
): string {
  return `${node}/${tap.namespace}/${tap.pod} (${tap.direction})`;
}
