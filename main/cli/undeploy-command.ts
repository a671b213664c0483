import { Command } from 'commander';
import { listSessions, teardownSession } from '../kube/deploy/teardown.js';
import {
  type KubeconfigFlags,
  kubeconfigSource,
  loadKubeconfig,
  withKubeconfigOptions,
} from '../kube/kubeconfig/index.js';

interface UndeployFlags extends KubeconfigFlags {
  session?: string;
  json: boolean;
  timeout: string;
}

export function undeployCommand(): Command {
  return withKubeconfigOptions(new Command('undeploy'))
    .description(
      'Remove ClusterTap sessions (every session unless --session) and wait until nothing is left.',
    )
    .option('--session <ID>', 'only this session')
    .option('--timeout <SECONDS>', 'how long to wait for the objects to go', '120')
    .option('--json', 'print the removed sessions as JSON on stdout', false)
    .action(async (flags: UndeployFlags) => {
      const loaded = loadKubeconfig(kubeconfigSource(flags));
      const ids = flags.session ? [flags.session] : await listSessions(loaded.kubeConfig);
      const say = (line: string) => {
        if (!flags.json) process.stderr.write(`${line}\n`);
      };
      if (ids.length === 0) say(`no ClusterTap sessions on context ${loaded.context}`);
      for (const id of ids) {
        say(`• removing session ${id}`);
        await teardownSession(
          loaded.kubeConfig,
          id,
          (line) => say(`  ${line}`),
          Number(flags.timeout) * 1000,
        );
        say(`  session ${id}: nothing left`);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify({ context: loaded.context, removed: ids })}\n`);
    });
}
