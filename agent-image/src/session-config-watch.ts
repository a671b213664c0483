import {
  SESSION_CONFIG_KEY,
  type SessionConfig,
  SessionConfigSchema,
} from '../../main/kube/deploy/session-config.js';
import { type KubeConfigLike, watchList } from '../../main/kube/inventory/index.js';
import type { RawObject } from '../../main/kube/inventory/records.js';

/** Selection and filter changes arrive through the session ConfigMap (the app re-applies it). */
export function watchSessionConfig(
  kubeConfig: KubeConfigLike,
  namespace: string,
  name: string,
  onConfig: (config: SessionConfig) => void,
  log: (line: string) => void,
): () => void {
  const watch = watchList(
    kubeConfig,
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`,
    { fieldSelector: `metadata.name=${name}`, what: 'the session ConfigMap' },
    (raw) => (raw as RawObject & { data?: Record<string, string> }).data?.[SESSION_CONFIG_KEY] ?? '',
  );
  watch.onChange((changes) => {
    for (const change of changes) {
      if (change.type === 'deleted') continue;
      try {
        const parsed = SessionConfigSchema.safeParse(JSON.parse(change.record));
        if (parsed.success) onConfig(parsed.data);
        else log(`session ConfigMap ignored: ${parsed.error.issues[0]?.message}`);
      } catch (error) {
        log(`session ConfigMap ignored: ${(error as Error).message}`);
      }
    }
  });
  watch.start();
  return () => watch.stop();
}
