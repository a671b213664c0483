import type { Exec } from './exec.js';
import { parseLinks } from './iproute-json.js';
import type { MirrorFilters } from './mirror-filters.js';
import { HOOKS, type Hook, type TapCounters } from './types.js';

type Count = { packets: number; bytes: number };

/** What the engine knows of one tunnel, as far as counting goes. */
export interface TunnelRef {
  tunnelId: number;
  device: string;
  /** Our filter is (meant to be) in place. */
  installed: boolean;
  /** What earlier filters counted before they were re-added (tc counters start from zero). */
  base: Count;
  /** What the current filter counted at the last reading. */
  last: Count;
}

interface Counted<R> {
  rec: R;
  hook: Hook;
  counters: TapCounters;
}

/**
 * Per tunnel: the mirred action's counters (`tc -s -j filter show`, one batch for every
 * interface) plus the tunnel device's transmit errors and drops (`ip -s -j link show`).
 * An interface that cannot be read keeps the last known counts.
 */
export async function readCounters<R extends { iface?: string; tunnels?: Record<Hook, TunnelRef> }>(
  exec: Exec,
  filters: MirrorFilters,
  recs: readonly R[],
): Promise<Counted<R>[]> {
  const [linksText, listing] = await Promise.all([
    exec('ip', ['-s', '-j', 'link', 'show']).catch(() => ''),
    filters.list([...new Set(recs.flatMap((r) => (r.iface ? [r.iface] : [])))], true),
  ]);
  const links = new Map(parseLinks(linksText).map((l) => [l.name, l]));
  return recs.flatMap((rec) =>
    HOOKS.flatMap((hook) => {
      const t = rec.tunnels?.[hook];
      if (!t) return [];
      const current = rec.iface ? listing.get(rec.iface) : undefined;
      const stats =
        t.installed && current && !(current instanceof Error)
          ? current[hook].find((f) => filters.isMirror(f) && f.handle === t.tunnelId)?.actions[0]?.stats
          : undefined;
      if (stats) t.last = { packets: stats.packets, bytes: stats.bytes };
      const tx = links.get(t.device)?.tx;
      return [
        {
          rec,
          hook,
          counters: {
            tunnelId: t.tunnelId,
            device: t.device,
            packets: t.base.packets + t.last.packets,
            bytes: t.base.bytes + t.last.bytes,
            mirrorDrops: (stats?.drops ?? 0) + (stats?.overlimits ?? 0),
            tunnelTxErrors: tx?.errors ?? 0,
            tunnelTxDropped: tx?.dropped ?? 0,
          },
        },
      ];
    }),
  );
}
