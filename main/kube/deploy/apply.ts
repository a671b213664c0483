import { apiRequest, withQuery } from '../api-client.js';
import type { KubeconfigClient } from '../kubeconfig/connection.js';
import type { KubeObject } from './manifests.js';
import { objectPath } from './object-paths.js';

export const FIELD_MANAGER = 'clustertap';

export function describeObject(object: KubeObject): string {
  const ns = object.metadata.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind} ${ns}${object.metadata.name}`;
}

/**
 * Server-side apply: idempotent, so a deploy interrupted by an API-server restart is simply
 * applied again. `force` takes over fields another manager set on *our* objects only.
 */
export async function applyObject(kubeConfig: KubeconfigClient, object: KubeObject): Promise<KubeObject> {
  return apiRequest<KubeObject>(kubeConfig, {
    method: 'PATCH',
    path: withQuery(objectPath(object.kind, object.metadata.name, object.metadata.namespace), {
      fieldManager: FIELD_MANAGER,
      force: true,
    }),
    contentType: 'application/apply-patch+yaml',
    body: object,
    doing: `apply ${describeObject(object)}`,
  });
}
