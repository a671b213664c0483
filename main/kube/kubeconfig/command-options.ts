import type { Command } from 'commander';
import type { KubeconfigSource } from './loading-rules.js';

/** What commander parses from the options `withKubeconfigOptions` adds. */
export interface KubeconfigFlags {
  kubeconfig?: string;
  context?: string;
}

/** Adds kubectl's `--kubeconfig` and `--context` to a command (deploy, status, undeploy, ...). */
export function withKubeconfigOptions(command: Command): Command {
  return command
    .option(
      '--kubeconfig <file>',
      'use only this kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)',
    )
    .option('--context <name>', 'the kubeconfig context to use (default: its current-context)');
}

/** The KubeconfigSource for loadKubeconfig/watchKubeconfig from a command's parsed options. */
export function kubeconfigSource(
  flags: KubeconfigFlags,
  env: NodeJS.ProcessEnv = process.env,
): KubeconfigSource {
  return { kubeconfig: flags.kubeconfig, context: flags.context, env };
}
