import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ContainerView } from '../lab/kubelet/container.js';
import { containerArgv, imageRepository, isAgentImage, resolveImage } from '../lab/kubelet/images.js';
import { buildPodStatus, podPhase } from '../lab/kubelet/pod-status.js';

const pod = (restartPolicy = 'Always'): V1Pod => ({
  metadata: { name: 'p', namespace: 'shop', uid: 'u' },
  spec: { restartPolicy, containers: [{ name: 'a' }, { name: 'b' }] },
});
const running = (name: string, ready = true): ContainerView => ({
  name,
  image: 'clustertap.lab/shop-web:1.0',
  state: { running: { startedAt: '2025-01-01T00:00:00Z' } },
  lastState: undefined,
  restartCount: 0,
  ready,
  started: true,
  containerID: `containerd://${name}`,
});
const waiting = (name: string, reason: string): ContainerView => ({
  ...running(name, false),
  state: { waiting: { reason } },
  started: false,
  containerID: undefined,
});
const exited = (name: string, exitCode: number): ContainerView => ({
  ...running(name, false),
  state: {
    terminated: {
      exitCode,
      reason: exitCode ? 'Error' : 'Completed',
      startedAt: 'a',
      finishedAt: 'b',
      containerID: 'c',
    },
  },
  started: false,
});
const facts = (containers: ContainerView[]) => ({
  podIP: '10.244.1.2',
  hostIP: '198.19.200.11',
  startTime: '2025-01-01T00:00:00Z',
  networkReady: true,
  containers,
  initContainers: [],
});

describe('lab kubelet: pod status as kubelet reports it', () => {
  it('is Running and Ready with IPs when every container runs and is ready', () => {
    const status = buildPodStatus(pod(), facts([running('a'), running('b')]), [], 'T1');
    expect(status).toMatchObject({
      phase: 'Running',
      podIP: '10.244.1.2',
      podIPs: [{ ip: '10.244.1.2' }],
      hostIP: '198.19.200.11',
    });
    const byType = Object.fromEntries(status.conditions.map((c) => [c.type, c.status]));
    expect(byType).toEqual({
      PodReadyToStartContainers: 'True',
      Initialized: 'True',
      Ready: 'True',
      ContainersReady: 'True',
      PodScheduled: 'True',
    });
    expect(status.containerStatuses[0]).toMatchObject({
      name: 'a',
      ready: true,
      started: true,
      restartCount: 0,
      containerID: 'containerd://a',
    });
    expect(status.containerStatuses[0]?.imageID).toMatch(/^clustertap\.lab\/shop-web@sha256:[0-9a-f]{64}$/);
  });

  it('names the unready containers, and keeps transition times while nothing changes', () => {
    const first = buildPodStatus(pod(), facts([running('a'), running('b', false)]), [], 'T1');
    const ready = first.conditions.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [b]',
    });
    const second = buildPodStatus(pod(), facts([running('a'), running('b', false)]), first.conditions, 'T2');
    expect(second.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('T1');
    const third = buildPodStatus(pod(), facts([running('a'), running('b')]), second.conditions, 'T3');
    expect(third.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('T3');
  });

  it('stays Pending while an image cannot be pulled, and shows why', () => {
    const status = buildPodStatus(pod(), facts([running('a'), waiting('b', 'ImagePullBackOff')]), [], 'T');
    expect(status.phase).toBe('Pending');
    expect(status.containerStatuses[1]).toMatchObject({
      state: { waiting: { reason: 'ImagePullBackOff' } },
      imageID: '',
    });
  });

  it('ends Succeeded or Failed only when containers will not restart', () => {
    expect(podPhase(pod('Never'), [exited('a', 0), exited('b', 0)])).toBe('Succeeded');
    expect(podPhase(pod('Never'), [exited('a', 0), exited('b', 2)])).toBe('Failed');
    expect(
      podPhase(pod('Always'), [
        running('a'),
        { ...waiting('b', 'CrashLoopBackOff'), lastState: exited('b', 1).state },
      ]),
    ).toBe('Running');
  });
});

describe('lab kubelet: init containers in the pod status', () => {
  const withInit = (restartPolicy: string, sidecar = false): V1Pod => ({
    ...pod(restartPolicy),
    spec: {
      ...pod(restartPolicy).spec,
      containers: [{ name: 'a' }],
      initContainers: [{ name: 'setup', ...(sidecar ? { restartPolicy: 'Always' } : {}) }],
    },
  });
  const initFacts = (init: ContainerView[], containers: ContainerView[]) => ({
    ...facts(containers),
    initContainers: init,
  });

  it('is not Initialized while an init container has not succeeded, and names it', () => {
    const status = buildPodStatus(
      withInit('Always'),
      initFacts([running('setup')], [waiting('a', 'PodInitializing')]),
      [],
      'T',
    );
    expect(status.conditions.find((c) => c.type === 'Initialized')).toMatchObject({
      status: 'False',
      message: 'containers with incomplete status: [setup]',
    });
    expect(status.initContainerStatuses?.[0]?.name).toBe('setup');
  });

  it('counts a running sidecar as initialized, and a failed init container under Never as Failed', () => {
    const sidecar = buildPodStatus(
      withInit('Always', true),
      initFacts([running('setup')], [running('a')]),
      [],
      'T',
    );
    expect(sidecar.conditions.find((c) => c.type === 'Initialized')?.status).toBe('True');
    const failed = buildPodStatus(
      withInit('Never'),
      initFacts([exited('setup', 1)], [waiting('a', 'PodInitializing')]),
      [],
      'T',
    );
    expect(failed.phase).toBe('Failed');
  });
});

describe('lab kubelet: images', () => {
  it('normalises image references to a repository', () => {
    expect(imageRepository('docker.io/library/busybox:1.36@sha256:abc')).toBe('busybox');
    expect(imageRepository('localhost:5000/clustertap-agent:dev')).toBe('localhost:5000/clustertap-agent');
    expect(imageRepository('clustertap.lab/shop-web')).toBe('clustertap.lab/shop-web');
  });

  it('recognises the ClusterTap agent image wherever it is hosted', () => {
    expect(isAgentImage('ghcr.io/acme/clustertap-agent:0.1.0')).toBe(true);
    expect(isAgentImage('registry.example.com/clustertap/agent@sha256:00')).toBe(true);
    expect(isAgentImage('clustertap.lab/shop-web:1.0')).toBe(false);
  });

  it('has no program for unknown images (the pod shows ErrImagePull)', () => {
    expect(resolveImage('docker.io/library/nginx:latest')).toBeUndefined();
    expect(resolveImage('docker.io/calico/node:v3.29.1')?.kind).toBe('program');
  });

  it('appends the container args to lab programs and runs busybox commands as given', () => {
    const program = { kind: 'program' as const, argv: ['node', 'web.js'] };
    expect(containerArgv(program, ['ignored'], ['--port', '80'])).toEqual(['node', 'web.js', '--port', '80']);
    expect(containerArgv({ kind: 'command' }, ['sh', '-c'], ['sleep 5'])).toEqual(['sh', '-c', 'sleep 5']);
  });
});
