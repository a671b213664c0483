import { z } from 'zod';
import type { KubeErrorKind } from '../kube/kube-error.js';

/**
 * What every request answers: a value, or an error the UI can show as it is. `message` is a whole
 * sentence for the user (what happened, what to do); `kind` lets the UI choose how to react;
 * `details` carries structured extras (validation issues, HTTP status) for whoever wants them.
 * No Node imports here: the renderer bundles this file through the client.
 */

/** The cluster layer's kinds (main/kube/kube-error.ts), kept in step by the type check below. */
const kubeErrorKinds = [
  'kubeconfig',
  'unreachable',
  'unauthorized',
  'forbidden',
  'admission',
  'terminating',
  'not-found',
  'conflict',
  'invalid',
  'timeout',
  'server',
] as const satisfies readonly KubeErrorKind[];
// Fails to compile when KubeErrorKind gains a kind that is missing above.
const everyKubeKind: Exclude<KubeErrorKind, (typeof kubeErrorKinds)[number]> extends never ? true : false =
  true;
void everyKubeKind;

export const errorKinds = [
  ...kubeErrorKinds,
  /** The payload (or the wire message) did not pass validation. */
  'bad-request',
  /** No such channel in the contract. */
  'unknown-channel',
  /** Not available in this mode or build (native dialogs in a browser, libpcap binding missing). */
  'unavailable',
  /** The connection to the core went away before the answer came. */
  'disconnected',
  /** Reading or writing a file failed. */
  'io',
  /** A bug: the core threw something it did not expect. */
  'internal',
] as const;

export type ErrorKind = (typeof errorKinds)[number];

export const ApiErrorSchema = z.object({
  kind: z.enum(errorKinds),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export type ApiError = z.infer<typeof ApiErrorSchema>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(kind: ErrorKind, message: string, details?: Record<string, unknown>): Result<never> {
  return { ok: false, error: details ? { kind, message, details } : { kind, message } };
}

/** The schema of `Result<value>`, for validating answers (client dev mode, tests). */
export function resultSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: ApiErrorSchema }),
  ]);
}

/** Thrown by `unwrap`: the ApiError as an Error, for code that prefers exceptions. */
export class ApiCallError extends Error {
  override name = 'ApiCallError';
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new ApiCallError(result.error);
}

/** Zod issues as one line: `context: Invalid input: expected string, received undefined; …`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], max = 3): string {
  const shown = issues.slice(0, max).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
    return `${where}: ${issue.message}`;
  });
  const more = issues.length > max ? `; and ${issues.length - max} more` : '';
  return `${shown.join('; ')}${more}`;
}

export function issueDetails(issues: readonly z.core.$ZodIssue[]): Record<string, unknown> {
  return { issues: issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })) };
}
