import os from 'node:os';
import { Command } from 'commander';
import { localAddressTowardApiServer } from '../kube/collector-address.js';
import { type DeployEvent, deploySession } from '../kube/deploy/deployer.js';
import { keepLease } from '../kube/deploy/lease-keeper.js';
import type { NodeProgress } from '../kube/deploy/rollout.js';
import type { TapSession } from '../kube/deploy/session.js';
import { kubeconfigSource, loadKubeconfig } from '../kube/kubeconfig/index.js';
import { detectCniOnce } from './cni-report.js';
import { type SessionFlags, sessionFromFlags, withSessionOptions } from './session-flags.js';

interface DeployFlags extends SessionFlags {
  json: boolean;
  hold: boolean;
  timeout: string;
  keepOnFailure: boolean;
}

const err = (line: string) => process.stderr.write(`${line}\n`);

export function formatNode(n: NodeProgress): string {
  return `  ${n.node.padEnd(24)} ${n.state.padEnd(8)} ${n.reason ?? ''}`.trimEnd();
}

/** Human progress on stderr: steps, retries, and the node table whenever it changes. */
function printEvent(event: DeployEvent): void {
  if (event.type === 'nodes') for (const n of event.nodes) err(formatNode(n));
  else err(event.type === 'retry' ? `  ! ${event.message}` : `• ${event.message}`);
}

export function deployCommand(): Command {
  return withSessionOptions(new Command('deploy'))
    .description('Deploy tap agents for a selection of pods and wait until every agent is Ready.')
    .option('--timeout <SECONDS>', 'how long agents may take to become Ready', '120')
    .option(
      '--hold',
      'keep renewing the session Lease until Ctrl-C (agents stop mirroring one TTL after)',
      false,
    )
    .option('--keep-on-failure', 'leave what was applied when the deploy fails (for debugging)', false)
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (flags: DeployFlags) => {
      const partial = sessionFromFlags(flags);
      const loaded = loadKubeconfig(kubeconfigSource(flags));
      const collector = partial.collector ?? {
        address: await localAddressTowardApiServer(loaded.kubeConfig),
        port: 4789,
      };
      const session: TapSession = { ...partial, collector };
      const holder = `clustertap@${os.hostname()}`;
      if (!flags.json) err(`deploying session ${session.id} to context ${loaded.context} (${loaded.server})`);
      // Tapping works on the CNIs we know; elsewhere say so up front rather than capture silence.
      const cni = await detectCniOnce(loaded.kubeConfig);
      if (!flags.json) for (const warning of cni.warnings) err(`warning: ${warning}`);
      const deployment = await deploySession(loaded.kubeConfig, {
        session,
        holder,
        timeoutMs: Number(flags.timeout) * 1000,
        keepOnFailure: flags.keepOnFailure,
        onEvent: flags.json ? () => {} : printEvent,
      });
      const result = {
        session: deployment.sessionId,
        context: loaded.context,
        namespace: `clustertap-${deployment.sessionId}`,
        collector: `${collector.address}:${collector.port}`,
        transport: session.transport,
        tunnelIdBase: deployment.config.tunnelIdBase,
        pods: deployment.selection.pods.length,
        cni: { summary: cni.summary, supported: cni.supported, warnings: cni.warnings },
        nodes: deployment.nodes,
      };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else
        process.stdout.write(
          `session ${result.session}: agents Ready on ${result.nodes.length}/${result.nodes.length} nodes, ${result.pods} pods selected, tunnels to ${result.collector} (${result.transport})\n` +
            `remove it with: clustertap undeploy --context ${loaded.context} --session ${result.session}\n`,
        );
      if (!flags.hold) return;
      err(`holding the session Lease (every ${Math.round(session.leaseTtlSeconds / 3)} s); Ctrl-C to stop`);
      const keeper = keepLease(loaded.kubeConfig, session, holder, (e) =>
        err(`  ! lease renewal failed: ${e.message}`),
      );
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      keeper.stop();
      err(`stopped renewing; agents stop mirroring within ${session.leaseTtlSeconds} s`);
    });
}
