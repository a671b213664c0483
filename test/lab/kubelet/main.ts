/**
 * The lab's kubelet + CNI harness (see README.md here). Started by test/lab/lab.ts:
 *   node --import tsx test/lab/kubelet/main.ts --state $LAB_DIR/state.json [--cleanup]
 */
import { parseArgs } from 'node:util';
import { cleanup } from './cleanup.js';
import { runHarness } from './harness.js';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { state: { type: 'string' }, cleanup: { type: 'boolean', default: false } },
  });
  if (!values.state) throw new Error('usage: main.ts --state $LAB_DIR/state.json [--cleanup]');
  if (process.getuid?.() !== 0) throw new Error('the harness needs root (network namespaces, veths, mounts)');
  if (values.cleanup) return cleanup(values.state, log);

  const stop = await runHarness(values.state, log);
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping containers (namespaces stay; --cleanup removes them)`);
    setTimeout(() => process.exit(1), 15_000).unref();
    stop().then(
      () => process.exit(0),
      (e: Error) => {
        log(`stop failed: ${e.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

main().catch((e: Error) => {
  process.stderr.write(`kubelet harness: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
