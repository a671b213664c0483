import { z } from 'zod';
import { request } from './define.js';

/** Which CNI each node of the current context runs, with the evidence and what it means for tapping. */

export const NodeCniSchema = z.object({
  node: z.string(),
  cni: z.enum(['calico', 'flannel', 'cilium', 'other', 'unknown']),
  /** "Calico", "Weave Net", "unknown". */
  product: z.string(),
  /** What was seen, in words the user can check. */
  evidence: z.array(z.string()),
  supported: z.boolean(),
});

export const ClusterCniSchema = z.object({
  context: z.string(),
  nodes: z.array(NodeCniSchema),
  /** "Calico on 2 nodes, Flannel on 1 node". */
  summary: z.string(),
  /** Every node runs a CNI ClusterTap supports. */
  supported: z.boolean(),
  /** One sentence per problem (unsupported, unknown, mixed, missing permissions). */
  warnings: z.array(z.string()),
});

export type ClusterCniDto = z.infer<typeof ClusterCniSchema>;

export const cni = {
  requests: {
    'cni.detect': request(
      z.strictObject({}),
      ClusterCniSchema,
      'Per-node CNI of the current context (uses the running inventory when there is one). Missing permissions end up in `warnings`, not as an error.',
    ),
  },
  events: {},
} as const;
