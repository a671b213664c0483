import { z } from 'zod';
import { PolicySchema } from '../../policy/policy-schema.js';
import { ApiErrorSchema } from '../result.js';
import { event, request } from './define.js';

/**
 * One-click tap: the session the UI starts and stops (deploy the agents, hold the Lease, receive
 * the mirrored packets into the packet store), its per-node progress, the transport in use and
 * why, and the capture policy applied live. One tap session at a time per core.
 */

export const SelectionSchema = z.strictObject({
  namespaces: z.array(z.string().min(1)).default([]),
  /** `namespace/pod` */
  pods: z.array(z.string().regex(/^[^/]+\/[^/]+$/)).default([]),
  /** Kubernetes label selector syntax (`app=web,tier!=db`); applies within `namespaces` if any. */
  labelSelector: z.string().optional(),
});

export const TransportChoiceSchema = z.enum(['auto', 'vxlan', 'gre', 'api']);

export const NodeTapStateSchema = z.object({
  node: z.string(),
  /** The agent's rollout: pending → starting → ready; `problem` with `reason`. */
  agent: z.enum(['pending', 'starting', 'ready', 'problem']),
  reason: z.string().nullable(),
  /** What the agent reports: `paused` when the Lease lapsed. null before its first report. */
  mirroring: z.enum(['starting', 'active', 'paused']).nullable(),
  /** Tapped pod interfaces × directions on the node. */
  taps: z.number().int().nonnegative(),
  packets: z.number().nonnegative(),
  bytes: z.number().nonnegative(),
  /** Packets the node could not deliver (mirror/capture drops, tunnel send errors, api backlog). */
  dropped: z.number().nonnegative(),
  /** Pods that could not be tapped there, and why. */
  problems: z.array(z.object({ pod: z.string().nullable(), message: z.string() })),
});

export const TapStateSchema = z.object({
  phase: z.enum(['idle', 'deploying', 'running', 'stopping', 'failed']),
  sessionId: z.string().nullable(),
  context: z.string().nullable(),
  selection: SelectionSchema.nullable(),
  /** The transport carrying packets now, and why (the probe's verdict, the user's choice). */
  transport: z.object({ kind: z.enum(['vxlan', 'gre', 'api']), why: z.string() }).nullable(),
  nodes: z.array(NodeTapStateSchema),
  /** What happened, in order (deploy steps, retries, transport switches): the progress log. */
  log: z.array(
    z.object({ at: z.string(), level: z.enum(['info', 'warning', 'error']), message: z.string() }),
  ),
  /** Why the last start failed. A permission problem lists what is missing in `missing`. */
  error: ApiErrorSchema.extend({ missing: z.array(z.string()).optional() }).nullable(),
  /** ISO time mirroring started. */
  startedAt: z.string().nullable(),
});

export type TapState = z.infer<typeof TapStateSchema>;
export type NodeTapState = z.infer<typeof NodeTapStateSchema>;

/**
 * The broker's policy stages, applied live to the running capture (and the filter to the agents):
 * the one policy type of main/policy/, its capture-time part.
 */
export const LivePolicySchema = PolicySchema.pick({
  filter: true,
  dedup: true,
  sample: true,
  slice: true,
  mask: true,
});

export type LivePolicy = z.infer<typeof LivePolicySchema>;

export const tap = {
  requests: {
    'tap.start': request(
      z.strictObject({
        /** Default: the app's current context. */
        context: z.string().optional(),
        selection: SelectionSchema,
        transport: TransportChoiceSchema.default('auto'),
        policy: LivePolicySchema.default({}),
        leaseTtlSeconds: z.number().int().min(5).max(3600).default(15),
        agentImage: z.string().min(1).optional(),
      }),
      z.object({ sessionId: z.string() }),
      'Deploys the agents for the selection and starts capturing into the packet store; progress arrives as tap.changed.',
    ),
    'tap.listen': request(
      z.strictObject({
        /** UDP port for VXLAN; default: the app's (4789). */
        port: z.number().int().min(1).max(65535).optional(),
        gre: z.boolean().default(false),
        policy: LivePolicySchema.default({}),
      }),
      z.object({ listening: z.string() }),
      'Receives tunnels without deploying anything (agents of a kept session, a TAP or broker that exports VXLAN/GRE) into the packet store; tap.stop ends it.',
    ),
    'tap.stop': request(
      z.strictObject({ keepAgents: z.boolean().default(false) }),
      z.object({ removed: z.boolean() }),
      'Stops capturing and removes every object of the session (unless keepAgents); the packets stay in the store.',
    ),
    'tap.state': request(z.strictObject({}), TapStateSchema, 'The tap session as it is now.'),
    'policy.apply': request(
      z.strictObject({ policy: LivePolicySchema }),
      z.object({ applied: z.boolean() }),
      "Applies the policy to the running capture at once (the filter also to the agents); invalid filters fail with libpcap's message.",
    ),
  },
  events: {
    'tap.changed': event(
      TapStateSchema,
      'The tap session changed (phase, a node, the transport, a log line).',
    ),
  },
} as const;
