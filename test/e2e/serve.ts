import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * End-to-end helpers: `clustertap serve` as a real process on a free port, and Chromium (Debian's
 * /usr/bin/chromium) driven by playwright-core. The UI is the production bundle in dist/renderer,
 * rebuilt once per test process; the core is dist/main (`npx tsc -p tsconfig.json`).
 */

export const REPO = path.resolve(import.meta.dirname, '../..');
export const CHROMIUM = process.env.CLUSTERTAP_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(REPO, 'docs', 'screenshots');

/** Why the end-to-end tests cannot run here, or null when they can. */
export function e2eBlocker(): string | null {
  if (!fs.existsSync(CHROMIUM))
    return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CLUSTERTAP_CHROMIUM)`;
  if (!fs.existsSync(path.join(REPO, 'dist/main/cli/main.js')))
    return 'the core is not built (dist/main/cli/main.js is missing): run `npx tsc -p tsconfig.json`';
  return null;
}

let built = false;
/** Builds the renderer bundle once per test process (esbuild: well under a second). */
export function buildRenderer(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(REPO, 'scripts/build-renderer.js')], {
    cwd: REPO,
    stdio: 'pipe',
  });
  built = true;
}

export interface Served {
  url: string;
  child: ChildProcess;
  /** Everything serve wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

export interface ServeOptions {
  kubeconfig: string;
  context?: string;
  /** serve's settings file goes to XDG_CONFIG_HOME: a fresh one per test unless given. */
  configHome?: string;
  env?: Record<string, string>;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** Starts `clustertap serve --port 0` and resolves with the URL it prints. */
export async function startServe(options: ServeOptions): Promise<Served> {
  buildRenderer();
  const configHome = options.configHome ?? tempDir('clustertap-e2e-config');
  const args = [
    path.join(REPO, 'bin/clustertap.js'),
    'serve',
    '--port',
    '0',
    '--kubeconfig',
    options.kubeconfig,
  ];
  if (options.context) args.push('--context', options.context);
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: {
      ...process.env,
      XDG_CONFIG_HOME: configHome,
      // Development validation in the core: every result and event is checked against the contract.
      CLUSTERTAP_DEV: '1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`clustertap serve printed no URL within 20 s:\n${stderr}`)),
      20_000,
    );
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = /^(http:\/\/\S+)$/m.exec(stdout);
      if (line?.[1]) {
        clearTimeout(timer);
        resolve(line[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`clustertap serve exited (${code}) before printing its URL:\n${stderr}`));
    });
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(kill);
    },
  };
}

let browser: Browser | undefined;

export async function launchBrowser(): Promise<Browser> {
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of the page: a test fails on any it did not expect. */
  problems: string[];
}

/** Opens the served UI in a fresh browser context and waits until it is connected to the core. */
export async function openPage(
  url: string,
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<OpenedPage> {
  const b = await launchBrowser();
  const context = await b.newContext({
    viewport: options.viewport ?? { width: 1440, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(url);
  await page.locator('[data-testid="connection-state"][data-state="open"]').waitFor({ timeout: 15_000 });
  return { context, page, problems };
}

/** Saves a PNG of the page into docs/screenshots/ (committed: the README shows them). */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
