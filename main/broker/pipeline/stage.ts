/**
 * One packet on its way through the pipeline. Stages may narrow `data` (slice) or replace it
 * with a modified copy (mask); they never write into the received buffer.
 */
export interface PipelinePacket {
  linkType: number;
  data: Uint8Array;
  originalLength: number;
  /** Packet time in seconds since the epoch (float), for windows and rate caps. */
  seconds: number;
}

export interface Stage {
  readonly name: StageName;
  /** false = the packet stops here (and is counted as dropped by this stage). */
  apply(packet: PipelinePacket): boolean;
}

export type StageName = 'filter' | 'dedup' | 'sample' | 'slice' | 'mask';

/** The fixed order of the stages (README "Pipeline"). */
export const STAGE_ORDER: readonly StageName[] = ['filter', 'dedup', 'sample', 'slice', 'mask'];

export interface StageCounters {
  stage: StageName;
  in: number;
  out: number;
  /** Packets this stage changed (slice, mask) — they still go on. */
  modified: number;
}
