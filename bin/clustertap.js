#!/usr/bin/env node
// The `clustertap` command. The TypeScript sources are compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('clustertap: not built yet. Run `npm run build` in the repository first.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
// Exit explicitly once output is flushed: a native capture handle (libpcap's poll) can keep the
// event loop alive after the command has finished its work.
const exit = () => process.exit(code);
if (process.stdout.writableLength > 0) process.stdout.once('drain', exit);
else exit();
