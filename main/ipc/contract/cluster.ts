import { z } from 'zod';
import { ApiErrorSchema } from '../result.js';
import { request } from './define.js';

/** Whether a context's API server answers, with its credentials. */

export const ProbeResultSchema = z.discriminatedUnion('reachable', [
  z.object({
    context: z.string(),
    server: z.string(),
    reachable: z.literal(true),
    /** The server's gitVersion, e.g. v1.33.1. */
    version: z.string(),
  }),
  z.object({
    context: z.string(),
    server: z.string(),
    reachable: z.literal(false),
    /** A few words for a table cell or badge: `ECONNREFUSED`, `unauthorized (401)`. */
    reason: z.string(),
    /** The whole sentence with what to do (kind unreachable, unauthorized, forbidden, …). */
    error: ApiErrorSchema,
  }),
]);

export type ProbeResultDto = z.infer<typeof ProbeResultSchema>;

export const cluster = {
  requests: {
    'cluster.probe': request(
      z.strictObject({
        /** Default: the app's current context. */
        context: z.string().min(1).optional(),
        timeoutMs: z.number().int().min(100).max(60_000).default(3000),
      }),
      ProbeResultSchema,
      "GET /version with the context's credentials. An unreachable cluster is a result (reachable: false); an unusable context is an error of kind `kubeconfig`.",
    ),
  },
  events: {},
} as const;
