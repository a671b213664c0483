import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlJson, labState } from '../helpers/lab.js';
import {
  closeBrowser,
  e2eBlocker,
  type OpenedPage,
  openPage,
  type Served,
  screenshot,
  startServe,
  tempDir,
} from './serve.js';

// The selection tree against the lab's `shop` namespace: what kubectl lists is what the tree
// shows; namespaces, workloads, pods and label selectors select what to tap; the selection is the
// session's, remembered by the core and restored after a reload.
const blocker = e2eBlocker();
const { lab, reason: noLab } = labState();
if (blocker || noLab) console.warn(`selection tree e2e tests cannot run: ${blocker ?? noLab}`);

interface KubePod {
  metadata: { name: string; labels: Record<string, string> };
  spec: { nodeName: string };
  status: { podIP: string };
}

const tree = (page: Page) => page.getByRole('tree', { name: 'Namespaces, workloads and pods to tap' });
const item = (page: Page, name: RegExp) => tree(page).getByRole('treeitem', { name });
const summary = (page: Page) => page.getByTestId('selection-summary');

describe.skipIf(!!blocker || !lab)('selection tree on the lab', () => {
  let served: Served;
  let opened: OpenedPage;
  let configHome: string;
  let shopPods: KubePod[];
  let allPods: KubePod[];

  beforeAll(async () => {
    if (!lab) return;
    shopPods = kubectlJson<{ items: KubePod[] }>(lab, ['get', 'pods', '-n', 'shop']).items;
    allPods = kubectlJson<{ items: KubePod[] }>(lab, ['get', 'pods', '-A']).items;
    configHome = tempDir('clustertap-e2e-selection');
    served = await startServe({ kubeconfig: lab.kubeconfig, context: 'lab', configHome });
    opened = await openPage(served.url);
  });
  afterAll(async () => {
    await opened?.context.close();
    await served?.stop();
    await closeBrowser();
    if (configHome) fs.rmSync(configHome, { recursive: true, force: true });
  });

  it('lists every namespace with its pod count, and shop as kubectl lists it: Deployments, pods, nodes, IPs', async () => {
    const { page } = opened;
    await expect
      .poll(() => item(page, /^Namespace shop, /).getAttribute('aria-label'), { timeout: 20_000 })
      .toBe(`Namespace shop, ${shopPods.length} pods`);
    for (const ns of ['default', 'kube-system']) await item(page, new RegExp(`^Namespace ${ns}, `)).waitFor();
    // Open shop and its workloads with the keyboard: End goes to the last namespace (shop).
    await tree(page).focus();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowRight');
    const apps = [...new Set(shopPods.map((p) => p.metadata.labels.app))].sort();
    for (const app of apps) {
      const workload = item(page, new RegExp(`^Deployment ${app}, `));
      await workload.locator('.tree-name').click();
      await page.keyboard.press('ArrowRight');
    }
    for (const pod of shopPods)
      expect(await item(page, new RegExp(`^Pod ${pod.metadata.name} `)).getAttribute('aria-label')).toBe(
        `Pod ${pod.metadata.name} on ${pod.spec.nodeName}, ${pod.status.podIP}`,
      );
  });

  it('finds pods by IP, node and label as you type in the search box', async () => {
    const { page } = opened;
    const search = page.getByRole('searchbox', { name: /^Search namespaces/ });
    // Every namespace's pods on the node (the Flannel DaemonSet's too); shop's counted "n of all".
    const onNode3 = allPods.filter((p) => p.spec.nodeName === 'lab-node-3');
    const shopOnNode3 = shopPods.filter((p) => p.spec.nodeName === 'lab-node-3');
    await search.fill('lab-node-3');
    await expect.poll(() => tree(page).getByRole('treeitem', { name: /^Pod / }).count()).toBe(onNode3.length);
    await expect
      .poll(() => item(page, /^Namespace shop, /).textContent())
      .toContain(`${shopOnNode3.length} of ${shopPods.length}`);
    const first = shopPods[0] as KubePod;
    await search.fill(first.status.podIP);
    await expect
      .poll(() => tree(page).getByRole('treeitem', { name: /^Pod / }).allTextContents())
      .toEqual([expect.stringContaining(first.metadata.name)]);
    await search.fill('app=dns');
    await expect
      .poll(() => tree(page).getByRole('treeitem', { name: /^Pod / }).count())
      .toBe(shopPods.filter((p) => p.metadata.labels.app === 'dns').length);
    await search.fill('');
  });

  it('selects a namespace, a workload, a pod and a label selector with the keyboard, saying what each taps', async () => {
    const { page } = opened;
    const nodes = (pods: KubePod[]) => new Set(pods.map((p) => p.spec.nodeName)).size;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const taps = (pods: KubePod[]) => `Taps ${plural(pods.length, 'pod')} on ${plural(nodes(pods), 'node')}.`;

    await item(page, /^Namespace shop, /)
      .locator('.tree-name')
      .click();
    await page.keyboard.press('Space');
    await expect.poll(() => summary(page).textContent()).toBe(taps(shopPods));
    expect(await item(page, /^Namespace shop, /).getAttribute('aria-checked')).toBe('true');
    await page.keyboard.press('Space'); // and off again
    await expect.poll(() => summary(page).textContent()).toMatch(/^Nothing selected/);

    // A workload: its pods by name.
    await item(page, /^Deployment web, /)
      .locator('.tree-name')
      .click();
    await page.keyboard.press('Space');
    const web = shopPods.filter((p) => p.metadata.labels.app === 'web');
    await expect.poll(() => summary(page).textContent()).toBe(taps(web));
    expect(await item(page, /^Namespace shop, /).getAttribute('aria-checked')).toBe('mixed');

    // One more pod, from another workload: ↓ from the db Deployment is its first pod.
    const db = shopPods
      .filter((p) => p.metadata.labels.app === 'db')
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    await item(page, /^Deployment db, /)
      .locator('.tree-name')
      .click();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await expect.poll(() => summary(page).textContent()).toBe(taps([...web, db[0] as KubePod]));

    // A label selector adds the pods it matches (in every namespace, as the deployer reads it).
    const labels = page.getByRole('textbox', { name: 'Label selector' });
    await labels.fill('app in (dns,');
    await expect.poll(() => labels.getAttribute('aria-invalid')).toBe('true');
    await expect
      .poll(() => page.locator('.selection-panel .inline-error').first().textContent())
      .toContain('label selector');
    await labels.fill('app=dns');
    const dns = shopPods.filter((p) => p.metadata.labels.app === 'dns');
    await expect.poll(() => summary(page).textContent()).toBe(taps([...web, db[0] as KubePod, ...dns]));
    await screenshot(page, 'selection');
  });

  it('remembers the selection for the context (settings.update) and restores it after a reload', async () => {
    const { page } = opened;
    const file = path.join(configHome, 'clustertap', 'settings.json');
    await expect
      .poll(
        () => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).selections?.lab : undefined),
        { timeout: 5000 },
      )
      .toMatchObject({ labelSelector: 'app=dns', namespaces: [] });
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')).selections.lab as { pods: string[] };
    expect(saved.pods).toHaveLength(4); // three web pods and one db pod, by name
    const before = await summary(page).textContent();
    await page.reload();
    await expect.poll(() => summary(page).textContent(), { timeout: 20_000 }).toBe(before);
    expect(await page.getByRole('textbox', { name: 'Label selector' }).inputValue()).toBe('app=dns');
    expect(opened.problems).toEqual([]);
  });
});
