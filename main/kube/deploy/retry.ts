import { KubeError } from '../kube-error.js';

/** Errors worth retrying: the API server is restarting, overloaded or briefly unreachable. */
export function transient(error: unknown): boolean {
  if (!(error instanceof KubeError)) return false;
  if (error.kind === 'unreachable') return true;
  return (
    error.kind === 'server' && (error.status === undefined || error.status === 429 || error.status >= 500)
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails for good, or `budgetMs` runs out; transient failures
 * back off 0.5 s → 5 s and are reported through `onRetry` so the user sees why it waits.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  budgetMs: number,
  onRetry: (error: KubeError, attemptNo: number) => void,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let delay = 500;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!transient(error) || Date.now() + delay > deadline) throw error;
      onRetry(error as KubeError, n);
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
}
