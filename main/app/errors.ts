import { UsageError } from '../broker/allow-list.js';
import { FilterSyntaxError } from '../broker/filter/capture-filter.js';
import { CaptureFileError } from '../capture/capture-record.js';
import type { ApiError, ErrorKind } from '../ipc/result.js';
import { KubeError } from '../kube/kube-error.js';
import { PolicyError } from '../policy/load-policy.js';

/** An error a handler throws on purpose, with the kind and sentence the user sees. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** What a handler threw, as the contract's error: the core's own error types keep their sentences. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof AppError)
    return error.details
      ? { kind: error.kind, message: error.message, details: error.details }
      : { kind: error.kind, message: error.message };
  if (error instanceof KubeError)
    return error.status
      ? { kind: error.kind, message: error.message, details: { status: error.status } }
      : { kind: error.kind, message: error.message };
  if (error instanceof FilterSyntaxError)
    return { kind: 'invalid', message: error.message, details: { reason: error.reason } };
  if (error instanceof PolicyError) return { kind: 'invalid', message: error.message };
  if (error instanceof UsageError) return { kind: 'bad-request', message: error.message };
  if (error instanceof CaptureFileError) return { kind: 'io', message: error.message };
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
    return { kind: 'io', message: (error as Error).message, details: { code } };
  return {
    kind: 'internal',
    message: `internal error: ${error instanceof Error ? error.message : String(error)}`,
  };
}
