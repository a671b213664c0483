import type { MaskAnchor } from '../broker/pipeline/mask-stage.js';
import { PolicyError, parsePolicy } from './load-policy.js';
import { POLICY_VERSION, type Policy } from './policy-schema.js';

/** The CLI's policy flags; each overrides the same part of `--policy FILE`. */
export interface PolicyFlags {
  filter?: string;
  dedup?: string | boolean;
  sample?: string;
  sampleRate?: string;
  slice?: string;
  mask?: string[];
  maskRange?: string[];
  ipfix?: string[];
  netflow9?: string[];
  forward?: string[];
}

const ANCHORS: MaskAnchor[] = ['frame', 'l3', 'l4', 'l4-payload', 'tcp-payload', 'udp-payload'];

/** Applies the flags on top of a base policy (a file's, or an empty one) and validates the result. */
export function applyPolicyFlags(base: Policy | undefined, flags: PolicyFlags): Policy {
  const policy: Record<string, unknown> = structuredClone(base ?? { version: POLICY_VERSION });
  if (flags.filter !== undefined) policy.filter = flags.filter;
  if (flags.dedup !== undefined && flags.dedup !== false)
    policy.dedup = { windowMs: flags.dedup === true ? 10 : number('--dedup', flags.dedup) };
  if (flags.sample !== undefined || flags.sampleRate !== undefined) {
    const sample = { ...((policy.sample as object) ?? {}) } as Record<string, unknown>;
    if (flags.sample !== undefined) Object.assign(sample, parseSample(flags.sample));
    if (flags.sampleRate !== undefined)
      sample.maxPacketsPerSecond = number('--sample-rate', flags.sampleRate);
    policy.sample = sample;
  }
  if (flags.slice !== undefined) policy.slice = number('--slice', flags.slice);
  if ((flags.mask?.length ?? 0) > 0 || (flags.maskRange?.length ?? 0) > 0) {
    const mask = { ...((policy.mask as object) ?? {}) } as { regex?: string[]; ranges?: unknown[] };
    mask.regex = [...(mask.regex ?? []), ...(flags.mask ?? [])];
    mask.ranges = [...(mask.ranges ?? []), ...(flags.maskRange ?? []).map(parseMaskRange)];
    for (const source of mask.regex) checkRegex(source);
    policy.mask = mask;
  }
  if ((flags.ipfix?.length ?? 0) > 0 || (flags.netflow9?.length ?? 0) > 0) {
    const exported = { ...((policy.export as object) ?? {}) } as { ipfix?: string[]; netflow9?: string[] };
    exported.ipfix = [...(exported.ipfix ?? []), ...(flags.ipfix ?? [])];
    exported.netflow9 = [...(exported.netflow9 ?? []), ...(flags.netflow9 ?? [])];
    policy.export = exported;
  }
  if ((flags.forward?.length ?? 0) > 0)
    policy.forward = [
      ...((policy.forward as unknown[]) ?? []),
      ...(flags.forward ?? []).map((url) => ({ url })),
    ];
  const result = parsePolicy(policy, 'policy (from --policy and flags)');
  for (const source of result.mask?.regex ?? []) checkRegex(source);
  return result;
}

function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0)
    throw new PolicyError(`${flag} ${text}: expected a number greater than 0`);
  return value;
}

/** "1:N" (every Nth) or "random:1:N" */
function parseSample(text: string): { mode: 'every' | 'random'; oneIn: number } {
  const match = /^(?:(random|every):)?1:(\d+)$/.exec(text);
  if (!match) throw new PolicyError(`--sample ${text}: expected 1:N (every Nth packet) or random:1:N`);
  return { mode: match[1] === 'random' ? 'random' : 'every', oneIn: Number(match[2]) };
}

/** "udp-payload:0:16" */
function parseMaskRange(text: string): { anchor: MaskAnchor; offset: number; length: number } {
  const [anchor, offset, length, ...rest] = text.split(':');
  if (
    !ANCHORS.includes(anchor as MaskAnchor) ||
    rest.length > 0 ||
    !/^\d+$/.test(offset ?? '') ||
    !/^\d+$/.test(length ?? '')
  )
    throw new PolicyError(
      `--mask-range ${text}: expected ANCHOR:OFFSET:LEN with ANCHOR one of ${ANCHORS.join(', ')}`,
    );
  return { anchor: anchor as MaskAnchor, offset: Number(offset), length: Number(length) };
}

function checkRegex(source: string): void {
  try {
    new RegExp(source, 'gs');
  } catch (error) {
    throw new PolicyError(`--mask ${source}: ${(error as Error).message}`);
  }
}
