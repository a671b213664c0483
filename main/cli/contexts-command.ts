import { Command } from 'commander';
import { UsageError } from '../broker/allow-list.js';
import { KubeError } from '../kube/kube-error.js';
import {
  type ContextSummary,
  kubeConfigForContext,
  listContexts,
  probeCluster,
  readMergedKubeconfig,
} from '../kube/kubeconfig/index.js';
import { checkContext } from '../kube/kubeconfig/validate-context.js';

/** One line of `clustertap contexts`; the `--json` output is an array of these. */
export interface ContextStatus extends ContextSummary {
  status: 'reachable' | 'unreachable' | 'unauthorized' | 'forbidden' | 'invalid' | 'error';
  /** the server's gitVersion when reachable */
  version?: string;
  /** a few words (table cell) */
  reason?: string;
  /** the whole sentence, with what to do */
  message?: string;
}

export function contextsCommand(): Command {
  return new Command('contexts')
    .description(
      'List the kubeconfig contexts (current marked *) with whether each API server answers and its version.',
    )
    .option(
      '--kubeconfig <file>',
      'use only this kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)',
    )
    .option('--timeout <seconds>', 'give each API server this long to answer', '3')
    .option('--json', 'print a JSON array (for scripts) instead of the table', false)
    .action(async (flags: { kubeconfig?: string; timeout: string; json: boolean }) => {
      const seconds = Number(flags.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0)
        throw new UsageError(`--timeout must be a positive number of seconds, not "${flags.timeout}"`);
      // A kubeconfig that cannot be read is an error (exit 1); contexts that do not answer are a result.
      const merged = readMergedKubeconfig({ kubeconfig: flags.kubeconfig, env: process.env });
      const rows = await Promise.all(
        listContexts(merged).map((summary) => contextStatus(merged, summary, seconds * 1000)),
      );
      if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) process.stderr.write(`no contexts in ${merged.files.join(', ')}\n`);
      else process.stdout.write(table(rows));
    });
}

async function contextStatus(
  merged: Parameters<typeof listContexts>[0],
  summary: ContextSummary,
  timeoutMs: number,
): Promise<ContextStatus> {
  const { problems } = checkContext(merged, summary.name);
  if (problems.length > 0)
    return { ...summary, status: 'invalid', reason: problems.join('; '), message: problems.join('; ') };
  let kubeConfig: ReturnType<typeof kubeConfigForContext>;
  try {
    kubeConfig = kubeConfigForContext(merged, summary.name);
  } catch (error) {
    const message = error instanceof KubeError ? error.message : String(error);
    return { ...summary, status: 'invalid', reason: message, message };
  }
  const probe = await probeCluster(kubeConfig, timeoutMs);
  if (probe.reachable) return { ...summary, status: 'reachable', version: probe.version };
  const kind = probe.error.kind;
  const status = kind === 'unreachable' || kind === 'unauthorized' || kind === 'forbidden' ? kind : 'error';
  return { ...summary, status, reason: probe.reason, message: probe.error.message };
}

function statusCell(row: ContextStatus): string {
  if (row.status === 'reachable') return `reachable ${row.version}`;
  if (row.status === 'unauthorized' || row.status === 'forbidden') return row.status;
  return `${row.status}: ${row.reason}`;
}

function table(rows: ContextStatus[]): string {
  const header = ['CURRENT', 'NAME', 'CLUSTER', 'SERVER', 'NAMESPACE', 'STATUS'];
  const cells = rows.map((r) => [
    r.current ? '*' : '',
    r.name,
    r.cluster,
    r.server,
    r.namespace,
    statusCell(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return `${[header, ...cells].map(line).join('\n')}\n`;
}
