import type { CniStyle, Log } from './config.js';
import { CNI_LABEL } from './config.js';
import { isConflict, isNotFound, type KubeClient } from './kube-client.js';

/**
 * The real CNIs' DaemonSets, so CNI detection sees what it sees on a real cluster: names,
 * namespaces, labels and images as the upstream manifests have them. Their pods are hostNetwork
 * and run an idle program here (see images.ts); the harness itself does their networking.
 * Simplified: no init containers, service accounts or RBAC (the harness does not need them).
 */
const IMAGES = { calico: 'docker.io/calico/node:v3.29.1', flannel: 'docker.io/flannel/flannel:v0.26.4' };

function daemonSet(style: CniStyle) {
  const [namespace, name, labels, container] =
    style === 'calico'
      ? ['kube-system', 'calico-node', { 'k8s-app': 'calico-node' }, 'calico-node']
      : [
          'kube-flannel',
          'kube-flannel-ds',
          { app: 'flannel', 'k8s-app': 'flannel', tier: 'node' },
          'kube-flannel',
        ];
  return {
    path: `/apis/apps/v1/namespaces/${namespace}/daemonsets`,
    name,
    body: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name, namespace, labels },
      spec: {
        selector: { matchLabels: style === 'calico' ? labels : { app: 'flannel' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels },
          spec: {
            hostNetwork: true,
            priorityClassName: 'system-node-critical',
            nodeSelector: { 'kubernetes.io/os': 'linux', [CNI_LABEL]: style },
            tolerations: [
              { operator: 'Exists', effect: 'NoSchedule' },
              { operator: 'Exists', effect: 'NoExecute' },
            ],
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: container,
                image: IMAGES[style],
                securityContext: { privileged: true },
                env: style === 'calico' ? [{ name: 'CALICO_NETWORKING_BACKEND', value: 'vxlan' }] : [],
              },
            ],
          },
        },
      },
    },
  };
}

const FLANNEL_NAMESPACE = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name: 'kube-flannel',
    labels: { 'k8s-app': 'flannel', 'pod-security.kubernetes.io/enforce': 'privileged' },
  },
};

/** flanneld's config as the upstream manifest ships it (CNI detection may read the backend from here). */
const flannelConfig = (clusterCidr: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'kube-flannel-cfg', namespace: 'kube-flannel', labels: { app: 'flannel', tier: 'node' } },
  data: {
    'cni-conf.json': JSON.stringify({
      name: 'cbr0',
      cniVersion: '0.3.1',
      plugins: [
        { type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    }),
    'net-conf.json': JSON.stringify({
      Network: clusterCidr,
      EnableNFTables: false,
      Backend: { Type: 'vxlan' },
    }),
  },
});

async function create(api: KubeClient, path: string, body: unknown): Promise<void> {
  try {
    await api.request('POST', path, body);
  } catch (e) {
    if (!isConflict(e)) throw e;
  }
}

export async function ensureCniDaemonSets(
  api: KubeClient,
  styles: Set<CniStyle>,
  clusterCidr: string,
  log: Log,
): Promise<void> {
  if (styles.has('flannel')) {
    await create(api, '/api/v1/namespaces', FLANNEL_NAMESPACE);
    await create(api, '/api/v1/namespaces/kube-flannel/configmaps', flannelConfig(clusterCidr));
  }
  for (const style of styles) {
    const ds = daemonSet(style);
    await create(api, ds.path, ds.body);
    log(`CNI DaemonSet ${ds.body.metadata.namespace}/${ds.name} in place`);
  }
}

/** For --cleanup: what ensureCniDaemonSets made, except for styles some remaining node still uses. */
export async function deleteCniObjects(api: KubeClient, stylesInUse: Set<CniStyle>): Promise<void> {
  const paths = [
    ...(stylesInUse.has('calico') ? [] : ['/apis/apps/v1/namespaces/kube-system/daemonsets/calico-node']),
    ...(stylesInUse.has('flannel')
      ? []
      : [
          '/apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds',
          '/api/v1/namespaces/kube-flannel/configmaps/kube-flannel-cfg',
          '/api/v1/namespaces/kube-flannel',
        ]),
  ];
  for (const path of paths)
    try {
      await api.request(
        'DELETE',
        path,
        { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
        { timeoutMs: 3000 },
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
}
