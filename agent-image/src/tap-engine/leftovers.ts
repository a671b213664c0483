import { deleteDevice } from './commands.js';
import { type Exec, runBatch } from './exec.js';
import type { SessionIdentity } from './identity.js';
import { parseLinks, parseQdiscs } from './iproute-json.js';
import { isGone, type MirrorFilters, type TcLine } from './mirror-filters.js';
import { isSessionDevice } from './tunnel-devices.js';
import type { CleanupReport } from './types.js';

/**
 * Removes everything of this session from the node, knowing nothing but the session identity:
 * what an agent killed with -9 left, or what removeAll missed. Looks at every clsact qdisc on
 * the node (our filters carry our cookie, our qdiscs our marker) and every device (our prefix
 * and alias). Another session's or the CNI's filters, qdiscs and devices stay.
 */
export async function removeSessionLeftovers(
  exec: Exec,
  id: SessionIdentity,
  filters: MirrorFilters,
): Promise<CleanupReport> {
  const report: CleanupReport = { filters: 0, devices: 0, qdiscs: 0, errors: [] };
  const [linksText, qdiscText] = await Promise.all([
    exec('ip', ['-j', '-d', 'link', 'show']),
    exec('tc', ['-j', 'qdisc', 'show']),
  ]);
  const ours = parseLinks(linksText).filter((l) => isSessionDevice(l, id));
  const ourNames = new Set(ours.map((l) => l.name));
  // Our tunnel devices go whole, with their qdisc; look only at the other interfaces' qdiscs.
  const withClsact = [
    ...new Set(
      parseQdiscs(qdiscText)
        .filter((q) => q.kind === 'clsact' && !ourNames.has(q.dev))
        .map((q) => q.dev),
    ),
  ];
  const listing = await filters.list(withClsact);
  const lines: TcLine<string>[] = [];
  const planned = new Map<string, { filters: number; qdisc: boolean }>();
  for (const dev of withClsact) {
    const current = listing.get(dev);
    if (current instanceof Error || !current) {
      if (current && !isGone(current)) report.errors.push(current.message);
      continue;
    }
    const plan = filters.removeAllLines(dev, dev, current, false);
    lines.push(...plan.lines);
    planned.set(dev, plan);
  }
  const failures = await filters.apply(lines);
  for (const [dev, plan] of planned) {
    const reason = failures.get(dev);
    if (reason) report.errors.push(`${dev}: ${reason}`);
    else {
      report.filters += plan.filters;
      if (plan.qdisc) report.qdiscs++;
    }
  }
  const removed = await runBatch(
    exec,
    'ip',
    ours.map((l) => deleteDevice(l.name).args),
  );
  ours.forEach((l, i) => {
    const reason = removed.failed.get(i);
    if (reason && !isGone(reason)) report.errors.push(`${l.name}: ${reason}`);
    else report.devices++;
  });
  return report;
}
