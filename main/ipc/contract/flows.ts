import { z } from 'zod';
import { event, request } from './define.js';
import { FileRefSchema } from './files.js';

/** Flows (5-tuples with the pods at both ends) and the counters of every pipeline stage and node. */

export const FlowSchema = z.object({
  protocol: z.string(),
  source: z.string(),
  sourcePort: z.number().int().nullable(),
  destination: z.string(),
  destinationPort: z.number().int().nullable(),
  /** "namespace/pod" at each end when the address is a known pod, else null. */
  sourcePod: z.string().nullable(),
  destinationPod: z.string().nullable(),
  packets: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** Bits per second over the last second. */
  rate: z.number().nonnegative(),
  firstSeen: z.number(),
  lastSeen: z.number(),
});

export const CountersSchema = z.object({
  at: z.number(),
  /** Broker stages in order: received → filtered → de-duplicated → sampled out → written/dropped. */
  stages: z.array(z.object({ name: z.string(), packets: z.number().nonnegative() })),
  nodes: z.array(
    z.object({
      node: z.string(),
      received: z.number().nonnegative(),
      bytes: z.number().nonnegative(),
      dropped: z.number().nonnegative(),
    }),
  ),
  /** Packets per second over the last second, for the rate chart. */
  rate: z.number().nonnegative(),
});

export const flows = {
  requests: {
    'flows.list': request(
      z.strictObject({ limit: z.number().int().min(1).max(100_000).default(5000) }),
      z.object({ flows: z.array(FlowSchema), total: z.number().int().nonnegative() }),
      'The flows of the packets in the store, busiest first.',
    ),
    'flows.export': request(
      z.strictObject({ file: FileRefSchema.optional() }),
      z.object({ flows: z.number().int().nonnegative(), downloadUrl: z.string().nullable() }),
      'Writes the flows as CSV (Electron: the granted file; browser: a download URL).',
    ),
  },
  events: {
    'counters.changed': event(CountersSchema, 'Every stage and node counter, once a second while capturing.'),
  },
} as const;
