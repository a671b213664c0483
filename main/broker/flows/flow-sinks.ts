import type { Policy } from '../../policy/policy-schema.js';
import type { PacketObserver } from '../broker.js';
import { FlowExporter, type FlowExporterCounters, type FlowExportKind } from './flow-exporter.js';
import { createUdpFlowSender, type UdpFlowSender } from './udp-flow-sender.js';

export interface FlowSinkStats extends FlowExporterCounters {
  kind: FlowExportKind;
  target: string;
  sent: number;
  sendErrors: number;
  lastError?: string;
}

interface FlowSink {
  kind: FlowExportKind;
  exporter: FlowExporter;
  sender: UdpFlowSender;
}

async function openSink(
  kind: FlowExportKind,
  target: string,
  exportPolicy: Policy['export'],
  samplingInterval: number,
): Promise<FlowSink> {
  const sender = await createUdpFlowSender(target, kind);
  const exporter = new FlowExporter(
    { send: (datagram) => sender.send(datagram) },
    {
      kind,
      samplingInterval,
      timeouts: {
        activeMs: (exportPolicy?.activeTimeoutSeconds ?? 1800) * 1000,
        inactiveMs: (exportPolicy?.inactiveTimeoutSeconds ?? 15) * 1000,
      },
    },
  );
  return { kind, exporter, sender };
}

/** The policy's flow export: one exporter and UDP sender per `--ipfix` / `--netflow9` target. */
export class FlowSinks {
  private constructor(
    private readonly sinks: Array<{ kind: FlowExportKind; exporter: FlowExporter; sender: UdpFlowSender }>,
  ) {}

  static async open(exportPolicy: Policy['export'], samplingInterval: number): Promise<FlowSinks> {
    const targets: Array<[FlowExportKind, string]> = [
      ...(exportPolicy?.ipfix ?? []).map((t): [FlowExportKind, string] => ['ipfix', t]),
      ...(exportPolicy?.netflow9 ?? []).map((t): [FlowExportKind, string] => ['netflow9', t]),
    ];
    const sinks: FlowSink[] = [];
    try {
      for (const [kind, target] of targets)
        sinks.push(await openSink(kind, target, exportPolicy, samplingInterval));
    } catch (error) {
      for (const { sender } of sinks) await sender.close(); // the collectors opened before the bad one
      throw error;
    }
    return new FlowSinks(sinks);
  }

  get empty(): boolean {
    return this.sinks.length === 0;
  }

  /** Sees every packet the pipeline passes (after sampling, slicing and masking). */
  readonly observe: PacketObserver = (linkType, data, originalLength, seconds) => {
    for (const { exporter } of this.sinks) exporter.observe(linkType, data, originalLength, seconds * 1000);
  };

  /** Live captures: expire idle flows on the wall clock even when no packet arrives. */
  tick(): void {
    for (const { exporter } of this.sinks) exporter.tick();
  }

  /** Exports every flow still in the caches and closes the sockets once the datagrams left. */
  async close(): Promise<void> {
    for (const { exporter, sender } of this.sinks) {
      exporter.flush();
      await sender.close();
    }
  }

  stats(): FlowSinkStats[] {
    return this.sinks.map(({ kind, exporter, sender }) => ({
      kind,
      target: sender.target,
      ...exporter.counters,
      sent: sender.counters.sent,
      sendErrors: sender.counters.sendErrors,
      ...(sender.lastError !== undefined && { lastError: sender.lastError }),
    }));
  }
}
