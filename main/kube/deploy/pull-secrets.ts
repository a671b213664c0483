import { apiRequest } from '../api-client.js';
import { KubeError } from '../kube-error.js';
import type { KubeconfigClient } from '../kubeconfig/connection.js';
import type { KubeObject } from './manifests.js';
import { objectPath } from './object-paths.js';
import type { Permission } from './preflight.js';
import { COMPONENT_LABEL, sessionLabels, sessionNames, type TapSession } from './session.js';

interface SecretBody {
  type?: string;
  data?: Record<string, string>;
}

const PULL_SECRET_TYPES = new Set(['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockercfg']);

const split = (ref: string) => {
  const [namespace = '', name = ''] = ref.split('/');
  return { namespace, name };
};

/** Reading the Secrets to copy: checked with the other permissions, before any change. */
export function pullSecretPermissions(session: TapSession): Permission[] {
  return (session.imagePullSecrets ?? []).map((ref) => ({
    verb: 'get',
    group: '',
    resource: 'secrets',
    namespace: split(ref).namespace,
  }));
}

/**
 * A pod can only use pull Secrets of its own namespace, and the agents run in the session's.
 * So each named Secret is copied there (same name, our labels, removed with the session).
 */
export async function pullSecretCopies(
  kubeConfig: KubeconfigClient,
  session: TapSession,
): Promise<KubeObject[]> {
  const target = sessionNames(session.id).namespace;
  return Promise.all(
    (session.imagePullSecrets ?? []).map(async (ref) => {
      const { namespace, name } = split(ref);
      const secret = await apiRequest<SecretBody>(kubeConfig, {
        method: 'GET',
        path: objectPath('Secret', name, namespace),
        doing: `read image pull Secret ${ref}`,
      });
      if (!secret.type || !PULL_SECRET_TYPES.has(secret.type))
        throw new KubeError(
          'invalid',
          `Secret ${ref} is of type ${secret.type ?? 'unknown'}, not a registry credential (kubectl create secret docker-registry)`,
        );
      return {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name,
          namespace: target,
          labels: { ...sessionLabels(session.id), [COMPONENT_LABEL]: 'image-pull' },
        },
        type: secret.type,
        data: secret.data ?? {},
      };
    }),
  );
}
