import { selectionScope } from './selection-scope.js';
import {
  COMPONENT_LABEL,
  STREAM_TOKEN_KEY,
  sessionLabels,
  sessionNames,
  type TapSession,
} from './session.js';
import { SESSION_CONFIG_DIR, SESSION_CONFIG_KEY, type SessionConfig } from './session-config.js';

/** A Kubernetes object as we apply it: plain JSON, the API's own field names. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface SessionObjects {
  /** In apply order: what others refer to comes first. */
  objects: KubeObject[];
}

function meta(session: Pick<TapSession, 'id'>, name: string, namespace?: string, component = 'agent') {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { ...sessionLabels(session.id), [COMPONENT_LABEL]: component },
  };
}

/**
 * The agent runs with host networking and two capabilities; Pod Security "privileged" is the
 * only level that admits that, so the session's own namespace says so (and nothing else does).
 */
function namespace(session: TapSession): KubeObject {
  const n = sessionNames(session.id);
  const m = meta(session, n.namespace);
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      ...m,
      labels: {
        ...m.labels,
        'pod-security.kubernetes.io/enforce': 'privileged',
        'pod-security.kubernetes.io/warn': 'privileged',
        'pod-security.kubernetes.io/audit': 'privileged',
      },
    },
  };
}

/**
 * Least privilege: read pods only in the selected namespaces (cluster-wide only for a label
 * selector over all namespaces), read its session and Lease, write per-node status ConfigMaps.
 */
function rbac(session: TapSession): KubeObject[] {
  const n = sessionNames(session.id);
  const subject = { kind: 'ServiceAccount', name: n.serviceAccount, namespace: n.namespace };
  const podReader: KubeObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: meta(session, n.podReader),
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
  };
  const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: n.podReader };
  const scope = selectionScope(session.selection);
  const podReaderBindings: KubeObject[] =
    scope !== 'all'
      ? scope.map((ns) => ({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: meta(session, n.podReaderBinding, ns),
          roleRef,
          subjects: [subject],
        }))
      : [
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: meta(session, n.podReaderBinding),
            roleRef,
            subjects: [subject],
          },
        ];
  const agentRole: KubeObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(session, n.agentRole, n.namespace),
    rules: [
      {
        apiGroups: [''],
        resources: ['configmaps'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
      },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch'] },
    ],
  };
  const agentBinding: KubeObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(session, n.agentRole, n.namespace),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: n.agentRole },
    subjects: [subject],
  };
  return [podReader, ...podReaderBindings, agentRole, agentBinding];
}

function daemonSet(session: TapSession, config: SessionConfig, nodes: string[]): KubeObject {
  const n = sessionNames(session.id);
  const labels = { ...sessionLabels(session.id), [COMPONENT_LABEL]: 'agent' };
  const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta(session, n.daemonSet, n.namespace),
    spec: {
      selector: { matchLabels: sessionLabels(session.id) },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%' } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: n.serviceAccount,
          hostNetwork: true,
          dnsPolicy: 'ClusterFirstWithHostNet',
          terminationGracePeriodSeconds: 10,
          // Only nodes that host selected pods (one term per node: a metadata.name field
          // selector takes a single value); the app re-applies when that set changes.
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: nodes.map((node) => ({
                  matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }],
                })),
              },
            },
          },
          ...((session.imagePullSecrets ?? []).length > 0 && {
            imagePullSecrets: (session.imagePullSecrets ?? []).map((ref) => ({ name: ref.split('/')[1] })),
          }),
          // A selected pod may sit on a tainted node (control plane, dedicated pools): follow it there.
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: 'agent',
              image: session.agentImage,
              imagePullPolicy: 'IfNotPresent',
              // A crashing agent's last log lines become its termination message, which deploy shows.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              args: ['--config', `${SESSION_CONFIG_DIR}/${SESSION_CONFIG_KEY}`],
              env: [
                fieldEnv('NODE_NAME', 'spec.nodeName'),
                fieldEnv('POD_NAME', 'metadata.name'),
                fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
                fieldEnv('NODE_IP', 'status.hostIP'),
                ...(session.streamToken
                  ? [
                      {
                        name: 'STREAM_TOKEN',
                        valueFrom: { secretKeyRef: { name: n.streamSecret, key: STREAM_TOKEN_KEY } },
                      },
                    ]
                  : []),
              ],
              ports: [{ name: 'health', containerPort: config.healthPort, protocol: 'TCP' }],
              readinessProbe: {
                httpGet: { path: '/readyz', port: config.healthPort },
                periodSeconds: 2,
                failureThreshold: 3,
              },
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] },
              },
              volumeMounts: [
                { name: 'session', mountPath: SESSION_CONFIG_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'session', configMap: { name: n.configMap } },
            { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
          ],
        },
      },
    },
  };
}

/** The session config the agents watch; re-applied to push a change (selection, filter, transport). */
export function sessionConfigMap(session: Pick<TapSession, 'id'>, config: SessionConfig): KubeObject {
  const n = sessionNames(session.id);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(session, n.configMap, n.namespace, 'session'),
    data: { [SESSION_CONFIG_KEY]: `${JSON.stringify(config, null, 2)}\n` },
  };
}

export function leaseObject(session: TapSession, holder: string, now: Date): KubeObject {
  const n = sessionNames(session.id);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: meta(session, n.lease, n.namespace, 'session'),
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: session.leaseTtlSeconds,
      renewTime: now.toISOString().replace(/Z$/, '000Z'),
    },
  };
}

/** Every object of a session, in apply order; `nodes` are the nodes hosting selected pods. */
export function sessionObjects(
  session: TapSession,
  config: SessionConfig,
  nodes: string[],
  holder: string,
  now = new Date(),
): KubeObject[] {
  const n = sessionNames(session.id);
  return [
    namespace(session),
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta(session, n.serviceAccount, n.namespace),
    },
    ...rbac(session),
    sessionConfigMap(session, config),
    ...(session.streamToken
      ? [
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: meta(session, n.streamSecret, n.namespace, 'session'),
            type: 'Opaque',
            // base64 in `data`: server-side apply of `stringData` would not round-trip.
            data: { [STREAM_TOKEN_KEY]: Buffer.from(session.streamToken).toString('base64') },
          },
        ]
      : []),
    leaseObject(session, holder, now),
    daemonSet(session, config, nodes),
  ];
}
