import os from 'node:os';
import type { z } from 'zod';
import type { PacketObserver, PacketSink } from '../../broker/broker.js';
import { DEFAULT_VXLAN_PORT } from '../../broker/sources/listen-address.js';
import { TunnelMap } from '../../broker/tunnel-map.js';
import type { tap } from '../../ipc/contract/tap.js';
import { localAddressTowardApiServer } from '../../kube/collector-address.js';
import { deploySession } from '../../kube/deploy/deployer.js';
import { keepLease, type LeaseKeeper } from '../../kube/deploy/lease-keeper.js';
import {
  labelsFromStatus,
  type NodeStatusWatch,
  watchNodeStatus,
} from '../../kube/deploy/node-status-watch.js';
import {
  DEFAULT_AGENT_IMAGE,
  newSessionId,
  newStreamToken,
  type TapSession,
} from '../../kube/deploy/session.js';
import { teardownSession } from '../../kube/deploy/teardown.js';
import { TransportControl } from '../../kube/deploy/transport-control.js';
import { TunnelProbeWatch } from '../../kube/deploy/tunnel-probe-watch.js';
import type { KubeconfigClient } from '../../kube/kubeconfig/connection.js';
import { AppError, toApiError } from '../errors.js';
import { LiveBroker, type LivePolicy } from './live-broker.js';
import {
  idleState,
  missingPermissions,
  type TapState,
  withAgentReports,
  withLog,
  withRollout,
} from './tap-state.js';

type StoreSink = ConstructorParameters<typeof LiveBroker>[0]['sink'];
export type TapStart = z.output<(typeof tap.requests)['tap.start']['payload']>;

export interface TapServiceDeps {
  /** The connection of a context (default: the app's current one). */
  connection(context?: string): { name: string; kubeConfig: KubeconfigClient };
  /** Where packets go: the packet store of the moment. */
  sink(): StoreSink & PacketSink;
  observers?: PacketObserver[];
  emit(state: TapState): void;
  /** UDP port the broker listens on for VXLAN (default 4789). */
  vxlanPort?: number;
  holder?: string;
}

/** What a tap holds in the cluster; a plain `listen` has none of it. */
interface ClusterSide {
  kubeConfig: KubeconfigClient;
  session: TapSession;
  statusWatch: NodeStatusWatch;
  keeper?: LeaseKeeper;
  transport?: TransportControl;
}

interface Running {
  broker: LiveBroker;
  policy: LivePolicy;
  cluster?: ClusterSide;
}

/**
 * The app's tap session, one at a time: deploy the agents for the selection, receive their
 * packets into the packet store, hold the Lease, follow the transport, apply the policy live,
 * and remove everything on stop. Every step is told to the UI through the tap state.
 */
export class TapService {
  private state: TapState = idleState();
  private running: Running | undefined;

  constructor(private readonly deps: TapServiceDeps) {}

  current(): TapState {
    return this.state;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Starts a tap; answers at once with the session id, progress follows as tap.changed. */
  async start(payload: TapStart): Promise<{ sessionId: string }> {
    if (this.running)
      throw new AppError(
        'conflict',
        this.state.sessionId
          ? `tap session ${this.state.sessionId} is running: stop it first`
          : 'already listening: stop it first',
      );
    const { selection } = payload;
    if (selection.namespaces.length + selection.pods.length === 0 && !selection.labelSelector)
      throw new AppError('invalid', 'select what to tap: a namespace, a label selector or pods');
    const { name, kubeConfig } = this.deps.connection(payload.context);
    const probes = new TunnelProbeWatch();
    const tunnelMap = new TunnelMap();
    const broker = new LiveBroker({
      sink: this.deps.sink(),
      tunnelMap,
      vxlan: [{ address: '0.0.0.0', port: this.deps.vxlanPort ?? DEFAULT_VXLAN_PORT, family: 'udp4' }],
      gre: payload.transport === 'gre',
      onTunnelProbe: (peer) => probes.probeArrived(peer),
      ...(this.deps.observers && { observers: this.deps.observers }),
    });
    broker.setPolicy(payload.policy); // a filter libpcap rejects fails here, before anything else
    const port = this.deps.vxlanPort ?? DEFAULT_VXLAN_PORT;
    await broker.start().catch((error: Error) => {
      throw /in use/.test(error.message)
        ? new AppError(
            'conflict',
            `UDP port ${port} on this machine is in use (another capture, clustertap tap or serve?): stop it, or start ClusterTap with --vxlan-port`,
          )
        : error;
    });
    const session: TapSession = {
      id: newSessionId(),
      selection,
      collector: {
        address: await localAddressTowardApiServer(kubeConfig).catch(async (error: unknown) => {
          await broker.stop();
          throw error;
        }),
        port: this.deps.vxlanPort ?? DEFAULT_VXLAN_PORT,
      },
      transport: payload.transport === 'auto' ? 'vxlan' : payload.transport,
      ...(payload.policy.filter ? { filter: payload.policy.filter } : {}),
      agentImage: payload.agentImage ?? DEFAULT_AGENT_IMAGE,
      leaseTtlSeconds: payload.leaseTtlSeconds,
      streamToken: newStreamToken(),
    };
    const statusWatch = watchNodeStatus(kubeConfig, session.id, (statuses) => {
      tunnelMap.replace(labelsFromStatus(statuses));
      probes.observe(statuses);
      this.update((s) => withAgentReports(s, statuses));
    });
    const cluster: ClusterSide = { kubeConfig, session, statusWatch };
    const running: Running = { broker, policy: payload.policy, cluster };
    this.running = running;
    this.set({
      ...idleState(),
      phase: 'deploying',
      sessionId: session.id,
      context: name,
      selection,
    });
    this.log('info', `Tapping through context ${name}: session ${session.id}`);
    void this.deploy(running, cluster, payload.transport === 'auto', probes);
    return { sessionId: session.id };
  }

  /** Receives tunnels without a session: nothing is deployed, nothing is torn down. */
  async listen(options: { port?: number; gre: boolean; policy: LivePolicy }): Promise<{ listening: string }> {
    if (this.running)
      throw new AppError(
        'conflict',
        this.state.sessionId
          ? `tap session ${this.state.sessionId} is running: stop it first`
          : 'already listening: stop it first',
      );
    const port = options.port ?? this.deps.vxlanPort ?? DEFAULT_VXLAN_PORT;
    const broker = new LiveBroker({
      sink: this.deps.sink(),
      tunnelMap: new TunnelMap(),
      vxlan: [{ address: '0.0.0.0', port, family: 'udp4' }],
      gre: options.gre,
      onTunnelProbe: () => undefined,
      ...(this.deps.observers && { observers: this.deps.observers }),
    });
    broker.setPolicy(options.policy);
    await broker.start().catch((error: Error) => {
      throw /in use/.test(error.message)
        ? new AppError(
            'conflict',
            `UDP port ${port} on this machine is in use: stop what holds it, or choose another port`,
          )
        : error;
    });
    const listening = `VXLAN on UDP ${port}${options.gre ? ' and GRE' : ''}`;
    this.running = { broker, policy: options.policy };
    this.set({
      ...idleState(),
      phase: 'running',
      transport: { kind: 'vxlan', why: `listening: ${listening}, nothing deployed by this app` },
      startedAt: new Date().toISOString(),
    });
    this.log('info', `Listening for tunnels: ${listening}`);
    return { listening };
  }

  private async deploy(
    running: Running,
    cluster: ClusterSide,
    auto: boolean,
    probes: TunnelProbeWatch,
  ): Promise<void> {
    const { kubeConfig, session } = cluster;
    const holder = this.deps.holder ?? `clustertap@${os.hostname()}`;
    try {
      const deployment = await deploySession(kubeConfig, {
        session,
        holder,
        onEvent: (e) => {
          if (e.type === 'nodes') this.update((s) => withRollout(s, e.nodes));
          else this.log(e.type === 'retry' ? 'warning' : 'info', e.message);
        },
      });
      if (this.running !== running) {
        // Stopped while deploying: stop()'s teardown may have run before the last objects were applied.
        await teardownSession(kubeConfig, session.id, () => undefined).catch(() => undefined);
        return;
      }
      cluster.keeper = keepLease(kubeConfig, session, holder, (e) =>
        this.log('warning', `lease renewal failed: ${e.message}`),
      );
      cluster.transport = new TransportControl(
        kubeConfig,
        deployment.config,
        session.streamToken ?? '',
        (nodeIP, record) => running.broker.ingestStream(nodeIP, record),
        probes,
        {
          say: (line, level) => this.log(level ?? 'info', line),
          inUse: (kind, why) => this.update((s) => ({ ...s, transport: { kind, why } })),
        },
      );
      if (session.transport === 'api') cluster.transport.streamThroughApi('you chose the api transport');
      else if (auto) cluster.transport.fallBackWhenProbesFail();
      else this.update((s) => ({ ...s, transport: { kind: session.transport, why: 'you chose it' } }));
      this.update((s) => ({ ...s, phase: 'running', startedAt: new Date().toISOString() }));
      this.log('info', `Mirroring: session ${session.id} is running`);
    } catch (error) {
      if (this.running !== running) return;
      await this.release(running);
      const apiError = toApiError(error);
      const missing = apiError.kind === 'forbidden' ? missingPermissions(apiError.message) : [];
      this.update((s) => ({
        ...withLog(s, 'error', apiError.message),
        phase: 'failed',
        error: { ...apiError, ...(missing.length > 0 && { missing }) },
      }));
    }
  }

  /** Stops the tap; removes the session's objects unless `keepAgents`. Packets stay in the store. */
  async stop(keepAgents: boolean): Promise<{ removed: boolean }> {
    const running = this.running;
    if (!running) return { removed: false };
    this.update((s) => ({ ...s, phase: 'stopping' }));
    await this.release(running);
    const cluster = running.cluster;
    if (!cluster || keepAgents) {
      if (cluster)
        this.log('info', `agents kept: mirroring stops within ${cluster.session.leaseTtlSeconds} s`);
      else this.log('info', 'stopped listening');
      this.update((s) => ({ ...s, phase: 'idle' }));
      return { removed: false };
    }
    try {
      await teardownSession(cluster.kubeConfig, cluster.session.id, (line) => this.log('info', line));
      this.log('info', `session ${cluster.session.id}: nothing left`);
      this.update((s) => ({ ...s, phase: 'idle' }));
      return { removed: true };
    } catch (error) {
      const apiError = toApiError(error);
      this.update((s) => ({ ...withLog(s, 'error', apiError.message), phase: 'failed', error: apiError }));
      throw error;
    }
  }

  /** The policy, live: the broker at once; a changed filter also to the agents (via the session config). */
  async applyPolicy(policy: LivePolicy): Promise<boolean> {
    const running = this.running;
    if (!running) return false;
    running.broker.setPolicy(policy);
    const filterChanged = (policy.filter ?? '') !== (running.policy.filter ?? '');
    running.policy = policy;
    const transport = running.cluster?.transport;
    if (filterChanged && transport) {
      // Through the transport control: it holds the config as last pushed (api after a fallback).
      await transport.update((config) => {
        const { filter: _old, ...rest } = config;
        return policy.filter ? { ...rest, filter: policy.filter } : rest;
      });
      this.log('info', `capture filter pushed to the agents: ${policy.filter || '(none)'}`);
    }
    return true;
  }

  counters() {
    return this.running?.broker;
  }

  /** Everything this session holds on this machine: listeners, watches, Lease renewal. */
  private async release(running: Running): Promise<void> {
    running.cluster?.keeper?.stop();
    running.cluster?.transport?.stop();
    running.cluster?.statusWatch.stop();
    await running.broker.stop();
    if (this.running === running) this.running = undefined;
  }

  private log(level: 'info' | 'warning' | 'error', message: string): void {
    this.update((s) => withLog(s, level, message));
  }

  private update(change: (state: TapState) => TapState): void {
    this.set(change(this.state));
  }

  private set(state: TapState): void {
    this.state = state;
    this.deps.emit(state);
  }
}
