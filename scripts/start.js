// `npm start`: the desktop app where an Electron binary exists; otherwise the same core, headless.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/** The Electron binary if it is really there. (require('electron') would try to download it.) */
function electronBinary() {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const name = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
    const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(dir, 'dist');
    const binary = path.join(dist, name);
    return fs.existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

const args = process.argv.slice(2);
const electron = electronBinary();
let child;
if (electron) {
  child = spawn(electron, [root, ...args], { stdio: 'inherit' });
} else {
  process.stderr.write(
    'No Electron binary is available (node_modules/electron/dist is missing; it is downloaded on first\n' +
      'run, which needs access to its download host). Starting the same app headless instead:\n' +
      `  clustertap serve ${args.join(' ')}\n` +
      'Open the URL it prints in a browser.\n\n',
  );
  child = spawn(process.execPath, [path.join(root, 'bin/clustertap.js'), 'serve', ...args], {
    stdio: 'inherit',
  });
}
// Ctrl-C reaches the child from the terminal itself; forwarding it too would be a second signal.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 1));
