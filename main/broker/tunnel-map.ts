import fs from 'node:fs';
import { z } from 'zod';
import type { Direction } from '../capture/pcapng-blocks.js';
import { UsageError } from './allow-list.js';

/**
 * What a tunnel ID stands for. The agents publish this (a later issue); until then it can be
 * given with `--tunnel-map FILE`, a JSON array of these entries.
 */
const TunnelLabelSchema = z.object({
  tunnelId: z.number().int().min(0).max(0xffffffff),
  /** Only for this peer; omitted = any peer. */
  peer: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  direction: z.enum(['inbound', 'outbound', 'unknown']).default('unknown'),
});
export type TunnelLabel = z.infer<typeof TunnelLabelSchema>;

export class TunnelMap {
  private byKey = new Map<string, TunnelLabel>();
  /** Bumped by replace(): interfaces created before a label arrived look again. */
  version = 0;

  constructor(labels: readonly TunnelLabel[] = []) {
    this.replace(labels);
    this.version = 0;
  }

  /** Swaps in a new set of labels (the agents published a new mapping). */
  replace(labels: readonly TunnelLabel[]): void {
    const next = new Map<string, TunnelLabel>();
    for (const label of labels) next.set(`${label.peer ?? '*'}|${label.tunnelId}`, label);
    this.byKey = next;
    this.version++;
  }

  static load(file: string): TunnelMap {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`--tunnel-map ${file}: ${(error as Error).message}`);
    }
    const parsed = z.array(TunnelLabelSchema).safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(`--tunnel-map ${file}: at [${issue?.path.join('.')}]: ${issue?.message}`);
    }
    return new TunnelMap(parsed.data);
  }

  lookup(peer: string, tunnelId: number | undefined): TunnelLabel | undefined {
    if (tunnelId === undefined) return undefined;
    return this.byKey.get(`${peer}|${tunnelId}`) ?? this.byKey.get(`*|${tunnelId}`);
  }
}

export function directionOf(label: TunnelLabel | undefined): Direction {
  return label?.direction ?? 'unknown';
}
