import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { AppCore } from '../app/app-core.js';
import { toApiError } from '../app/errors.js';
import { openSettingsStore, serveSettingsFile } from '../app/settings-store.js';
import { UsageError } from '../broker/allow-list.js';
import { createRouter } from '../ipc/router.js';
import { kubeconfigSource, withKubeconfigOptions } from '../kube/kubeconfig/index.js';
import { isLoopbackAddress } from '../serve/access.js';
import { startServeServer } from '../serve/server.js';
import { DownloadRegistry } from '../serve/transfers.js';

interface ServeFlags {
  port: string;
  bind: string;
  kubeconfig?: string;
  context?: string;
  open: boolean;
  token: boolean;
  maxUpload: string;
  vxlanPort: string;
}

/** `clustertap serve`: the app's UI in a browser, the core headless on this machine. */
export function serveCommand(version: string): Command {
  return withKubeconfigOptions(new Command('serve'))
    .description(
      'Serve the ClusterTap UI to a browser: the built UI and its API (WebSocket /api) on one port. ' +
        'Loopback only by default; any other address needs the access token printed in the URL.',
    )
    .option('--port <n>', 'TCP port (0: any free port)', '7480')
    .option(
      '--bind <addr>',
      'address to listen on; a non-loopback address requires the access token',
      '127.0.0.1',
    )
    .option('--token', 'require the access token even on loopback (shared machines)', false)
    .option('--max-upload <MB>', 'largest capture file a browser may upload', '2048')
    .option('--open', 'open the URL in the default browser', false)
    .option(
      '--vxlan-port <PORT>',
      'UDP port the agents send their VXLAN tunnels to (taps from the UI)',
      '4789',
    )
    .action(async (flags: ServeFlags) => serve(flags, version));
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port must be 0–65535, not "${text}"`);
  return port;
}

async function serve(flags: ServeFlags, version: string): Promise<void> {
  const port = parsePort(flags.port);
  const maxUploadMb = Number(flags.maxUpload);
  if (!Number.isFinite(maxUploadMb) || maxUploadMb <= 0)
    throw new UsageError(`--max-upload must be a positive number of megabytes, not "${flags.maxUpload}"`);
  const vxlanPort = Number(flags.vxlanPort);
  if (!/^\d+$/.test(flags.vxlanPort) || vxlanPort < 1 || vxlanPort > 65535)
    throw new UsageError(`--vxlan-port must be 1–65535, not "${flags.vxlanPort}"`);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const settings = openSettingsStore({
    file: serveSettingsFile(),
    warn: (m) => say(`clustertap: warning: ${m}`),
  });
  const downloads = new DownloadRegistry();
  const core = new AppCore({
    mode: 'serve',
    version,
    source: kubeconfigSource(flags),
    settings,
    downloads,
    uploads: true,
    vxlanPort,
  });
  const router = createRouter({
    handlers: core.handlers(),
    bus: core.bus,
    mode: 'serve',
    toError: toApiError,
    validateOutgoing: process.env.CLUSTERTAP_DEV === '1',
    log: say,
  });
  let server: Awaited<ReturnType<typeof startServeServer>>;
  try {
    server = await startServeServer({
      bind: flags.bind,
      port,
      token: flags.token,
      router,
      files: core.files,
      downloads,
      rendererDir: process.env.CLUSTERTAP_UI_DIR || undefined,
      maxUploadBytes: maxUploadMb * 1024 * 1024,
      log: say,
    });
  } catch (error) {
    router.close();
    await core.close();
    throw error;
  }
  core.start();

  const problem = core.contexts.state().problem;
  say(
    `ClusterTap ${version} is serving its UI${isLoopbackAddress(flags.bind) ? ' on loopback' : ` on ${flags.bind}`}` +
      `${server.access.requiresToken ? '; open it with the token in this URL' : ''}. Ctrl-C stops it.`,
  );
  if (problem) say(`clustertap: note: ${problem.message}`);
  process.stdout.write(`${server.url}\n`);
  if (flags.open) openBrowser(server.url, say);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      say(`clustertap: ${signal}: stopping`);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  router.close();
  await core.close();
  say('clustertap: stopped');
}

function openBrowser(url: string, say: (line: string) => void): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', (error) =>
      say(`clustertap: could not open a browser (${error.message}); open the URL yourself`),
    );
    child.unref();
  } catch (error) {
    say(`clustertap: could not open a browser (${(error as Error).message}); open the URL yourself`);
  }
}
