import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  kubectl,
  kubectlJson,
  LAB_DIR,
  type LabNode,
  type LabState,
  labCommand,
  labState,
} from '../helpers/lab.js';
import { cidrContains } from '../lab/kubelet/ipam.js';
import { calicoVethName } from '../lab/kubelet/naming.js';
import type { PodsJsonEntry } from '../lab/kubelet/pod-records.js';

const { lab, reason } = labState();
if (reason) console.warn(`kubelet harness pod tests cannot run: ${reason}`);

const NS = 'ctlab-kubelet-test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Pod {
  metadata: { name: string; uid: string };
  status: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      restartCount: number;
      state: Record<string, { reason?: string }>;
      lastState: { terminated?: { exitCode: number; message?: string } };
    }[];
  };
}

const podsJson = () =>
  JSON.parse(fs.readFileSync(path.join(LAB_DIR, 'pods.json'), 'utf8')) as PodsJsonEntry[];
const entry = (name: string) => podsJson().find((p) => p.namespace === NS && p.name === name);
const getPod = (l: LabState, name: string) => kubectlJson<Pod>(l, ['get', 'pod', '-n', NS, name]);
const isReady = (p: Pod) =>
  p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const sh = (args: string[]) =>
  execFileSync(args[0] ?? '', args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inNetns = (netns: string, args: string[]) => sh(['ip', 'netns', 'exec', netns, ...args]);

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = probe();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(500);
  }
}

const webPod = (node: LabNode) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `web-${node.name}`, namespace: NS, labels: { app: 'kubelet-test-web' } },
  spec: {
    nodeName: node.name,
    terminationGracePeriodSeconds: 5,
    containers: [
      {
        name: 'web',
        image: 'clustertap.lab/shop-web:1.0',
        readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
      },
    ],
  },
});

const ENV_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'env-check', namespace: NS, labels: { app: 'env-check', tier: 'test' } },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [
      {
        name: 'main',
        image: 'busybox:1.36',
        command: ['sh', '-c'],
        args: [
          'echo "NODE=$NODE_NAME IP=$POD_IP URL=$URL COLOR=$COLOR API=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"; ' +
            'echo "NS=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)"; ' +
            'echo "TOKEN=$(cut -c1-3 /var/run/secrets/kubernetes.io/serviceaccount/token)"; ' +
            'echo "CONFIG=$(cat /config/color)"; echo "LABELS=$(cat /info/labels | tr "\\n" ",")"; ' +
            'echo "HOSTNAME=$(hostname)"; exec sleep 3600',
        ],
        env: [
          { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'URL', value: 'http://$(POD_IP):8080' },
          { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'env-check', key: 'color' } } },
        ],
        volumeMounts: [
          { name: 'config', mountPath: '/config', readOnly: true },
          { name: 'info', mountPath: '/info' },
        ],
      },
    ],
    volumes: [
      { name: 'config', configMap: { name: 'env-check' } },
      {
        name: 'info',
        downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
      },
    ],
  },
};

const simplePod = (name: string, image: string, command?: string[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [
      {
        name: 'main',
        image,
        terminationMessagePolicy: 'FallbackToLogsOnError',
        ...(command ? { command } : {}),
      },
    ],
  },
});

/** An init container prepares a shared emptyDir the main container then reads. */
const INIT_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'with-init', namespace: NS },
  spec: {
    terminationGracePeriodSeconds: 1,
    initContainers: [
      {
        name: 'setup',
        image: 'busybox',
        command: ['sh', '-c', 'echo prepared > /work/state'],
        volumeMounts: [{ name: 'work', mountPath: '/work' }],
      },
    ],
    containers: [
      {
        name: 'main',
        image: 'busybox',
        command: ['sh', '-c', 'cat /work/state; exec sleep 3600'],
        volumeMounts: [{ name: 'work', mountPath: '/work' }],
      },
    ],
    volumes: [{ name: 'work', emptyDir: {} }],
  },
};

/**
 * Pods need the namespace's default ServiceAccount and kube-root-ca.crt, which the
 * controller-manager makes. If it lags (a busy shared lab), the test makes them itself and says so:
 * the harness is under test here, not the controllers.
 */
async function namespaceControllersCaughtUp(l: LabState): Promise<void> {
  try {
    await until(
      'default ServiceAccount and kube-root-ca.crt',
      () => kubectl(l, ['get', 'serviceaccount/default', 'configmap/kube-root-ca.crt', '-n', NS]),
      20_000,
    );
  } catch {
    console.warn(
      'the controller-manager has not made the default ServiceAccount / kube-root-ca.crt in 20 s; creating them',
    );
    const ca = fs.readFileSync(path.join(LAB_DIR, 'pki', 'ca.crt'), 'utf8');
    const objects = [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kube-root-ca.crt', namespace: NS },
        data: { 'ca.crt': ca },
      },
    ];
    kubectl(l, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  }
}

describe.skipIf(reason !== undefined)('kubelet harness: pods on the lab nodes', () => {
  const l = lab as LabState;
  const apply = (objects: unknown[]) =>
    kubectl(l, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

  beforeAll(async () => {
    kubectl(l, ['delete', 'namespace', NS, '--ignore-not-found', '--wait=true', '--timeout=60s']);
    kubectl(l, ['create', 'namespace', NS]);
    await namespaceControllersCaughtUp(l);
    apply([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'env-check', namespace: NS },
        data: { color: 'teal' },
      },
      ...l.nodes.map(webPod),
      ENV_POD,
      simplePod('bad-image', 'docker.io/library/nginx:1.27'),
      INIT_POD,
      simplePod('crasher', 'busybox', ['sh', '-c', 'echo bye; exit 3']),
    ]);
    for (const node of l.nodes)
      await until(`web-${node.name} Ready`, () => isReady(getPod(l, `web-${node.name}`)), 90_000);
  });
  afterAll(() => {
    kubectl(l, ['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
  });

  it('runs every pod with an IP from its node, wired like the node’s CNI', () => {
    for (const node of l.nodes) {
      const name = `web-${node.name}`;
      const pod = getPod(l, name);
      expect(pod.status).toMatchObject({ phase: 'Running', hostIP: node.internalIP });
      expect(cidrContains(node.podCIDR, pod.status.podIP ?? '')).toBe(true);
      const e = entry(name);
      expect(e).toMatchObject({ uid: pod.metadata.uid, node: node.name, ip: pod.status.podIP });
      const hostIf = e?.hostInterface ?? '';
      const link = sh(['ip', '-n', node.netns, '-d', 'link', 'show', hostIf]);
      if (node.cni === 'calico') {
        expect(hostIf).toBe(calicoVethName(NS, name));
        expect(sh(['ip', '-n', node.netns, 'route', 'show', `${pod.status.podIP}/32`])).toContain(
          `dev ${hostIf}`,
        );
        expect(inNetns(node.netns, ['cat', `/proc/sys/net/ipv4/conf/${hostIf}/proxy_arp`]).trim()).toBe('1');
        expect(sh(['ip', '-n', e?.netns ?? '', 'route'])).toContain('default via 169.254.1.1 dev eth0');
      } else {
        expect(hostIf).toMatch(/^veth[0-9a-f]{8}$/);
        expect(link).toContain('master cni0');
      }
    }
  });

  it('lets pods reach each other within and across nodes (ICMP and HTTP)', () => {
    const webs = l.nodes.map((n) => entry(`web-${n.name}`) as PodsJsonEntry);
    // A second pod on the first node, for traffic within a node.
    const local = entry('env-check');
    const targets = local ? [...webs, local] : webs;
    for (const from of webs)
      for (const to of targets) {
        if (from.uid === to.uid) continue;
        expect(
          inNetns(from.netns, ['ping', '-c', '1', '-W', '2', to.ip]),
          `${from.name} → ${to.name}`,
        ).toContain('1 received');
      }
    for (const from of webs)
      for (const to of webs) {
        const script = `fetch('http://${to.ip}:8080/healthz').then(r => r.text()).then(t => process.stdout.write(t))`;
        expect(inNetns(from.netns, [process.execPath, '-e', script]), `${from.name} → ${to.name}`).toBe(
          'ok\n',
        );
      }
  });

  it('gives a container its env, service-account token, ConfigMap and downward API volumes', async () => {
    const pod = await until('env-check Running', () => {
      const p = getPod(l, 'env-check');
      return p.status.phase === 'Running' && p;
    });
    const log = path.join(LAB_DIR, 'pods', pod.metadata.uid, 'logs', 'main.log');
    const text = await until(
      'env-check output',
      () =>
        fs.existsSync(log) &&
        fs.readFileSync(log, 'utf8').includes('HOSTNAME=') &&
        fs.readFileSync(log, 'utf8'),
    );
    const ip = pod.status.podIP;
    expect(text).toContain(`IP=${ip} URL=http://${ip}:8080 COLOR=teal API=${l.gatewayIP}:6443`);
    expect(text).toMatch(/NODE=lab-node-\d+/);
    expect(text).toContain(`NS=${NS}`);
    expect(text).toContain('TOKEN=eyJ'); // a JWT from the TokenRequest API
    expect(text).toContain('CONFIG=teal');
    expect(text).toContain('LABELS=app="env-check",tier="test"\n');
    expect(text).toContain('HOSTNAME=env-check');
  });

  it('runs init containers first, sharing an emptyDir with the main container', async () => {
    const pod = await until('with-init Running', () => {
      const p = getPod(l, 'with-init');
      return p.status.phase === 'Running' && p;
    });
    expect(pod.status.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    const log = path.join(LAB_DIR, 'pods', pod.metadata.uid, 'logs', 'main.log');
    await until(
      'the main container to read the init container’s file',
      () => fs.readFileSync(log, 'utf8') === 'prepared\n',
    );
  });

  it('shows image pull failures and crash loops the way kubectl users know them', async () => {
    const reasonOf = (name: string) =>
      Object.values(getPod(l, name).status.containerStatuses?.[0]?.state ?? {})[0]?.reason;
    await until('ImagePullBackOff', () => reasonOf('bad-image') === 'ImagePullBackOff', 30_000);
    expect(getPod(l, 'bad-image').status.phase).toBe('Pending');
    await until('CrashLoopBackOff', () => reasonOf('crasher') === 'CrashLoopBackOff', 30_000);
    const crashed = getPod(l, 'crasher').status.containerStatuses?.[0];
    expect(crashed?.restartCount).toBeGreaterThanOrEqual(1);
    // terminationMessagePolicy FallbackToLogsOnError: the last log lines explain the crash.
    expect(crashed?.lastState.terminated).toMatchObject({
      exitCode: 3,
      message: expect.stringContaining('bye'),
    });
  });

  it('keeps pods, their IPs and their traffic across a harness restart', async () => {
    const before = l.nodes.map((n) => entry(`web-${n.name}`) as PodsJsonEntry);
    labCommand(['restart', 'kubelet']);
    for (const node of l.nodes)
      await until(`web-${node.name} Ready again`, () => isReady(getPod(l, `web-${node.name}`)), 60_000);
    const after = l.nodes.map((n) => entry(`web-${n.name}`) as PodsJsonEntry);
    expect(after).toEqual(before);
    const [a, b] = after;
    if (a && b) expect(inNetns(a.netns, ['ping', '-c', '1', '-W', '2', b.ip])).toContain('1 received');
  });

  it('removes a deleted pod’s namespace, veth, IP and files, then the pod object', async () => {
    const node = l.nodes[0] as LabNode;
    const name = `web-${node.name}`;
    const before = entry(name) as PodsJsonEntry;
    kubectl(l, ['delete', 'pod', '-n', NS, name, '--wait=false']);
    await until(
      'the pod object gone',
      () => !kubectl(l, ['get', 'pods', '-n', NS, '-o', 'name']).includes(`pod/${name}\n`),
      30_000,
    );
    expect(sh(['ip', 'netns', 'list'])).not.toContain(before.netns);
    expect(sh(['ip', '-n', node.netns, 'link'])).not.toContain(`${before.hostInterface}@`);
    expect(sh(['ip', '-n', node.netns, 'route'])).not.toContain(`${before.ip} `);
    await until('pods.json without the pod', () => entry(name) === undefined, 5000);
    expect(fs.existsSync(path.join(LAB_DIR, 'pods', before.uid))).toBe(false);
  });
});
