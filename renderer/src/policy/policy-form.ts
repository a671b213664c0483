import type { Policy } from '../../../main/policy/policy-schema.js';
import type { LivePolicy } from '../api/dto.js';

/**
 * The live policy (tap.ts LivePolicySchema) is the capture-time part of the one policy type of
 * main/policy/; settings remember the whole type, so a policy saved here reads the same as a
 * `clustertap --policy` file. Limits below are the schema's.
 */

export const MAX_DEDUP_MS = 1000;
export const MAX_SLICE = 262_144;
export const MAX_SAMPLE = 1_000_000;
export const MASK_ANCHORS = ['frame', 'l3', 'l4', 'l4-payload', 'tcp-payload', 'udp-payload'] as const;
export type MaskRange = NonNullable<LivePolicy['mask']>['ranges'][number];

export function toSavedPolicy(live: LivePolicy): Policy {
  return { version: 1, selection: { namespaces: [], pods: [] }, forward: [], ...live };
}

export function fromSavedPolicy(saved: Policy | null): LivePolicy {
  if (!saved) return {};
  const { filter, dedup, sample, slice, mask } = saved;
  return {
    ...(filter && { filter }),
    ...(dedup && { dedup }),
    ...(sample && { sample }),
    ...(slice && { slice }),
    ...(mask && { mask }),
  };
}

/** Drops empty stages, so two policies that do the same compare equal and nothing empty is sent. */
export function normalizePolicy(live: LivePolicy): LivePolicy {
  const out: LivePolicy = {};
  if (live.filter?.trim()) out.filter = live.filter;
  if (live.dedup) out.dedup = live.dedup;
  if (live.sample && (live.sample.oneIn > 1 || live.sample.maxPacketsPerSecond)) out.sample = live.sample;
  if (live.slice) out.slice = live.slice;
  if (live.mask && (live.mask.regex.length > 0 || live.mask.ranges.length > 0)) out.mask = live.mask;
  return out;
}

export function samePolicy(a: LivePolicy | null, b: LivePolicy | null): boolean {
  return JSON.stringify(a && normalizePolicy(a)) === JSON.stringify(b && normalizePolicy(b));
}

/** Why a masking rule (a JavaScript regular expression over L4 payloads) cannot be used, or null. */
export function maskRuleProblem(rule: string): string | null {
  if (rule.trim() === '') return 'a masking rule cannot be empty';
  try {
    new RegExp(rule, 'gs');
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** `udp-payload:0:16` (clustertap capture --mask-range) → a range, or why it is not one. */
export function parseMaskRange(text: string): MaskRange | string {
  const [anchor, offset, length, ...rest] = text.trim().split(':');
  if (
    !MASK_ANCHORS.includes(anchor as MaskRange['anchor']) ||
    rest.length > 0 ||
    !/^\d+$/.test(offset ?? '') ||
    !/^[1-9]\d*$/.test(length ?? '')
  )
    return `expected ANCHOR:OFFSET:LENGTH with ANCHOR one of ${MASK_ANCHORS.join(', ')}, e.g. udp-payload:0:16`;
  return { anchor: anchor as MaskRange['anchor'], offset: Number(offset), length: Number(length) };
}

export const rangeText = (r: MaskRange) => `${r.anchor}:${r.offset}:${r.length}`;
