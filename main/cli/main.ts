import fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { UsageError } from '../broker/allow-list.js';
import { FilterSyntaxError } from '../broker/filter/capture-filter.js';
import { CaptureFileError } from '../capture/capture-record.js';
import { KubeError } from '../kube/kube-error.js';
import { PolicyError } from '../policy/load-policy.js';
import { captureCommand } from './capture-command.js';
import { contextsCommand } from './contexts-command.js';
import { deployCommand } from './deploy-command.js';
import { serveCommand } from './serve-command.js';
import { statusCommand } from './status-command.js';
import { tapCommand } from './tap-command.js';
import { undeployCommand } from './undeploy-command.js';

function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(fs.readFileSync(url, 'utf8')) as { version: string }).version;
}

/** `clustertap <command>`: every core capability, headless. */
export async function main(argv: string[]): Promise<number> {
  const version = packageVersion();
  const program = new Command('clustertap')
    .description('ClusterTap: Kubernetes east-west traffic on your desktop, as Wireshark-ready pcapng.')
    .version(version)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(captureCommand(version).exitOverride())
    .addCommand(contextsCommand().exitOverride())
    .addCommand(deployCommand().exitOverride())
    .addCommand(statusCommand().exitOverride())
    .addCommand(undeployCommand().exitOverride())
    .addCommand(tapCommand(version).exitOverride())
    .addCommand(serveCommand(version).exitOverride());
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    if (error instanceof KubeError) {
      process.stderr.write(`clustertap: ${error.message}\n`);
      // 1: the kubeconfig/flags need fixing (like a usage error); 2: the cluster did not answer or said no.
      return error.kind === 'kubeconfig' ? 1 : 2;
    }
    if (
      error instanceof UsageError ||
      error instanceof PolicyError ||
      error instanceof FilterSyntaxError ||
      error instanceof CaptureFileError
    ) {
      process.stderr.write(`clustertap: ${error.message}\n`);
      return error instanceof CaptureFileError ? 2 : 1;
    }
    throw error;
  }
}
