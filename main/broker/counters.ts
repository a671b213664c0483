import type { DecodeFailureReason } from './decode/result.js';

/**
 * Every packet is accounted for at every stage:
 *   received = decapErrors + notAllowed + ownTransmissions + passedThrough (file input) + delivered
 *   delivered + passedThrough = droppedByPolicy + written + writerDropped
 */
export class BrokerCounters {
  received = 0;
  receivedBytes = 0;
  decapErrors = { truncated: 0, badFlags: 0, unknownEthertype: 0 };
  /** GRE packets with a checksum that does not verify; still delivered, like the kernel's stats. */
  badChecksum = 0;
  notAllowed = { peer: 0, tunnelId: 0 };
  /** File input only: packets that were not tunnel packets, delivered unchanged. */
  passedThrough = 0;
  /** Tunnel packets sent by this host (an SLL capture's outgoing copies): not ours to deliver. */
  ownTransmissions = 0;
  delivered = 0;
  /** Tunnel probes of the agents (see tunnel-probe.ts): proof a node's tunnels arrive, never written. */
  tunnelProbes = 0;
  /** Stopped by a policy stage (filter, dedup, sample); each stage's own counts are in the pipeline. */
  droppedByPolicy = 0;
  written = 0;
  writtenBytes = 0;
  writerDropped = 0;

  countDecapError(reason: DecodeFailureReason): void {
    if (reason === 'truncated') this.decapErrors.truncated++;
    else if (reason === 'bad-flags') this.decapErrors.badFlags++;
    else this.decapErrors.unknownEthertype++;
  }
}
