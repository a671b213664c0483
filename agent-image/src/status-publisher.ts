import { apiRequest, withQuery } from '../../main/kube/api-client.js';
import {
  NODE_STATUS_COMPONENT,
  NODE_STATUS_KEY,
  type NodeStatus,
  nodeStatusName,
} from '../../main/kube/deploy/node-status.js';
import { COMPONENT_LABEL, sessionLabels } from '../../main/kube/deploy/session.js';
import type { KubeConfigLike } from '../../main/kube/inventory/index.js';

/**
 * Publishes this node's status (tunnel IDs → pods, counters, problems) as a ConfigMap the
 * broker and `clustertap status` read. Server-side apply: idempotent, no read-modify-write.
 */
export class StatusPublisher {
  private lastShape = '';
  private lastSentAt = 0;

  constructor(
    private readonly kubeConfig: KubeConfigLike,
    private readonly namespace: string,
    private readonly sessionId: string,
  ) {}

  /** Sends when the mapping or problems changed, or counters are older than `refreshMs`. */
  async publish(status: NodeStatus, refreshMs = 5000): Promise<void> {
    const shape = JSON.stringify({
      ...status,
      updated: '',
      taps: status.taps.map((t) => ({ ...t, packets: 0, bytes: 0 })),
    });
    if (shape === this.lastShape && Date.now() - this.lastSentAt < refreshMs) return;
    const name = nodeStatusName(status.node);
    await apiRequest(this.kubeConfig, {
      method: 'PATCH',
      path: withQuery(`/api/v1/namespaces/${this.namespace}/configmaps/${name}`, {
        fieldManager: 'clustertap-agent',
        force: true,
      }),
      contentType: 'application/apply-patch+yaml',
      doing: 'publish the node status',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name,
          namespace: this.namespace,
          labels: { ...sessionLabels(this.sessionId), [COMPONENT_LABEL]: NODE_STATUS_COMPONENT },
        },
        data: { [NODE_STATUS_KEY]: `${JSON.stringify(status)}\n` },
      },
    });
    this.lastShape = shape;
    this.lastSentAt = Date.now();
  }
}
