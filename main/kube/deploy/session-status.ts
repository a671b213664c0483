import { apiRequest, withQuery } from '../api-client.js';
import { KubeError } from '../kube-error.js';
import type { KubeconfigClient } from '../kubeconfig/connection.js';
import { NODE_STATUS_COMPONENT, NODE_STATUS_KEY, type NodeStatus, NodeStatusSchema } from './node-status.js';
import { objectPath } from './object-paths.js';
import { type NodeProgress, observeRollout } from './rollout.js';
import { COMPONENT_LABEL, SESSION_LABEL, sessionNames } from './session.js';
import { SESSION_CONFIG_KEY, type SessionConfig, SessionConfigSchema } from './session-config.js';
import { listSessions } from './teardown.js';

export interface SessionStatus {
  sessionId: string;
  namespace: string;
  config?: SessionConfig;
  agents: { desired: number; ready: number };
  nodes: NodeProgress[];
  lease?: { holder: string; renewedSecondsAgo: number; ttlSeconds: number; expired: boolean };
  terminating: boolean;
  /** What each node's agent reports: mirroring state, taps with counters, problems. */
  agentReports: NodeStatus[];
}

interface DaemonSetView {
  status?: { desiredNumberScheduled?: number; numberReady?: number };
  spec?: {
    template?: {
      spec?: {
        affinity?: {
          nodeAffinity?: {
            requiredDuringSchedulingIgnoredDuringExecution?: {
              nodeSelectorTerms?: { matchFields?: { key: string; values?: string[] }[] }[];
            };
          };
        };
      };
    };
  };
}

async function getOrUndefined<T>(
  kubeConfig: KubeconfigClient,
  path: string,
  doing: string,
): Promise<T | undefined> {
  try {
    return await apiRequest<T>(kubeConfig, { method: 'GET', path, doing });
  } catch (error) {
    if (error instanceof KubeError && error.kind === 'not-found') return undefined;
    throw error;
  }
}

/** Parses a MicroTime/RFC 3339 timestamp with more than millisecond precision. */
function parseTime(text: string): number {
  return Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
}

export async function sessionStatus(
  kubeConfig: KubeconfigClient,
  sessionId: string,
  now = Date.now(),
): Promise<SessionStatus> {
  const n = sessionNames(sessionId);
  const reports = apiRequest<{ items: { data?: Record<string, string> }[] }>(kubeConfig, {
    method: 'GET',
    path: withQuery(`/api/v1/namespaces/${n.namespace}/configmaps`, {
      labelSelector: `${SESSION_LABEL}=${sessionId},${COMPONENT_LABEL}=${NODE_STATUS_COMPONENT}`,
    }),
    doing: "read the agents' node status",
  }).then(
    (list) =>
      list.items.flatMap((cm) => {
        try {
          const parsed = NodeStatusSchema.safeParse(JSON.parse(cm.data?.[NODE_STATUS_KEY] ?? ''));
          return parsed.success ? [parsed.data] : [];
        } catch {
          return [];
        }
      }),
    () => [] as NodeStatus[],
  );
  const [ns, ds, cm, lease] = await Promise.all([
    getOrUndefined<{ status?: { phase?: string } }>(
      kubeConfig,
      objectPath('Namespace', n.namespace),
      'read the session namespace',
    ),
    getOrUndefined<DaemonSetView>(
      kubeConfig,
      objectPath('DaemonSet', n.daemonSet, n.namespace),
      'read the agent DaemonSet',
    ),
    getOrUndefined<{ data?: Record<string, string> }>(
      kubeConfig,
      objectPath('ConfigMap', n.configMap, n.namespace),
      'read the session ConfigMap',
    ),
    getOrUndefined<{ spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number } }>(
      kubeConfig,
      objectPath('Lease', n.lease, n.namespace),
      'read the session Lease',
    ),
  ]);
  const parsed = cm?.data?.[SESSION_CONFIG_KEY]
    ? SessionConfigSchema.safeParse(JSON.parse(cm.data[SESSION_CONFIG_KEY]))
    : undefined;
  const terms =
    ds?.spec?.template?.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms;
  const targetNodes = (terms ?? []).flatMap(
    (term) => term.matchFields?.find((f) => f.key === 'metadata.name')?.values ?? [],
  );
  const nodes = ds ? await observeRollout(kubeConfig, sessionId, targetNodes) : [];
  const renew = lease?.spec?.renewTime ? parseTime(lease.spec.renewTime) : undefined;
  const ttl = lease?.spec?.leaseDurationSeconds ?? 0;
  const ago = renew === undefined ? Number.POSITIVE_INFINITY : Math.max(0, (now - renew) / 1000);
  return {
    sessionId,
    namespace: n.namespace,
    ...(parsed?.success ? { config: parsed.data } : {}),
    agents: { desired: ds?.status?.desiredNumberScheduled ?? 0, ready: ds?.status?.numberReady ?? 0 },
    nodes,
    ...(lease
      ? {
          lease: {
            holder: lease.spec?.holderIdentity ?? '',
            renewedSecondsAgo: Math.round(ago),
            ttlSeconds: ttl,
            expired: ago > ttl,
          },
        }
      : {}),
    terminating: ns?.status?.phase === 'Terminating',
    agentReports: (await reports).sort((a, b) => a.node.localeCompare(b.node)),
  };
}

export async function allSessionStatus(kubeConfig: KubeconfigClient): Promise<SessionStatus[]> {
  const ids = await listSessions(kubeConfig);
  return Promise.all(ids.map((id) => sessionStatus(kubeConfig, id)));
}
