import type { Policy } from '../../policy/policy-schema.js';
import { DedupStage } from './dedup-stage.js';
import { MaskStage } from './mask-stage.js';
import { Pipeline } from './pipeline.js';
import { SampleStage } from './sample-stage.js';
import { SliceStage } from './slice-stage.js';
import type { Stage } from './stage.js';

export interface BuiltPipeline {
  pipeline: Pipeline;
  /** "sampled every 1:10": the note written on each packet and given to the flow exporter. */
  samplingNote: string | undefined;
  /** N of "1:N", 1 when not sampled: the flow exporter's sampling interval. */
  samplingInterval: number;
}

/** The policy's stages. The capture filter needs libpcap and is added by the caller (filter-stage). */
export function buildPipeline(policy: Policy, extra: Stage[] = []): BuiltPipeline {
  const stages: Stage[] = [...extra];
  if (policy.dedup) stages.push(new DedupStage(policy.dedup.windowMs / 1000));
  let sample: SampleStage | undefined;
  if (policy.sample && (policy.sample.oneIn > 1 || policy.sample.maxPacketsPerSecond !== undefined)) {
    sample = new SampleStage(policy.sample);
    stages.push(sample);
  }
  if (policy.slice !== undefined) stages.push(new SliceStage(policy.slice));
  if (policy.mask && (policy.mask.regex.length > 0 || policy.mask.ranges.length > 0))
    stages.push(new MaskStage(policy.mask));
  return {
    pipeline: new Pipeline(stages),
    samplingNote: sample?.description,
    samplingInterval: policy.sample?.oneIn ?? 1,
  };
}
