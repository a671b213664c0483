import { selectionMatcher, selectionScope } from '../../main/kube/deploy/selection-scope.js';
import type { SessionConfig } from '../../main/kube/deploy/session-config.js';
import {
  Interner,
  type KubeConfigLike,
  type PodRecord,
  toPodRecord,
  type WatchList,
  watchList,
} from '../../main/kube/inventory/index.js';

/** A pod this node should tap. */
export interface TapTarget {
  key: string;
  uid: string;
  namespace: string;
  pod: string;
  podIP: string;
}

/**
 * The selected pods on this node, kept current by watches: one per selected namespace (the agent's
 * RBAC grants pod reading only there), or one cluster-wide for an all-namespace label selection.
 * Host-network pods share the node's interfaces and have no veth to tap: never targets.
 */
export class SelectedPods {
  private watches: WatchList<PodRecord>[] = [];
  private readonly strings = new Interner();
  private matches: (pod: PodRecord) => boolean = () => false;

  constructor(
    private readonly kubeConfig: KubeConfigLike,
    private readonly node: string,
    private readonly onChange: () => void,
  ) {}

  /** (Re)starts the watches for a selection; cheap to call with an unchanged one. */
  select(selection: SessionConfig['selection']): void {
    this.stop();
    this.matches = selectionMatcher(selection);
    const scope = selectionScope(selection);
    const paths =
      scope === 'all'
        ? ['/api/v1/pods']
        : scope.map((ns) => `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`);
    this.watches = paths.map((path) =>
      watchList(this.kubeConfig, path, { fieldSelector: `spec.nodeName=${this.node}` }, (raw) =>
        toPodRecord(raw, this.strings),
      ),
    );
    for (const w of this.watches) {
      w.onChange(() => this.onChange());
      w.start();
    }
  }

  targets(): TapTarget[] {
    const out: TapTarget[] = [];
    for (const w of this.watches)
      for (const pod of w.items().values()) {
        const podIP = pod.podIPs[0];
        if (!podIP || pod.hostNetwork || pod.phase === 'Succeeded' || pod.phase === 'Failed') continue;
        if (!this.matches(pod)) continue;
        out.push({
          key: `${pod.namespace}/${pod.name}`,
          uid: pod.uid,
          namespace: pod.namespace,
          pod: pod.name,
          podIP,
        });
      }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Why pods may be missing: a watch that is not synced or was denied. */
  problems(): string[] {
    return this.watches.flatMap((w) => {
      const s = w.status();
      return s.lastError ? [s.lastError.message] : [];
    });
  }

  stop(): void {
    for (const w of this.watches) w.stop();
    this.watches = [];
  }
}
