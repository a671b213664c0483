import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kubectl, labState } from '../helpers/lab.js';
import {
  closedPort,
  type FakeApiServer,
  kubeconfigYaml,
  startFakeApiServer,
  writeKubeconfig,
} from './fixtures.js';
import {
  closeBrowser,
  e2eBlocker,
  type OpenedPage,
  openPage,
  type Served,
  screenshot,
  startServe,
} from './serve.js';

// The context switcher: the current context shown everywhere, Ctrl+K → filter → Enter, each
// context's reachability, and kubeconfig edits appearing while the page is open.
const blocker = e2eBlocker();
if (blocker) console.warn(`context switcher e2e tests cannot run: ${blocker}`);
const { lab, reason: noLab } = labState();
if (noLab) console.warn(`context switcher on the lab cannot run: ${noLab}`);

const contextButton = (page: Page) => page.getByRole('button', { name: /^Kubernetes context:/ });
const option = (page: Page, name: string) =>
  page
    .getByRole('option')
    .filter({ has: page.locator('.switcher-name', { hasText: new RegExp(`^${name}$`) }) });

async function switchWithKeyboard(page: Page, query: string): Promise<void> {
  await page.keyboard.press('Control+K');
  const dialog = page.getByRole('dialog', { name: 'Switch Kubernetes context' });
  await dialog.waitFor();
  await page.keyboard.type(query);
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'detached' });
}

describe.skipIf(!!blocker)('context switcher with a kubeconfig of two contexts, one unreachable', () => {
  let api: FakeApiServer;
  let kubeconfig: string;
  let served: Served;
  let opened: OpenedPage;
  let deadPort: number;

  beforeAll(async () => {
    api = await startFakeApiServer('v1.33.4');
    deadPort = await closedPort();
    kubeconfig = writeKubeconfig(
      [
        { name: 'edge', server: api.url, namespace: 'payments' },
        { name: 'staging', server: `http://127.0.0.1:${deadPort}` },
      ],
      'edge',
    );
    served = await startServe({ kubeconfig });
    opened = await openPage(served.url);
  });
  afterAll(async () => {
    await opened?.context.close();
    await served?.stop();
    await api?.close();
    await closeBrowser();
  });

  it('shows the current context in the top bar and the status bar, with its reachability', async () => {
    const { page } = opened;
    await expect
      .poll(() => contextButton(page).getAttribute('aria-label'))
      .toMatch(/^Kubernetes context: edge, reachable v1\.33\.4\./);
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('context edge');
  });

  it('lists every context with its cluster, namespace, server and reachability when Ctrl+K opens the switcher', async () => {
    const { page } = opened;
    await page.keyboard.press('Control+K');
    const dialog = page.getByRole('dialog', { name: 'Switch Kubernetes context' });
    await dialog.waitFor();
    // The filter field has the focus: typing filters straight away.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
      .toBe('Filter contexts');
    await expect.poll(() => page.getByRole('dialog').getByRole('option').count()).toBe(2);
    await expect
      .poll(() => option(page, 'edge').textContent())
      .toMatch(/edge-cluster · ns payments · http:\/\/127\.0\.0\.1:\d+.*reachable v1\.33\.4/);
    await expect.poll(() => option(page, 'edge').getAttribute('aria-current')).toBe('true');
    // The unreachable one says why in a few words, and the whole sentence on hover.
    const staging = option(page, 'staging');
    await expect
      .poll(() => staging.locator('.badge').textContent(), { timeout: 10_000 })
      .not.toBe('checking…');
    expect(await staging.locator('.badge').getAttribute('class')).toContain('badge-bad');
    expect(await staging.locator('.badge').getAttribute('title')).toContain(`127.0.0.1:${deadPort}`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('switches in two keystrokes (Ctrl+K, a few letters, Enter) without touching the kubeconfig file', async () => {
    const { page } = opened;
    const before = fs.readFileSync(kubeconfig, 'utf8');
    await switchWithKeyboard(page, 'stag');
    await expect
      .poll(() => contextButton(page).getAttribute('aria-label'))
      .toMatch(/^Kubernetes context: staging, /);
    await expect
      .poll(() => page.getByTestId('cluster-reachability').getAttribute('class'), { timeout: 10_000 })
      .toContain('badge-bad');
    expect(fs.readFileSync(kubeconfig, 'utf8')).toBe(before);
    expect((parse(before) as { 'current-context': string })['current-context']).toBe('edge');
    // The first match is chosen as you type: Enter takes it (back to edge).
    await page.keyboard.press('Control+K');
    await page.getByRole('dialog', { name: 'Switch Kubernetes context' }).waitFor();
    await page.keyboard.type('e');
    await expect
      .poll(() =>
        page
          .getByRole('dialog')
          .getByRole('option', { selected: true })
          .locator('.switcher-name')
          .textContent(),
      )
      .toBe('edge');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => contextButton(page).getAttribute('aria-label'))
      .toMatch(/^Kubernetes context: edge, reachable/);
  });

  it('shows a context added to the kubeconfig while the switcher is open (contexts.changed)', async () => {
    const { page } = opened;
    await page.keyboard.press('Control+K');
    await page.getByRole('dialog', { name: 'Switch Kubernetes context' }).waitFor();
    await expect.poll(() => page.getByRole('dialog').getByRole('option').count()).toBe(2);
    fs.writeFileSync(
      kubeconfig,
      kubeconfigYaml(
        [
          { name: 'edge', server: api.url, namespace: 'payments' },
          { name: 'staging', server: `http://127.0.0.1:${deadPort}` },
          { name: 'canary', server: api.url, namespace: 'canary' },
        ],
        'edge',
      ),
    );
    await expect
      .poll(() => page.getByRole('dialog').getByRole('option').count(), { timeout: 10_000 })
      .toBe(3);
    await expect.poll(() => option(page, 'canary').textContent()).toContain('ns canary');
    await page.keyboard.press('Escape');
    expect(opened.problems).toEqual([]);
  });
});

describe.skipIf(!!blocker || !lab)('context switcher on the lab', () => {
  let served: Served;
  let opened: OpenedPage;
  let version: string;

  beforeAll(async () => {
    if (!lab) return;
    version = (
      JSON.parse(kubectl(lab, ['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } }
    ).serverVersion.gitVersion;
    served = await startServe({ kubeconfig: lab.kubeconfig, context: 'lab' });
    opened = await openPage(served.url);
  });
  afterAll(async () => {
    await opened?.context.close();
    await served?.stop();
    await closeBrowser();
  });

  it('shows lab reachable with the server version and the CNI of its nodes', async () => {
    const { page } = opened;
    await expect
      .poll(() => contextButton(page).getAttribute('aria-label'), { timeout: 15_000 })
      .toBe(`Kubernetes context: lab, reachable ${version}. Switch context`);
    // Two Calico nodes and one Flannel node, as the lab builds them.
    await expect
      .poll(() => page.getByTestId('cluster-cni').textContent(), { timeout: 30_000 })
      .toMatch(/CNI: Calico on 2 nodes, Flannel on 1 node/);
  });

  it('lists lab and lab-viewer, both reachable, and switches to lab-viewer with Ctrl+K', async () => {
    const { page } = opened;
    await page.keyboard.press('Control+K');
    await page.getByRole('dialog', { name: 'Switch Kubernetes context' }).waitFor();
    for (const name of ['lab', 'lab-viewer'])
      await expect
        .poll(() => option(page, name).locator('.badge').textContent(), { timeout: 10_000 })
        .toBe(`reachable ${version}`);
    await page.keyboard.type('view');
    await screenshot(page, 'context-switcher');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => contextButton(page).getAttribute('aria-label'))
      .toMatch(/^Kubernetes context: lab-viewer, /);
    await switchWithKeyboard(page, 'lab');
    await expect
      .poll(() => contextButton(page).getAttribute('aria-label'))
      .toMatch(/^Kubernetes context: lab, /);
    expect(opened.problems).toEqual([]);
  });
});
