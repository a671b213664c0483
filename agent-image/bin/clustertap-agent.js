#!/usr/bin/env node
// The tap agent's entry point (the image's ENTRYPOINT; the lab's kubelet harness runs it too).
import { main } from '../../dist/agent-image/src/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`clustertap-agent: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
