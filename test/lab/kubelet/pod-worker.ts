import fs from 'node:fs';
import path from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { type HarnessPaths, kubeTime, type LabNode, type LabState, type Log } from './config.js';
import { Container, LaunchError, type LaunchPlan } from './container.js';
import { launchPlan } from './container-launch.js';
import { isNotFound, type KubeClient } from './kube-client.js';
import { calicoVethName, flannelVethName, podNetnsName } from './naming.js';
import { attachPod, detachPod, sandboxIntact } from './node-network.js';
import type { PodRuntimeFacts } from './pod-env.js';
import { killLeftovers, type PodRecord, savePids, saveRecord } from './pod-records.js';
import { buildPodStatus, type PodCondition } from './pod-status.js';
import { PodVolumes } from './pod-volumes.js';
import { Prober } from './probes.js';

export interface WorkerDeps {
  api: KubeClient;
  state: LabState;
  node: LabNode;
  paths: HarnessPaths;
  log: Log;
  /** The record an earlier harness run left for this pod, if any (its IP is kept). */
  existing: PodRecord | undefined;
  allocateIp: (uid: string) => string;
  /** Record made, changed or removed: the harness rewrites pods.json and peers.json. */
  changed: (uid: string, record: PodRecord | undefined) => void;
}

const RESYNC_MS = 10_000;
const VOLUME_RESYNC_MS = 30_000;

/** Plays kubelet for one pod: sandbox, volumes, containers, probes, status, and teardown. */
export class PodWorker {
  record: PodRecord | undefined;
  private containers: Container[] = [];
  private initContainers: Container[] = [];
  private probers: Prober[] = [];
  private volumes: PodVolumes | undefined;
  private startTime = kubeTime();
  private networkReady = false;
  private conditions: PodCondition[] = [];
  private lastStatus = '';
  private statusTimer: NodeJS.Timeout | undefined;
  private resync: NodeJS.Timeout | undefined;
  private lastVolumeSync = 0;
  private volumeSync: Promise<void> = Promise.resolve();
  private phase: 'starting' | 'running' | 'terminating' | 'gone' = 'starting';
  /** The sandbox being built; teardown waits for it, so it never races a half-made namespace. */
  private setup: Promise<void> = Promise.resolve();
  readonly label: string;

  constructor(
    private pod: V1Pod,
    private readonly deps: WorkerDeps,
  ) {
    this.label = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  }

  get uid(): string {
    return this.pod.metadata?.uid ?? '';
  }

  get ready(): boolean {
    return this.containers.length > 0 && this.containers.every((c) => c.ready);
  }

  get labels(): Record<string, string> {
    return this.pod.metadata?.labels ?? {};
  }

  update(pod: V1Pod): void {
    this.pod = pod;
    if (this.volumes) this.volumes.pod = pod;
    if (pod.metadata?.deletionTimestamp && this.phase !== 'terminating' && this.phase !== 'gone')
      void this.terminate(true);
  }

  async start(): Promise<void> {
    this.setup = this.createSandbox();
    await this.setup;
    if (this.phase !== 'starting' || !this.networkReady) return;
    this.phase = 'running';
    this.resync = setInterval(() => void this.periodic(), RESYNC_MS);
    await this.startContainers();
  }

  private async createSandbox(): Promise<void> {
    const { node, paths } = this.deps;
    const old = this.record ?? this.deps.existing;
    const prior = this.pod.status?.phase;
    if (prior === 'Succeeded' || prior === 'Failed') {
      // Finished before a harness restart: nothing to run; its sandbox goes when the pod does.
      this.record = old;
      return;
    }
    const hostNetwork = this.pod.spec?.hostNetwork ?? false;
    const ns = this.pod.metadata?.namespace ?? 'default';
    const name = this.pod.metadata?.name ?? '';
    if (old) killLeftovers(paths.podsDir, this.uid);
    this.record = {
      namespace: ns,
      name,
      uid: this.uid,
      node: node.name,
      ip: hostNetwork ? node.internalIP : (old?.ip ?? this.deps.allocateIp(this.uid)),
      hostInterface: hostNetwork
        ? 'eth0'
        : (old?.hostInterface ?? (node.cni === 'calico' ? calicoVethName(ns, name) : flannelVethName())),
      netns: hostNetwork ? node.netns : podNetnsName(this.uid),
      nodeNetns: node.netns,
      hostNetwork,
    };
    saveRecord(paths.podsDir, this.record);
    this.deps.changed(this.uid, this.record);
    this.startTime = typeof this.pod.status?.startTime === 'string' ? this.pod.status.startTime : kubeTime();
    this.makeContainers();
    this.pushStatus();
    try {
      const { netns, ip, hostInterface } = this.record;
      // A sandbox an earlier run made stays as it is (a kubelet restart does not touch sandboxes).
      const intact = old && (await sandboxIntact(node.netns, netns, ip, hostInterface ?? ''));
      if (!hostNetwork && !intact) await attachPod(node, netns, ip, hostInterface ?? '');
      this.networkReady = true;
    } catch (e) {
      this.deps.log(`${this.label}: network setup failed: ${(e as Error).message}`);
      setTimeout(() => void this.retryStart(), 5000);
      return;
    }
    this.deps.log(
      `${this.label}: sandbox ready on ${node.name} (${this.record.ip}${hostNetwork ? ', host network' : ''})`,
    );
    this.pushStatus();
  }

  private async retryStart(): Promise<void> {
    if (this.phase === 'starting') await this.start();
  }

  private makeContainers(): void {
    const spec = this.pod.spec;
    const reported = [
      ...(this.pod.status?.containerStatuses ?? []),
      ...(this.pod.status?.initContainerStatuses ?? []),
    ];
    const podPolicy = spec?.restartPolicy ?? 'Always';
    const make = (c: V1Container, policy: string) => {
      const container = new Container(
        c.name,
        c.image ?? '',
        this.uid,
        this.label,
        policy,
        this.logFile(c.name),
        () => this.prepare(c),
        () => this.containerChanged(),
        this.deps.log,
      );
      container.fallbackToLogs = c.terminationMessagePolicy === 'FallbackToLogsOnError';
      // Keep the counts across harness restarts: the containers did not crash.
      container.restartCount = reported.find((s) => s.name === c.name)?.restartCount ?? 0;
      return container;
    };
    this.initContainers = (spec?.initContainers ?? []).map((c) =>
      make(c, c.restartPolicy === 'Always' ? 'Always' : podPolicy === 'Never' ? 'Never' : 'OnFailure'),
    );
    this.containers = (spec?.containers ?? []).map((c) => make(c, podPolicy));
    if (this.initContainers.length)
      for (const c of this.containers) c.state = { waiting: { reason: 'PodInitializing' } };
  }

  private logFile(container: string): string {
    const dir = path.join(this.deps.paths.podsDir, this.uid, 'logs');
    fs.mkdirSync(dir, { recursive: true });
    return path.join(dir, `${container}.log`);
  }

  private facts(): PodRuntimeFacts {
    return {
      podIP: this.record?.ip ?? '',
      hostIP: this.deps.node.internalIP,
      apiHost: this.deps.state.gatewayIP,
      apiPort: '6443',
    };
  }

  /** One volume sync at a time; teardown waits for the last, so none rewrites files it removed. */
  private syncVolumes(): Promise<void> {
    this.volumes ??= new PodVolumes(this.pod, {
      api: this.deps.api,
      log: this.deps.log,
      podDir: path.join(this.deps.paths.podsDir, this.uid),
      nodeRootfs: path.join(this.deps.paths.harnessDir, 'nodes', this.deps.node.name, 'rootfs'),
      facts: this.facts(),
    });
    const volumes = this.volumes;
    const next = this.volumeSync
      .catch(() => undefined)
      .then(async () => {
        if (this.phase === 'gone') throw new Error('pod removed');
        await volumes.sync();
        this.lastVolumeSync = Date.now();
      });
    this.volumeSync = next;
    return next;
  }

  /** Init containers in order (each to success; sidecars just started), then all the rest. */
  private async startContainers(): Promise<void> {
    for (const init of this.initContainers) {
      await init.start();
      // An init container that failed for good (restartPolicy Never) ends it here: the pod is Failed.
      while (this.phase === 'running' && !this.initDone(init)) await new Promise((r) => setTimeout(r, 200));
      if (this.phase !== 'running' || !this.initSucceeded(init)) return;
    }
    await Promise.all(this.containers.map((c) => c.start()));
  }

  private initDone(c: Container): boolean {
    const s = c.view().state;
    return 'terminated' in s || ('running' in s && this.isSidecar(c));
  }

  private initSucceeded(c: Container): boolean {
    const s = c.view().state;
    return 'terminated' in s ? s.terminated.exitCode === 0 : true;
  }

  private isSidecar(c: Container): boolean {
    return this.pod.spec?.initContainers?.find((i) => i.name === c.name)?.restartPolicy === 'Always';
  }

  /** Everything a (re)start needs, fresh: image → program, volumes → mounts, env. */
  private prepare(c: V1Container): Promise<LaunchPlan> {
    const record = this.record;
    if (!record) throw new LaunchError('ContainerCreating', 'no sandbox');
    return launchPlan(c, {
      pod: this.pod,
      record,
      node: this.deps.node,
      paths: this.deps.paths,
      api: this.deps.api,
      facts: this.facts(),
      volumes: async () => {
        await this.syncVolumes();
        return this.volumes as PodVolumes;
      },
    });
  }

  private containerChanged(): void {
    if (this.phase === 'gone') return;
    const pids = [...this.initContainers, ...this.containers]
      .map((c) => c.pid)
      .filter((p): p is number => p !== undefined);
    savePids(this.deps.paths.podsDir, this.uid, pids);
    this.restartProbers();
    this.pushStatus();
    this.deps.changed(this.uid, this.record);
  }

  /** Probers follow the running processes: a (re)started container gets fresh ones. */
  private restartProbers(): void {
    for (const p of this.probers) p.stop();
    this.probers = [];
    if (this.phase !== 'running') return;
    for (const [i, container] of this.containers.entries()) {
      const spec = this.pod.spec?.containers[i];
      if (!container.child) continue;
      const target = () => ({ podIP: this.record?.ip ?? '', pid: container.pid });
      if (spec?.readinessProbe)
        this.probers.push(new Prober(spec.readinessProbe, target, (ok) => container.setReady(ok)));
      else if (!container.ready) container.ready = true;
      if (spec?.livenessProbe)
        this.probers.push(
          new Prober(spec.livenessProbe, target, (ok) => {
            if (!ok) {
              this.deps.log(
                `${this.label}: container ${container.name} failed its liveness probe; restarting`,
              );
              container.kill();
            }
          }),
        );
    }
    for (const p of this.probers) p.start();
  }

  /** Debounced: many container events in a row make one status patch. */
  private pushStatus(): void {
    clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => void this.patchStatus(), 100);
  }

  private async patchStatus(): Promise<void> {
    if (this.phase === 'gone') return;
    const status = buildPodStatus(
      this.pod,
      {
        podIP: this.networkReady ? this.record?.ip : undefined,
        hostIP: this.deps.node.internalIP,
        startTime: this.startTime,
        networkReady: this.networkReady,
        containers: this.containers.map((c) => c.view()),
        initContainers: this.initContainers.map((c) => c.view()),
      },
      this.conditions,
      kubeTime(),
    );
    const text = JSON.stringify(status);
    if (text === this.lastStatus) return;
    try {
      const { namespace, name } = this.pod.metadata ?? {};
      await this.deps.api.mergePatch(`/api/v1/namespaces/${namespace}/pods/${name}/status`, { status });
      this.lastStatus = text;
      this.conditions = status.conditions;
    } catch (e) {
      if (!isNotFound(e))
        this.deps.log(`${this.label}: status update failed (${(e as Error).message}); will retry`);
    }
  }

  private async periodic(): Promise<void> {
    if (this.phase !== 'running') return;
    // Only refresh what running containers see; containers still being created sync on each attempt.
    if (Date.now() - this.lastVolumeSync > VOLUME_RESYNC_MS && this.containers.some((c) => c.child))
      await this.syncVolumes().catch((e: Error) =>
        this.deps.log(`${this.label}: volume refresh failed: ${e.message}`),
      );
    await this.patchStatus();
  }

  /**
   * Kubelet's graceful stop: SIGTERM, the grace period, SIGKILL; then the sandbox and files go,
   * and (when the API asked for it) the pod object is deleted with grace 0.
   */
  async terminate(deleteFromApi: boolean): Promise<void> {
    if (this.phase === 'terminating' || this.phase === 'gone') return;
    this.phase = 'terminating';
    await this.setup.catch(() => undefined);
    clearInterval(this.resync);
    for (const p of this.probers) p.stop();
    const grace =
      (this.pod.metadata?.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30) *
      1000;
    this.deps.log(`${this.label}: stopping containers (grace ${grace / 1000} s)`);
    await Promise.all([...this.containers, ...this.initContainers].map((c) => c.stop(grace)));
    await this.teardown();
    if (deleteFromApi) {
      const { namespace, name } = this.pod.metadata ?? {};
      await this.deps.api
        .request('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          gracePeriodSeconds: 0,
          preconditions: { uid: this.uid },
        })
        .catch((e: Error) => {
          if (!isNotFound(e)) this.deps.log(`${this.label}: final delete failed: ${e.message}`);
        });
    }
    this.deps.log(`${this.label}: removed`);
  }

  /** Network, IP and files of the pod; its record goes last, so an interrupted teardown is redone. */
  private async teardown(): Promise<void> {
    this.phase = 'gone';
    clearTimeout(this.statusTimer);
    await this.volumeSync.catch(() => undefined);
    const record = this.record;
    if (record && !record.hostNetwork) await detachPod(record.nodeNetns, record.netns, record.hostInterface);
    fs.rmSync(path.join(this.deps.paths.podsDir, this.uid), { recursive: true, force: true });
    this.deps.changed(this.uid, undefined);
  }

  /** Harness shutdown: processes stop, the sandbox stays for the next run to adopt. */
  async shutdown(graceMs: number): Promise<void> {
    this.phase = 'terminating';
    clearInterval(this.resync);
    clearTimeout(this.statusTimer);
    for (const p of this.probers) p.stop();
    await Promise.all([...this.containers, ...this.initContainers].map((c) => c.stop(graceMs)));
  }
}
