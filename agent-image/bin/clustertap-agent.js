#!/usr/bin/env node
// The tap agent's entry point (the image's ENTRYPOINT; the lab's kubelet harness runs it too).
import { main } from '../../dist/agent-image/src/main.js';

// One last line that says what went wrong: the kubelet keeps it as the termination message.
process.on('uncaughtException', (error) => {
  process.stderr.write(`${error?.stack ?? error}\nclustertap-agent: fatal: ${error?.message ?? error}\n`);
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error?.stack ?? error}\nclustertap-agent: fatal: ${error?.message ?? error}\n`);
    process.exit(1);
  },
);
