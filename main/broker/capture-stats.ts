import type { BrokerCounters } from './counters.js';
import type { FlowSinkStats } from './flows/flow-sinks.js';
import type { ForwarderStats } from './forward/forwarders.js';
import type { StageCounters } from './pipeline/stage.js';
import type { OutputInterface } from './tunnel-interfaces.js';

export type StopReason =
  | 'packets'
  | 'duration'
  | 'filesize'
  | 'files'
  | 'signal'
  | 'end-of-input'
  | 'output-error'
  | 'stopped';

export interface ListenerStats {
  label: string;
  received: number;
  /** Dropped by the kernel before we could read them; null where the OS does not tell. */
  kernelDrops: number | null;
  receiveBufferBytes?: number;
}

/** What `--stats` prints and what the UI will show: one number per stage. */
export interface CaptureStats {
  received: number;
  receivedBytes: number;
  decapErrors: { truncated: number; badFlags: number; unknownEthertype: number };
  badChecksum: number;
  notAllowed: { peer: number; tunnelId: number };
  passedThrough: number;
  ownTransmissions: number;
  delivered: number;
  /** The agents' tunnel probes: received, recognised, never written. */
  tunnelProbes: number;
  /** Stopped by a policy stage; `stages` says which. */
  droppedByPolicy: number;
  /** Packets into and out of each policy stage, in pipeline order. */
  stages: StageCounters[];
  /** One entry per --ipfix / --netflow9 collector. */
  flows: FlowSinkStats[];
  /** One entry per --forward target. */
  forwards: ForwarderStats[];
  written: number;
  writtenBytes: number;
  writerDropped: number;
  kernelDrops: number;
  listeners: ListenerStats[];
  interfaces: Array<
    Pick<OutputInterface, 'id' | 'name' | 'description' | 'received' | 'written' | 'dropped'>
  >;
  files: string[];
  durationSeconds: number;
  stopReason: StopReason | null;
}

export function snapshotStats(
  counters: BrokerCounters,
  listeners: ListenerStats[],
  interfaces: readonly OutputInterface[],
  files: readonly string[],
  durationSeconds: number,
  stopReason: StopReason | null,
  stages: StageCounters[] = [],
  flows: FlowSinkStats[] = [],
  forwards: ForwarderStats[] = [],
): CaptureStats {
  return {
    received: counters.received,
    receivedBytes: counters.receivedBytes,
    decapErrors: { ...counters.decapErrors },
    badChecksum: counters.badChecksum,
    notAllowed: { ...counters.notAllowed },
    passedThrough: counters.passedThrough,
    ownTransmissions: counters.ownTransmissions,
    delivered: counters.delivered,
    tunnelProbes: counters.tunnelProbes,
    droppedByPolicy: counters.droppedByPolicy,
    stages,
    flows,
    forwards,
    written: counters.written,
    writtenBytes: counters.writtenBytes,
    writerDropped: counters.writerDropped,
    kernelDrops: listeners.reduce((sum, l) => sum + (l.kernelDrops ?? 0), 0),
    listeners,
    interfaces: interfaces.map(({ id, name, description, received, written, dropped }) => ({
      id,
      name,
      description,
      received,
      written,
      dropped,
    })),
    files: [...files],
    durationSeconds,
    stopReason,
  };
}
