import type { StreamRecord } from '../../broker/sources/api-stream-format.js';
import type { KubeconfigClient } from '../kubeconfig/connection.js';
import { type AgentStreams, followAgentStreams } from './agent-streams.js';
import { describePermission, preflight, streamPermission } from './preflight.js';
import { sessionNames } from './session.js';
import type { SessionConfig } from './session-config.js';
import { pushSessionConfig } from './session-update.js';
import type { TunnelProbeWatch } from './tunnel-probe-watch.js';

/** Where streamed frames go: the broker's ingestStreamFrame. */
export type StreamIngest = (nodeIP: string, record: StreamRecord) => void;

/** What the user is told: a line, and (for the app) the transport now in use and why. */
export interface TransportReport {
  say(line: string, level?: 'info' | 'warning'): void;
  inUse?(kind: SessionConfig['transport'], why: string): void;
}

/**
 * Which way packets reach this machine, and why, said to the user: the kernel tunnel while the
 * agents' probes arrive, the api transport (streams through the API server) when they do not.
 * The switch is session-wide: one unreachable node moves every node to the api transport.
 */
export class TransportControl {
  private streams: AgentStreams | undefined;
  private timer: NodeJS.Timeout | undefined;
  private confirmed = false;

  constructor(
    private readonly kubeConfig: KubeconfigClient,
    private config: SessionConfig,
    /** The session's stream token (its Secret); never in the ConfigMap. */
    private readonly streamToken: string,
    private readonly ingest: StreamIngest,
    private readonly probes: TunnelProbeWatch,
    private readonly report: TransportReport,
  ) {}

  private say(line: string, level: 'info' | 'warning' = 'info'): void {
    this.report.say(line, level);
  }

  /** Reads the agents' streams through pods/proxy from now on. */
  streamThroughApi(why: string): void {
    if (this.streams) return;
    this.say(`Transport: api (${why}): packets come through the API server`);
    this.report.inUse?.('api', `${why}: packets come through the API server`);
    this.streams = followAgentStreams({
      kubeConfig: this.kubeConfig,
      sessionId: this.config.sessionId,
      port: this.config.healthPort,
      token: this.streamToken,
      onFrame: this.ingest,
      onEvent: (message) => this.say(`  ${message}`),
    });
  }

  /**
   * Pushes a change of the session config (a new capture filter) to the agents, on top of what
   * this control has pushed itself (the transport after a fallback), so neither undoes the other.
   */
  async update(change: (config: SessionConfig) => SessionConfig): Promise<void> {
    this.config = change(this.config);
    await pushSessionConfig(this.kubeConfig, this.config);
  }

  /** `--transport auto`: keep the tunnel while probes arrive; switch when a mirroring node's do not. */
  fallBackWhenProbesFail(): void {
    this.timer = setInterval(() => void this.check(), 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.streams?.stop();
  }

  private async check(): Promise<void> {
    const lost = this.probes.unreachable();
    if (lost.length === 0) {
      if (!this.confirmed && this.probes.anyArrived()) {
        this.confirmed = true;
        this.say(`Transport: ${this.config.transport} (the agents' tunnel probes arrive here)`);
        this.report.inUse?.(this.config.transport, "the agents' tunnel probes arrive here");
      }
      return;
    }
    clearInterval(this.timer);
    const nodes = lost.map((n) => `${n.node} (${n.nodeIP})`).join(', ');
    const waited = Math.round(Math.max(...lost.map((n) => n.waitedMs)) / 1000);
    const { address, port } = this.config.collector;
    this.say(
      `  ! no ${this.config.transport} tunnel probe from ${nodes} reached ${address}:${port} in ${waited} s: ` +
        'a NAT, firewall or VPN between the nodes and this machine drops the tunnel',
      'warning',
    );
    try {
      await preflight(this.kubeConfig, [streamPermission(sessionNames(this.config.sessionId).namespace)]);
    } catch (error) {
      this.say(
        `  ! cannot switch to the api transport: ${(error as Error).message} ` +
          `(it needs ${describePermission(streamPermission(sessionNames(this.config.sessionId).namespace))}); ` +
          'staying on the tunnel',
        'warning',
      );
      return;
    }
    try {
      this.config = { ...this.config, transport: 'api' };
      await pushSessionConfig(this.kubeConfig, this.config);
    } catch (error) {
      this.say(`  ! cannot switch to the api transport: ${(error as Error).message}`, 'warning');
      return;
    }
    this.streamThroughApi(`no tunnel probe arrived from ${nodes}`);
  }
}
