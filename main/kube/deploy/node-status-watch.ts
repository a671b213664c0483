import type { TunnelLabel } from '../../broker/tunnel-map.js';
import { type KubeConfigLike, watchList } from '../inventory/index.js';
import type { RawObject } from '../inventory/records.js';
import {
  NODE_STATUS_COMPONENT,
  NODE_STATUS_KEY,
  type NodeStatus,
  NodeStatusSchema,
  tapInterfaceName,
} from './node-status.js';
import { COMPONENT_LABEL, SESSION_LABEL, sessionNames } from './session.js';

/**
 * Tunnel labels from the agents' node status: each tunnel ID, from its node's address, names
 * "node/namespace/pod (direction)". IDs are per node, so a label is keyed by the node's IP; where
 * an ID is unique across nodes it also matches from any address (a NAT between nodes and broker).
 */
export function labelsFromStatus(statuses: readonly NodeStatus[]): TunnelLabel[] {
  const idCount = new Map<number, number>();
  for (const s of statuses)
    for (const t of s.taps) idCount.set(t.tunnelId, (idCount.get(t.tunnelId) ?? 0) + 1);
  return statuses.flatMap((s) =>
    s.taps.flatMap((t) => {
      const label = {
        tunnelId: t.tunnelId,
        name: tapInterfaceName(s.node, t),
        description: `pod ${t.namespace}/${t.pod} on node ${s.node} (host interface ${t.interface}), ${t.direction === 'egress' ? 'sent by' : 'received by'} the pod`,
        direction: t.direction === 'egress' ? ('outbound' as const) : ('inbound' as const),
      };
      return idCount.get(t.tunnelId) === 1
        ? [{ ...label, peer: s.nodeIP }, label]
        : [{ ...label, peer: s.nodeIP }];
    }),
  );
}

export interface NodeStatusWatch {
  statuses(): NodeStatus[];
  stop(): void;
}

/** Follows every node's status ConfigMap of a session; `onChange` gets them all after each change. */
export function watchNodeStatus(
  kubeConfig: KubeConfigLike,
  sessionId: string,
  onChange: (statuses: NodeStatus[]) => void,
): NodeStatusWatch {
  const namespace = sessionNames(sessionId).namespace;
  const watch = watchList(
    kubeConfig,
    `/api/v1/namespaces/${namespace}/configmaps`,
    {
      labelSelector: `${SESSION_LABEL}=${sessionId},${COMPONENT_LABEL}=${NODE_STATUS_COMPONENT}`,
      what: 'agent node status',
    },
    (raw) => {
      const text = (raw as RawObject & { data?: Record<string, string> }).data?.[NODE_STATUS_KEY];
      try {
        const parsed = NodeStatusSchema.safeParse(JSON.parse(text ?? ''));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
  );
  const statuses = () => [...watch.items().values()].filter((s): s is NodeStatus => s !== undefined);
  watch.onChange(() => onChange(statuses()));
  watch.start();
  return { statuses, stop: () => watch.stop() };
}
