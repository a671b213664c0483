import { describe, expect, it } from 'vitest';
import { sessionObjects } from '../../main/kube/deploy/manifests.js';
import { describePermission, requiredPermissions } from '../../main/kube/deploy/preflight.js';
import { withRetry } from '../../main/kube/deploy/retry.js';
import { podProgress, telling } from '../../main/kube/deploy/rollout.js';
import { sessionConfig, type TapSession } from '../../main/kube/deploy/session.js';
import { SessionConfigSchema } from '../../main/kube/deploy/session-config.js';
import { KubeError } from '../../main/kube/kube-error.js';

function session(overrides: Partial<TapSession> = {}): TapSession {
  return {
    id: 'a1b2c3d4',
    selection: { namespaces: ['shop'], pods: [] },
    collector: { address: '198.19.200.1', port: 4789 },
    transport: 'vxlan',
    agentImage: 'ghcr.io/clustertap/clustertap-agent:0.1.0',
    leaseTtlSeconds: 15,
    ...overrides,
  };
}

const build = (s: TapSession, nodes = ['n1', 'n2']) => sessionObjects(s, sessionConfig(s), nodes, 'me@host');
// biome-ignore lint/suspicious/noExplicitAny: tests walk manifest JSON freely
type Spec = Record<string, any>;

describe('session objects', () => {
  it('label every object with part-of=clustertap and the session id', () => {
    for (const object of build(session())) {
      expect(object.metadata.labels?.['app.kubernetes.io/part-of'], object.kind).toBe('clustertap');
      expect(object.metadata.labels?.['clustertap.io/session'], object.kind).toBe('a1b2c3d4');
    }
  });

  it('give the agent host networking and exactly NET_ADMIN + NET_RAW, on the selected nodes only', () => {
    const ds = build(session(), ['lab-node-1', 'lab-node-3']).find((o) => o.kind === 'DaemonSet') as Spec;
    const pod = ds.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    const container = pod.containers[0];
    expect(container.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] });
    expect(container.securityContext.privileged).toBeUndefined();
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    const terms = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['lab-node-1'] }] },
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['lab-node-3'] }] },
    ]);
    expect(ds.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/part-of': 'clustertap',
      'clustertap.io/session': 'a1b2c3d4',
    });
    expect(ds.spec.template.metadata.labels).toMatchObject(ds.spec.selector.matchLabels);
  });

  it('put the agent in its own namespace that admits it under Pod Security', () => {
    const objects = build(session());
    const ns = objects.find((o) => o.kind === 'Namespace');
    expect(ns?.metadata.name).toBe('clustertap-a1b2c3d4');
    expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(
      objects
        .filter((o) => o.metadata.namespace && o.kind !== 'RoleBinding')
        .every((o) => o.metadata.namespace === 'clustertap-a1b2c3d4'),
    ).toBe(true);
  });

  it('grant pod reading per selected namespace, cluster-wide only for an all-namespace label selector', () => {
    const scoped = build(session({ selection: { namespaces: ['shop'], pods: ['web/front-1'] } }));
    const bindings = scoped.filter((o) => o.kind === 'RoleBinding' && o.metadata.name.endsWith('pod-reader'));
    expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual(['shop', 'web']);
    expect(scoped.some((o) => o.kind === 'ClusterRoleBinding')).toBe(false);
    const wide = build(session({ selection: { namespaces: [], pods: [], labelSelector: 'app=web' } }));
    expect(wide.filter((o) => o.kind === 'ClusterRoleBinding')).toHaveLength(1);
    const reader = wide.find((o) => o.kind === 'ClusterRole') as Spec;
    expect(reader.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
  });

  it('write a session config the agent accepts, with tunnel IDs clear of Flannel and Calico', () => {
    for (const id of ['a1b2c3d4', '00000000', 'ffffffff', 'deadbeef']) {
      const config = sessionConfig(session({ id }));
      expect(SessionConfigSchema.parse(config)).toEqual(config);
      expect(config.tunnelIdBase).toBeGreaterThan(4096);
      expect(config.tunnelIdBase + 0xfff).toBeLessThanOrEqual(0xffffff);
    }
    const cm = build(session()).find((o) => o.kind === 'ConfigMap') as Spec;
    expect(SessionConfigSchema.parse(JSON.parse(cm.data['session.json'])).sessionId).toBe('a1b2c3d4');
  });

  it('write the Lease renew time as MicroTime', () => {
    const lease = sessionObjects(
      session(),
      sessionConfig(session()),
      ['n'],
      'me',
      new Date('2026-01-02T03:04:05.678Z'),
    ).find((o) => o.kind === 'Lease') as Spec;
    expect(lease.spec).toEqual({
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      renewTime: '2026-01-02T03:04:05.678000Z',
    });
  });
});

describe('preflight permissions', () => {
  it('ask for apply, get and delete of every object and pod reading where the agent reads', () => {
    const s = session();
    const perms = requiredPermissions(build(s), ['shop']).map(describePermission);
    expect(perms).toContain('create daemonsets.apps in namespace clustertap-a1b2c3d4');
    expect(perms).toContain('patch namespaces (cluster-wide)');
    expect(perms).toContain('delete clusterroles.rbac.authorization.k8s.io (cluster-wide)');
    expect(perms).toContain('watch pods in namespace shop');
    expect(new Set(perms).size).toBe(perms.length);
  });
});

describe('rollout progress per node', () => {
  const pod = (status: Spec, spec: Spec = { nodeName: 'n1' }) =>
    ({ metadata: { name: 'p' }, spec, status }) as never;
  it('say why an agent is not ready', () => {
    expect(podProgress('n1', pod({ conditions: [{ type: 'Ready', status: 'True' }] })).state).toBe('ready');
    const pull = podProgress(
      'n1',
      pod({
        containerStatuses: [
          { state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } } },
        ],
      }),
    );
    expect(pull).toMatchObject({ state: 'problem', problem: 'image-pull' });
    expect(pull.reason).toBe('image pull: ImagePullBackOff: Back-off pulling image "x"');
    const crash = podProgress(
      'n1',
      pod({
        containerStatuses: [
          {
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'boom\nconfig invalid' } },
          },
        ],
      }),
    );
    expect(crash).toMatchObject({
      problem: 'crash',
      reason: 'crash: exit code 1 (Error), 3 restarts: config invalid',
    });
    const unscheduled = podProgress(
      'n1',
      pod(
        { conditions: [{ type: 'PodScheduled', status: 'False', message: '0/3 nodes are available' }] },
        {},
      ),
    );
    expect(unscheduled).toMatchObject({
      problem: 'unschedulable',
      reason: 'not scheduled: 0/3 nodes are available',
    });
    expect(podProgress('n1', pod({ containerStatuses: [{ state: { running: {} } }] }))).toMatchObject({
      state: 'starting',
    });
  });
});

describe('a crashed agent’s termination message', () => {
  it('is reduced to the line that tells what went wrong', () => {
    const node = [
      'file:///app/dist/agent-image/src/main.js:12',
      'Error: /etc/clustertap/session.json: collector.port: Too big',
      '    at loadConfig (file:///app/dist/agent-image/src/main.js:12:11)',
      'clustertap-agent: fatal: /etc/clustertap/session.json: collector.port: Too big',
      '',
      'Node.js v20.20.2',
    ].join('\n');
    expect(telling(node)).toBe(
      'clustertap-agent: fatal: /etc/clustertap/session.json: collector.port: Too big',
    );
    expect(telling('just one line')).toBe('just one line');
  });
});

describe('retry across API-server restarts', () => {
  it('retry unreachable and 5xx, not forbidden', async () => {
    let calls = 0;
    const value = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new KubeError('unreachable', 'down');
        return 'ok';
      },
      10_000,
      () => {},
    );
    expect([value, calls]).toEqual(['ok', 3]);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new KubeError('forbidden', 'no', 403);
        },
        10_000,
        () => {},
      ),
    ).rejects.toThrow('no');
    expect(calls).toBe(1);
  });
});

describe('the api transport stream token', () => {
  it('is a Secret of the session the agent reads as STREAM_TOKEN, and never part of the ConfigMap', () => {
    const token = 'c2VjcmV0LXRva2VuLWZvci10ZXN0cw';
    const objects = build(session({ streamToken: token }));
    const secret = objects.find((o) => o.kind === 'Secret') as Spec;
    expect(secret.metadata).toMatchObject({ name: 'clustertap-stream', namespace: 'clustertap-a1b2c3d4' });
    expect(Buffer.from(secret.data.token, 'base64').toString()).toBe(token);
    const ds = objects.find((o) => o.kind === 'DaemonSet') as Spec;
    const env = ds.spec.template.spec.containers[0].env as Spec[];
    expect(env.find((e) => e.name === 'STREAM_TOKEN')).toEqual({
      name: 'STREAM_TOKEN',
      valueFrom: { secretKeyRef: { name: 'clustertap-stream', key: 'token' } },
    });
    expect(objects.findIndex((o) => o.kind === 'Secret')).toBeLessThan(
      objects.findIndex((o) => o.kind === 'DaemonSet'),
    );
    const configMap = objects.find((o) => o.kind === 'ConfigMap') as Spec;
    expect(JSON.stringify(configMap)).not.toContain(token);
  });

  it('is absent (no Secret, no env) for a session without one', () => {
    const objects = build(session());
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    const ds = objects.find((o) => o.kind === 'DaemonSet') as Spec;
    expect(JSON.stringify(ds)).not.toContain('STREAM_TOKEN');
  });

  it('needs create/get/delete secrets in the session namespace, and names pods/proxy as such', () => {
    const objects = build(session({ streamToken: 'x' }));
    const described = requiredPermissions(objects, ['shop']).map(describePermission);
    expect(described).toContain('create secrets in namespace clustertap-a1b2c3d4');
    expect(
      describePermission({
        verb: 'get',
        group: '',
        resource: 'pods',
        subresource: 'proxy',
        namespace: 'ns1',
      }),
    ).toBe('get pods/proxy in namespace ns1');
  });
});
