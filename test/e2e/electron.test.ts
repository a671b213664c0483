import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type ElectronApplication, _electron as electron, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labState } from '../helpers/lab.js';
import { type FakeApiServer, startFakeApiServer, writeKubeconfig } from './fixtures.js';
import { buildRenderer, REPO, tempDir } from './serve.js';

// The desktop app itself: the Electron window with the preload bridge (window.clustertap), the
// same flows as in a browser: the context and Ctrl+K, the selection tree, libpcap's filter
// messages, the keyboard, native dialogs instead of uploads. Needs an Electron binary
// (node_modules/electron/dist, downloaded on first run); where there is none it says so.

/** The Electron binary if it is really there (require('electron') would try to download it). */
function electronBinary(): { binary: string } | { reason: string } {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const name = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
    const binary = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(dir, 'dist'), name);
    if (fs.existsSync(binary)) return { binary };
    return {
      reason: `no Electron binary at ${binary} (it is downloaded on first run, which needs its download host)`,
    };
  } catch (error) {
    return {
      reason: `the electron package has no binary here (${(error as Error).message.split('\n')[0]}); run \`npx install-electron\` where its download host is reachable`,
    };
  }
}

const found = electronBinary();
const dist = fs.existsSync(path.join(REPO, 'dist/main/electron/main.js'))
  ? null
  : 'the Electron shell is not built (dist/main/electron/main.js): run `npx tsc -p tsconfig.json`';
const reason = 'reason' in found ? found.reason : dist;

describe('the desktop app (Electron)', () => {
  it.runIf(reason !== null)('cannot run on this machine, and says why', () => {
    console.warn(`Electron end-to-end tests cannot run here: ${reason}`);
    expect(reason).toBeTruthy();
  });

  describe.skipIf(reason !== null)('in its own window', () => {
    let app: ElectronApplication;
    let page: Page;
    let api: FakeApiServer;
    const problems: string[] = [];
    const { lab } = labState();

    beforeAll(async () => {
      buildRenderer();
      api = await startFakeApiServer('v1.33.4');
      // The lab's contexts when it is up (read-only here), else the fixture's reachable one.
      const kubeconfig = lab?.kubeconfig ?? writeKubeconfig([{ name: 'edge', server: api.url }], 'edge');
      app = await electron.launch({
        executablePath: (found as { binary: string }).binary,
        args: [REPO, '--no-sandbox'],
        env: { ...process.env, KUBECONFIG: kubeconfig, XDG_CONFIG_HOME: tempDir('clustertap-e2e-electron') },
      });
      page = await app.firstWindow();
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      await page.locator('[data-testid="connection-state"][data-state="open"]').waitFor({ timeout: 30_000 });
    });
    afterAll(async () => {
      await app?.close();
      await api?.close();
    });

    it('talks to the core through the preload bridge only, and offers native dialogs', async () => {
      expect(
        await page.evaluate(() =>
          Object.keys((window as unknown as { clustertap: object }).clustertap).sort(),
        ),
      ).toEqual(['request', 'subscribe']);
      expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe(
        'undefined',
      );
      await expect.poll(() => page.locator('.status-bar').textContent()).toContain('desktop');
    });

    it('shows the current context and switches with Ctrl+K', async () => {
      const name = lab ? 'lab' : 'edge';
      const button = page.getByRole('button', { name: /^Kubernetes context:/ });
      await expect
        .poll(() => button.getAttribute('aria-label'), { timeout: 15_000 })
        .toMatch(new RegExp(`^Kubernetes context: ${name}, reachable`));
      await page.keyboard.press('Control+K');
      const dialog = page.getByRole('dialog', { name: 'Switch Kubernetes context' });
      await dialog.waitFor();
      await page.keyboard.type(name);
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'detached' });
    });

    it('lists the namespaces and validates the capture filter with libpcap', async () => {
      await page
        .getByRole('tree', { name: 'Namespaces, workloads and pods to tap' })
        .waitFor({ timeout: 20_000 });
      await page.keyboard.press('Control+Shift+F');
      await page.keyboard.type('tcp port');
      await expect
        .poll(() => page.getByTestId('capture-filter-message').textContent())
        .toBe("can't parse filter expression: syntax error");
      await page.keyboard.press('Control+A');
      await page.keyboard.type('tcp port 8080');
      await expect
        .poll(() => page.getByTestId('capture-filter-message').textContent())
        .toMatch(/^Compiles to \d+ BPF instructions\.$/);
      expect(problems).toEqual([]);
    });
  });
});
