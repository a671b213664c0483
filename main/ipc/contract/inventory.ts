import { z } from 'zod';
import { ApiErrorSchema } from '../result.js';
import { event, request } from './define.js';

/**
 * The current context's namespaces, nodes and pods, kept current by the core's watches and sent
 * as throttled updates (at most one every 100 ms per window). One update shape for everything:
 * `reset: true` means "forget what you had, this is all of it" (the answer to inventory.subscribe,
 * and after a context switch); otherwise apply `upserted` and `deleted` per resource.
 */

const Labels = z.record(z.string(), z.string());

export const NamespaceSchema = z.object({
  name: z.string(),
  /** Active | Terminating; '' when not known (namespaced mode). */
  phase: z.string(),
  labels: Labels,
});

export const NodeSchema = z.object({
  name: z.string(),
  /** '' when the node reports none. */
  internalIP: z.string(),
  podCIDRs: z.array(z.string()),
  ready: z.boolean(),
  labels: Labels,
});

export const PodSchema = z.object({
  /** `namespace/name`: the key `deleted` refers to. */
  key: z.string(),
  uid: z.string(),
  namespace: z.string(),
  name: z.string(),
  /** '' until scheduled. */
  node: z.string(),
  /** IPv4 and/or IPv6; empty until the pod has an address. */
  ips: z.array(z.string()),
  /** Pending | Running | Succeeded | Failed | Unknown */
  phase: z.string(),
  ready: z.boolean(),
  labels: Labels,
  /** The workload (Deployment through its ReplicaSet, StatefulSet, DaemonSet, Job…); '' if none. */
  ownerKind: z.string(),
  ownerName: z.string(),
  /** Shares the node's network: there is no pod interface to tap. */
  hostNetwork: z.boolean(),
});

export const ResourceStatusSchema = z.object({
  /** `fixed`: not watched (namespaces given in namespaced mode). */
  state: z.enum(['starting', 'listing', 'watching', 'reconnecting', 'stopped', 'fixed']),
  /** A first list completed: the records reflect the cluster (stays true while reconnecting). */
  synced: z.boolean(),
  items: z.number().int().nonnegative(),
  /** Why the resource is missing or stale: forbidden (RBAC), unreachable…; null when fine. */
  error: ApiErrorSchema.nullable(),
});

function delta<T extends z.ZodType>(record: T) {
  return z.object({
    upserted: z.array(record),
    /** Keys: `namespace/name` for pods, the name for namespaces and nodes. */
    deleted: z.array(z.string()),
  });
}

export const InventoryUpdateSchema = z.object({
  context: z.string(),
  /** Increases by one per update for this window; a gap means an update was lost. */
  seq: z.number().int().nonnegative(),
  reset: z.boolean(),
  namespaces: delta(NamespaceSchema),
  nodes: delta(NodeSchema),
  pods: delta(PodSchema),
  status: z.object({
    namespaces: ResourceStatusSchema,
    nodes: ResourceStatusSchema,
    pods: ResourceStatusSchema,
  }),
});

export type NamespaceDto = z.infer<typeof NamespaceSchema>;
export type NodeDto = z.infer<typeof NodeSchema>;
export type PodDto = z.infer<typeof PodSchema>;
export type ResourceStatusDto = z.infer<typeof ResourceStatusSchema>;
export type InventoryUpdate = z.infer<typeof InventoryUpdateSchema>;

export const inventory = {
  requests: {
    'inventory.subscribe': request(
      z.strictObject({
        /**
         * Namespaced mode, for users whose RBAC allows no cluster-wide pod list: watch pods only in
         * these namespaces; `[]` goes back to cluster-wide; omitted keeps the current scope
         * (cluster-wide at first). App-wide: every window sees the same inventory.
         */
        namespaces: z.array(z.string().min(1)).max(200).optional(),
      }),
      InventoryUpdateSchema,
      'Starts (or joins) the watches for the current context; answers with a full snapshot (reset: true), then inventory.changed updates follow until inventory.unsubscribe or the window goes away.',
    ),
    'inventory.unsubscribe': request(
      z.strictObject({}),
      z.object({}),
      'Stops the updates for this window; the watches stop when no window wants them.',
    ),
  },
  events: {
    'inventory.changed': event(
      InventoryUpdateSchema,
      'Changes since the last update (or a reset after a context switch), at most one per 100 ms; only to windows that called inventory.subscribe.',
    ),
  },
} as const;
