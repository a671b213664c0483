import type { V1Pod } from '@kubernetes/client-node';
import type { ContainerView } from './container.js';
import { imageId } from './naming.js';

export interface PodCondition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
}

export interface PodFacts {
  podIP: string | undefined;
  hostIP: string;
  startTime: string;
  /** The sandbox (namespace, veth, IP) is up. */
  networkReady: boolean;
  containers: ContainerView[];
  initContainers: ContainerView[];
}

/** Kubelet's phase rules: Pending until every container has started once; Succeeded/Failed once all ended for good. */
export function podPhase(
  pod: V1Pod,
  containers: ContainerView[],
  initContainers: ContainerView[] = [],
): string {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const initFailed = initContainers.some((c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0);
  if (initFailed && policy === 'Never') return 'Failed';
  const ended = containers.map((c) => ('terminated' in c.state ? c.state.terminated.exitCode : undefined));
  if (containers.length && ended.every((code) => code !== undefined) && policy !== 'Always')
    return ended.every((code) => code === 0) ? 'Succeeded' : 'Failed';
  if (containers.some((c) => !c.started && !c.lastState && !('terminated' in c.state))) return 'Pending';
  return 'Running';
}

function containerStatus(c: ContainerView) {
  return {
    name: c.name,
    image: c.image,
    imageID: c.started || c.lastState ? imageId(c.image) : '',
    ...(c.containerID ? { containerID: c.containerID } : {}),
    state: c.state,
    lastState: c.lastState ?? {},
    ready: c.ready,
    started: c.started,
    restartCount: c.restartCount,
  };
}

/**
 * pods/status as kubelet reports it. `previous` keeps each condition's lastTransitionTime while
 * its status does not change.
 */
export function buildPodStatus(pod: V1Pod, facts: PodFacts, previous: PodCondition[], now: string) {
  const unready = facts.containers.filter((c) => !c.ready).map((c) => c.name);
  // Sidecars (init containers with restartPolicy Always) count as initialized once running.
  const sidecar = (name: string) =>
    pod.spec?.initContainers?.find((c) => c.name === name)?.restartPolicy === 'Always';
  const initialized = (c: ContainerView) =>
    'terminated' in c.state ? c.state.terminated.exitCode === 0 : 'running' in c.state && sidecar(c.name);
  const uninitialized = facts.initContainers.filter((c) => !initialized(c)).map((c) => c.name);
  const phase = podPhase(pod, facts.containers, facts.initContainers);
  const finished = phase === 'Succeeded' || phase === 'Failed';
  const condition = (type: string, ok: boolean, reason?: string, message?: string): PodCondition => {
    const before = previous.find((p) => p.type === type);
    const status = ok ? 'True' : 'False';
    return {
      type,
      status,
      ...(ok || !reason ? {} : { reason, message }),
      lastProbeTime: null,
      lastTransitionTime: before?.status === status ? before.lastTransitionTime : now,
    };
  };
  const notReady = `containers with unready status: [${unready.join(' ')}]`;
  const conditions = [
    condition('PodReadyToStartContainers', facts.networkReady && !finished),
    condition(
      'Initialized',
      uninitialized.length === 0,
      'ContainersNotInitialized',
      `containers with incomplete status: [${uninitialized.join(' ')}]`,
    ),
    condition(
      'Ready',
      unready.length === 0 && !finished,
      finished ? 'PodCompleted' : 'ContainersNotReady',
      notReady,
    ),
    condition(
      'ContainersReady',
      unready.length === 0 && !finished,
      finished ? 'PodCompleted' : 'ContainersNotReady',
      notReady,
    ),
    condition('PodScheduled', true),
  ];
  const ips = facts.podIP ? { podIP: facts.podIP, podIPs: [{ ip: facts.podIP }] } : {};
  return {
    phase,
    conditions,
    hostIP: facts.hostIP,
    hostIPs: [{ ip: facts.hostIP }],
    ...ips,
    startTime: facts.startTime,
    ...(facts.initContainers.length
      ? { initContainerStatuses: facts.initContainers.map(containerStatus) }
      : {}),
    containerStatuses: facts.containers.map(containerStatus),
    ...(pod.status?.qosClass ? { qosClass: pod.status.qosClass } : {}),
  };
}
