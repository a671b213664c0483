import { Command } from 'commander';
import { describeCni } from '../kube/cni/index.js';
import { allSessionStatus, type SessionStatus, sessionStatus } from '../kube/deploy/session-status.js';
import {
  type KubeconfigFlags,
  kubeconfigSource,
  loadKubeconfig,
  withKubeconfigOptions,
} from '../kube/kubeconfig/index.js';
import { detectCniOnce } from './cni-report.js';
import { formatNode } from './deploy-command.js';

interface StatusFlags extends KubeconfigFlags {
  session?: string;
  json: boolean;
}

function describe(s: SessionStatus): string {
  const lines = [`session ${s.sessionId}${s.terminating ? ' (terminating)' : ''}  namespace ${s.namespace}`];
  if (s.config)
    lines.push(
      `  collector ${s.config.collector.address}:${s.config.collector.port} (${s.config.transport}), selection ${JSON.stringify(s.config.selection)}`,
    );
  const lease = s.lease
    ? `lease held by ${s.lease.holder}, renewed ${s.lease.renewedSecondsAgo} s ago${s.lease.expired ? ` — EXPIRED (TTL ${s.lease.ttlSeconds} s): agents are not mirroring` : ''}`
    : 'no lease';
  lines.push(`  agents ${s.agents.ready}/${s.agents.desired} ready; ${lease}`);
  for (const n of s.nodes) lines.push(`  ${formatNode(n)}`);
  for (const r of s.agentReports) {
    const packets = r.taps.reduce((sum, t) => sum + t.packets, 0);
    const bytes = r.taps.reduce((sum, t) => sum + t.bytes, 0);
    const pods = new Set(r.taps.map((t) => `${t.namespace}/${t.pod}`)).size;
    lines.push(
      `  ${r.node}: mirroring ${r.mirroring}, ${pods} pods (${r.taps.length} tunnels), ${packets} packets / ${bytes} bytes mirrored${r.dropped > 0 ? `, ${r.dropped} not delivered` : ''}`,
    );
    for (const p of r.problems) lines.push(`    ! ${p.pod ? `${p.pod}: ` : ''}${p.message}`);
  }
  return lines.join('\n');
}

export function statusCommand(): Command {
  return withKubeconfigOptions(new Command('status'))
    .description("Show the cluster's CNI and its ClusterTap sessions: agents per node, Lease, collector.")
    .option('--session <ID>', 'only this session')
    .option('--json', 'print JSON on stdout', false)
    .action(async (flags: StatusFlags) => {
      const loaded = loadKubeconfig(kubeconfigSource(flags));
      const [sessions, cni] = await Promise.all([
        flags.session
          ? sessionStatus(loaded.kubeConfig, flags.session).then((s) => [s])
          : allSessionStatus(loaded.kubeConfig),
        detectCniOnce(loaded.kubeConfig),
      ]);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ context: loaded.context, cni, sessions })}\n`);
        return;
      }
      // Per-node evidence is for small clusters; at scale the summary and warnings say enough.
      const cniLines =
        cni.nodes.length <= 12
          ? describeCni(cni)
          : [`CNI: ${cni.summary} (per node: --json)`, ...cni.warnings.map((w) => `warning: ${w}`)];
      process.stdout.write(`context ${loaded.context} (${loaded.server})\n${cniLines.join('\n')}\n\n`);
      if (sessions.length === 0)
        process.stdout.write(`no ClusterTap sessions on context ${loaded.context}\n`);
      for (const s of sessions) process.stdout.write(`${describe(s)}\n`);
    });
}
