import { AllowList } from '../../broker/allow-list.js';
import { Broker, type PacketObserver, type PacketSink } from '../../broker/broker.js';
import { BrokerCounters } from '../../broker/counters.js';
import { buildPipeline } from '../../broker/pipeline/build-pipeline.js';
import { createFilterStage } from '../../broker/pipeline/filter-stage.js';
import type { StageCounters } from '../../broker/pipeline/stage.js';
import type { StreamRecord } from '../../broker/sources/api-stream-format.js';
import { GreListener } from '../../broker/sources/gre-listener.js';
import type { ListenAddress } from '../../broker/sources/listen-address.js';
import { createVxlanSource, type VxlanSource } from '../../broker/sources/vxlan-listener.js';
import { TunnelInterfaces } from '../../broker/tunnel-interfaces.js';
import type { TunnelMap } from '../../broker/tunnel-map.js';
import { TSRESOL_NANO } from '../../capture/timestamp.js';
import type { Policy } from '../../policy/policy-schema.js';

export type LivePolicy = Pick<Policy, 'filter' | 'dedup' | 'sample' | 'slice' | 'mask'>;

export interface LiveBrokerDeps {
  /** The packet store: where every packet the policy passes goes. */
  sink: PacketSink & {
    addInterface(info: { name: string; description: string; linkType: number; tsResolution: number }): number;
  };
  /** Tunnel ID → pod labels, kept current from the agents' node status. */
  tunnelMap: TunnelMap;
  vxlan: ListenAddress[];
  gre: boolean;
  onTunnelProbe: (peer: string) => void;
  /** Flows and other observers of every delivered packet. */
  observers?: PacketObserver[];
}

/**
 * The app's broker: the headless broker's data path (terminate → decapsulate → label → policy)
 * feeding the packet store instead of a file, with a policy that can change while it runs.
 */
export class LiveBroker {
  readonly counters = new BrokerCounters();
  private readonly broker: Broker;
  private readonly sources: VxlanSource[];
  private readonly gre: GreListener | undefined;
  private stages: () => StageCounters[] = () => [];
  private stopped = false;

  constructor(deps: LiveBrokerDeps) {
    const interfaces = new TunnelInterfaces(
      { addInterface: (t) => deps.sink.addInterface(t) },
      deps.tunnelMap,
    );
    this.broker = new Broker({
      counters: this.counters,
      allow: new AllowList([], []),
      interfaces,
      sink: deps.sink,
      ...(deps.observers && { observers: deps.observers }),
      onTunnelProbe: (peer) => deps.onTunnelProbe(peer),
    });
    this.sources = deps.vxlan.map((listen) =>
      createVxlanSource(listen, (datagram, peer, tsHigh, tsLow, resolution) => {
        if (!this.stopped) this.broker.ingestVxlanDatagram(datagram, peer, tsHigh, tsLow, resolution);
      }),
    );
    const decap = { vxlanPorts: new Set(deps.vxlan.map((l) => l.port)), gre: true, decapsulate: true };
    this.gre = deps.gre
      ? new GreListener((record) => {
          if (!this.stopped) this.broker.ingestRecord(record, decap);
        })
      : undefined;
  }

  /** Binds the listeners; throws a UsageError naming the port when it is taken. */
  async start(): Promise<void> {
    try {
      for (const source of this.sources) await source.start();
      await this.gre?.start();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Replaces the policy at once; a filter libpcap rejects throws and leaves the old policy. */
  setPolicy(policy: LivePolicy): void {
    const extra = policy.filter ? [createFilterStage(policy.filter)] : [];
    const built = buildPipeline(
      { version: 1, selection: { namespaces: [], pods: [] }, forward: [], ...policy },
      extra,
    );
    this.broker.setPipeline(built.pipeline);
    this.stages = () => built.pipeline.stats();
  }

  /** A frame an agent streamed through the API server (api transport). */
  ingestStream(nodeIP: string, record: StreamRecord): void {
    if (this.stopped) return;
    const units = BigInt(record.seconds) * 1_000_000_000n + BigInt(record.nanoseconds);
    this.broker.ingestStreamFrame(
      nodeIP,
      record.tunnelId,
      record.frame,
      record.originalLength,
      Number(units >> 32n),
      Number(units & 0xffffffffn),
      TSRESOL_NANO,
    );
  }

  stageCounters(): StageCounters[] {
    return this.stages();
  }

  kernelDrops(): number {
    return this.sources.reduce((sum, s) => sum + (s.kernelDrops() ?? 0), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const source of this.sources) await source.close();
    await this.gre?.close();
  }
}
