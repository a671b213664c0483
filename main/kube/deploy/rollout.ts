import { apiRequest, withQuery } from '../api-client.js';
import type { KubeconfigClient } from '../kubeconfig/connection.js';
import { sessionNames, sessionSelector } from './session.js';

/** Where one node's agent is, in the user's words. */
export interface NodeProgress {
  node: string;
  state: 'pending' | 'starting' | 'ready' | 'problem';
  /** Why it is not ready yet: "image pull: …", "crash: …", "admission: …", "not scheduled: …". */
  reason?: string;
  /** Kind of problem, for callers that fail fast on the ones that do not heal by waiting. */
  problem?: 'image-pull' | 'crash' | 'admission' | 'unschedulable';
}

interface ContainerStatus {
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: Terminated };
  lastState?: { terminated?: Terminated };
}
interface Terminated {
  exitCode?: number;
  reason?: string;
  message?: string;
}
interface AgentPod {
  metadata: { name: string };
  spec: {
    nodeName?: string;
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: {
          nodeSelectorTerms?: { matchFields?: { key: string; values?: string[] }[] }[];
        };
      };
    };
  };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
  };
}
interface Event {
  reason?: string;
  message?: string;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string };
}

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/**
 * The line of a crashed container's last output that says what went wrong: the last one naming an
 * error, not Node's closing "Node.js v20…" banner or a stack frame.
 */
export function telling(message: string): string {
  const lines = message
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const useful = lines.filter((l) => !/^Node\.js v\d/.test(l) && !/^at /.test(l) && !/^\^+$/.test(l));
  return useful.findLast((l) => /error|fatal|cannot|failed|denied|refused/i.test(l)) ?? useful.at(-1) ?? '';
}

/** The node a DaemonSet pod is for: bound, or named by the affinity the controller gave it. */
function targetNode(pod: AgentPod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms =
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms?.[0]?.matchFields?.find((f) => f.key === 'metadata.name')?.values?.[0];
}

export function podProgress(node: string, pod: AgentPod): NodeProgress {
  const status = pod.status ?? {};
  const condition = (type: string) => status.conditions?.find((c) => c.type === type);
  if (condition('Ready')?.status === 'True') return { node, state: 'ready' };
  const scheduled = condition('PodScheduled');
  if (scheduled?.status === 'False')
    return {
      node,
      state: 'problem',
      problem: 'unschedulable',
      reason: `not scheduled: ${scheduled.message ?? scheduled.reason ?? ''}`,
    };
  const container = status.containerStatuses?.[0];
  const waiting = container?.state?.waiting;
  if (waiting?.reason && IMAGE_PULL.has(waiting.reason))
    return {
      node,
      state: 'problem',
      problem: 'image-pull',
      reason: `image pull: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
    };
  const terminated = container?.state?.terminated ?? container?.lastState?.terminated;
  if (waiting?.reason === 'CrashLoopBackOff' || container?.state?.terminated) {
    const exit = terminated
      ? `exit code ${terminated.exitCode ?? '?'}${terminated.reason ? ` (${terminated.reason})` : ''}`
      : 'exited';
    const said = terminated?.message ? `: ${telling(terminated.message)}` : '';
    return {
      node,
      state: 'problem',
      problem: 'crash',
      reason: `crash: ${exit}, ${container?.restartCount ?? 0} restarts${said}`,
    };
  }
  if (container?.state?.running) return { node, state: 'starting', reason: 'running, waiting for readiness' };
  return {
    node,
    state: 'starting',
    reason: waiting?.reason ? `starting: ${waiting.reason}` : `pod ${status.phase ?? 'Pending'}`,
  };
}

/** One look at the rollout: a progress entry for every target node. */
export async function observeRollout(
  kubeConfig: KubeconfigClient,
  sessionId: string,
  nodes: string[],
): Promise<NodeProgress[]> {
  const n = sessionNames(sessionId);
  const [pods, events] = await Promise.all([
    apiRequest<{ items: AgentPod[] }>(kubeConfig, {
      method: 'GET',
      path: withQuery(`/api/v1/namespaces/${n.namespace}/pods`, {
        labelSelector: sessionSelector(sessionId),
      }),
      doing: 'list the agent pods',
    }),
    apiRequest<{ items: Event[] }>(kubeConfig, {
      method: 'GET',
      path: withQuery(`/api/v1/namespaces/${n.namespace}/events`, {
        fieldSelector: 'involvedObject.kind=DaemonSet',
      }),
      doing: 'list the DaemonSet events',
    }),
  ]);
  const byNode = new Map<string, AgentPod>();
  for (const pod of pods.items) {
    const node = targetNode(pod);
    if (node) byNode.set(node, pod);
  }
  const failedCreate = events.items
    .filter((e) => e.reason === 'FailedCreate')
    .sort((a, b) =>
      (a.lastTimestamp ?? a.eventTime ?? '').localeCompare(b.lastTimestamp ?? b.eventTime ?? ''),
    )
    .at(-1);
  return nodes.map((node) => {
    const pod = byNode.get(node);
    if (pod) return podProgress(node, pod);
    if (failedCreate?.message)
      return { node, state: 'problem', problem: 'admission', reason: `admission: ${failedCreate.message}` };
    return { node, state: 'pending', reason: 'waiting for the DaemonSet controller to create the pod' };
  });
}
