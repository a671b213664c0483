import { z } from 'zod';
import { ApiErrorSchema } from '../result.js';
import { event, request } from './define.js';

/**
 * The kubeconfig as kubectl reads it, without credentials, and the app's current context. The
 * app's current context is its own (contexts.use never rewrites the user's kubeconfig).
 */

export const ContextSummarySchema = z.object({
  name: z.string(),
  cluster: z.string(),
  user: z.string(),
  /** The context's namespace, `default` when it sets none. */
  namespace: z.string(),
  /** '' when the context's cluster is missing or has no server. */
  server: z.string(),
  /** The file that defines the context. */
  file: z.string(),
  /** The app's current context (not necessarily the kubeconfig's current-context). */
  current: z.boolean(),
});

export const KubeconfigSourceSchema = z.object({
  path: z.string(),
  exists: z.boolean(),
  /** Where the path came from: `--kubeconfig`, $KUBECONFIG, or ~/.kube/config. */
  from: z.enum(['flag', 'env', 'default']),
});

export const ContextsStateSchema = z.object({
  /** Every file kubectl would read, in precedence order (missing ones too: they are watched). */
  sources: z.array(KubeconfigSourceSchema),
  contexts: z.array(ContextSummarySchema),
  /** The app's current context; null when there is none to use. */
  current: z.string().nullable(),
  /** current-context as the kubeconfig files set it. */
  kubeconfigCurrent: z.string().nullable(),
  /** Why the kubeconfig (or the current context) cannot be used, as a sentence; null when it can. */
  problem: ApiErrorSchema.nullable(),
});

export type ContextsState = z.infer<typeof ContextsStateSchema>;
export type ContextSummaryDto = z.infer<typeof ContextSummarySchema>;

export const contexts = {
  requests: {
    'contexts.list': request(
      z.strictObject({}),
      ContextsStateSchema,
      'The kubeconfig sources, their contexts and the current one (a kubeconfig that cannot be read is `problem`, not an error).',
    ),
    'contexts.use': request(
      z.strictObject({ context: z.string().min(1) }),
      ContextsStateSchema,
      "Makes a context the app's current one (app-local; the kubeconfig file is not changed). Fails with kind `kubeconfig` for an unknown or unusable context.",
    ),
  },
  events: {
    'contexts.changed': event(
      ContextsStateSchema,
      'The kubeconfig files changed on disk, or the current context changed (from any window).',
    ),
  },
} as const;
