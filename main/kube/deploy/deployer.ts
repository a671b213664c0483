import { apiRequest } from '../api-client.js';
import { KubeError } from '../kube-error.js';
import type { KubeconfigClient } from '../kubeconfig/connection.js';
import { applyObject, describeObject } from './apply.js';
import { type KubeObject, leaseObject, sessionObjects } from './manifests.js';
import { objectPath } from './object-paths.js';
import { preflight, requiredPermissions, streamPermission } from './preflight.js';
import { pullSecretCopies, pullSecretPermissions } from './pull-secrets.js';
import { withRetry } from './retry.js';
import { type NodeProgress, observeRollout } from './rollout.js';
import { type ResolvedSelection, resolveSelection } from './selection.js';
import { selectionScope } from './selection-scope.js';
import { sessionConfig, sessionNames, type TapSession } from './session.js';
import type { SessionConfig } from './session-config.js';
import { teardownSession } from './teardown.js';

export type DeployEvent =
  | { type: 'step'; message: string }
  | { type: 'retry'; message: string }
  | { type: 'nodes'; nodes: NodeProgress[] };

export interface DeployOptions {
  session: TapSession;
  /** Lease holder identity, e.g. "clustertap@laptop". */
  holder: string;
  onEvent: (event: DeployEvent) => void;
  /** How long agents may take to become Ready. */
  timeoutMs?: number;
  /** A problem that does not heal by waiting (image pull, crash, admission) fails the deploy after this long. */
  problemGraceMs?: number;
  /** Keep what was applied when the deploy fails (for debugging); default: roll back. */
  keepOnFailure?: boolean;
}

export interface Deployment {
  sessionId: string;
  config: SessionConfig;
  selection: ResolvedSelection;
  nodes: NodeProgress[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const API_RETRY_BUDGET_MS = 90_000;

/** Waits for a terminating namespace of an earlier run with the same session id to disappear. */
async function awaitNamespaceGone(
  kubeConfig: KubeconfigClient,
  namespace: string,
  onEvent: DeployOptions['onEvent'],
) {
  for (let waited = 0; ; waited += 1000) {
    const ns = await apiRequest<{ status?: { phase?: string } }>(kubeConfig, {
      method: 'GET',
      path: objectPath('Namespace', namespace),
      doing: `read namespace ${namespace}`,
    }).catch((error: unknown) => {
      if (error instanceof KubeError && error.kind === 'not-found') return undefined;
      throw error;
    });
    if (ns?.status?.phase !== 'Terminating') return;
    if (waited === 0)
      onEvent({ type: 'step', message: `namespace ${namespace} is still terminating; waiting for it to go` });
    if (waited > 90_000)
      throw new KubeError(
        'terminating',
        `namespace ${namespace} has been terminating for 90 s; check its finalizers (kubectl get ns ${namespace} -o yaml)`,
      );
    await sleep(1000);
  }
}

function summarize(nodes: NodeProgress[]): string {
  return nodes
    .filter((n) => n.state !== 'ready')
    .map((n) => `  - ${n.node}: ${n.reason ?? n.state}`)
    .join('\n');
}

async function awaitAgents(
  kubeConfig: KubeconfigClient,
  options: DeployOptions,
  nodes: string[],
): Promise<NodeProgress[]> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const graceMs = options.problemGraceMs ?? 15_000;
  const started = Date.now();
  const problemSince = new Map<string, number>();
  let last = '';
  for (;;) {
    const progress = await withRetry(
      () => observeRollout(kubeConfig, options.session.id, nodes),
      API_RETRY_BUDGET_MS,
      (e) => options.onEvent({ type: 'retry', message: `${e.message}; retrying` }),
    );
    const fingerprint = JSON.stringify(progress);
    if (fingerprint !== last) options.onEvent({ type: 'nodes', nodes: progress });
    last = fingerprint;
    if (progress.every((n) => n.state === 'ready')) return progress;
    const now = Date.now();
    for (const n of progress)
      if (n.state === 'problem') problemSince.set(n.node, problemSince.get(n.node) ?? now);
      else problemSince.delete(n.node);
    const stuck = progress.find(
      (n) => n.state === 'problem' && now - (problemSince.get(n.node) ?? now) >= graceMs,
    );
    if (stuck) {
      const kind = stuck.problem === 'admission' ? 'admission' : 'timeout';
      throw new KubeError(kind, `agents failed to start:\n${summarize(progress)}`);
    }
    if (now - started > timeoutMs)
      throw new KubeError(
        'timeout',
        `agents not Ready after ${Math.round(timeoutMs / 1000)} s:\n${summarize(progress)}`,
      );
    await sleep(1000);
  }
}

/**
 * Deploys a tap session: resolve the selection to nodes, check every permission first, apply
 * the objects (server-side apply, retried across API-server restarts), then follow each node's
 * agent until Ready. Any failure after the first change rolls everything back, so a failed
 * deploy leaves nothing behind.
 */
export async function deploySession(
  kubeConfig: KubeconfigClient,
  options: DeployOptions,
): Promise<Deployment> {
  const { session, onEvent } = options;
  const step = (message: string) => onEvent({ type: 'step', message });
  step('resolving the selection');
  // Not retried: an API server that does not answer the first request is down or misaddressed,
  // and the user should hear so now. Retries cover restarts once the deploy is under way.
  const selection = await resolveSelection(kubeConfig, session);
  if (selection.nodes.length === 0)
    throw new KubeError(
      'invalid',
      'the selection matches no running pods (host-network pods cannot be tapped per pod); check --select-namespace/--select-label',
    );
  step(`${selection.pods.length} pods on ${selection.nodes.length} nodes: ${selection.nodes.join(', ')}`);
  const config = sessionConfig(session);
  const objects: KubeObject[] = sessionObjects(session, config, selection.nodes, options.holder);
  const podScope = selectionScope(session.selection);
  step('checking permissions');
  const permissions = [...requiredPermissions(objects, podScope), ...pullSecretPermissions(session)];
  // An explicit api transport needs the stream from the start; `auto` checks when it falls back.
  if (session.transport === 'api') permissions.push(streamPermission(sessionNames(session.id).namespace));
  await preflight(kubeConfig, permissions);
  await awaitNamespaceGone(kubeConfig, sessionNames(session.id).namespace, onEvent);
  // Copies of the pull Secrets go in right before the DaemonSet (after the namespace exists).
  const copies = await pullSecretCopies(kubeConfig, session);
  objects.splice(
    objects.findIndex((o) => o.kind === 'DaemonSet'),
    0,
    ...copies,
  );
  try {
    for (const object of objects) {
      step(`applying ${describeObject(object)}`);
      await withRetry(
        () => applyObject(kubeConfig, object),
        API_RETRY_BUDGET_MS,
        (e) => onEvent({ type: 'retry', message: `${e.message}; retrying` }),
      );
    }
    step(`waiting for agents on ${selection.nodes.length} nodes`);
    const nodes = await awaitAgents(kubeConfig, options, selection.nodes);
    // A full TTL from the moment the agents are Ready, not from when the Lease was first applied.
    await withRetry(
      () => applyObject(kubeConfig, leaseObject(session, options.holder, new Date())),
      API_RETRY_BUDGET_MS,
      (e) => onEvent({ type: 'retry', message: `${e.message}; retrying` }),
    );
    return { sessionId: session.id, config, selection, nodes };
  } catch (error) {
    if (options.keepOnFailure) throw error;
    step('deploy failed; removing what was applied');
    await teardownSession(kubeConfig, session.id, step).catch((cleanupError: unknown) =>
      step(`rollback incomplete: ${(cleanupError as Error).message}`),
    );
    throw error;
  }
}
