import type { CaptureSession } from '../broker/capture-session.js';
import { type AgentStreams, followAgentStreams } from '../kube/deploy/agent-streams.js';
import { describePermission, preflight, streamPermission } from '../kube/deploy/preflight.js';
import { sessionNames } from '../kube/deploy/session.js';
import type { SessionConfig } from '../kube/deploy/session-config.js';
import { pushSessionConfig } from '../kube/deploy/session-update.js';
import type { TunnelProbeWatch } from '../kube/deploy/tunnel-probe-watch.js';
import type { KubeconfigClient } from '../kube/kubeconfig/connection.js';

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
    private readonly capture: CaptureSession,
    private readonly probes: TunnelProbeWatch,
    private readonly say: (line: string) => void,
  ) {}

  /** Reads the agents' streams through pods/proxy from now on. */
  streamThroughApi(why: string): void {
    if (this.streams) return;
    this.say(`Transport: api (${why}): packets come through the API server`);
    this.streams = followAgentStreams({
      kubeConfig: this.kubeConfig,
      sessionId: this.config.sessionId,
      port: this.config.healthPort,
      token: this.streamToken,
      onFrame: (nodeIP, r) =>
        this.capture.ingestStreamFrame(
          nodeIP,
          r.tunnelId,
          r.frame,
          r.originalLength,
          r.seconds,
          r.nanoseconds,
        ),
      onEvent: (message) => this.say(`  ${message}`),
    });
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
    );
    try {
      await preflight(this.kubeConfig, [streamPermission(sessionNames(this.config.sessionId).namespace)]);
    } catch (error) {
      this.say(
        `  ! cannot switch to the api transport: ${(error as Error).message} ` +
          `(it needs ${describePermission(streamPermission(sessionNames(this.config.sessionId).namespace))}); ` +
          'staying on the tunnel',
      );
      return;
    }
    try {
      this.config = { ...this.config, transport: 'api' };
      await pushSessionConfig(this.kubeConfig, this.config);
    } catch (error) {
      this.say(`  ! cannot switch to the api transport: ${(error as Error).message}`);
      return;
    }
    this.streamThroughApi(`no tunnel probe arrived from ${nodes}`);
  }
}
