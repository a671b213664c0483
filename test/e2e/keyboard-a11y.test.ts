import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContractDouble, startContractDouble } from './contract-double.js';
import { type FakeApiServer, startFakeApiServer, writeKubeconfig } from './fixtures.js';
import { closeBrowser, e2eBlocker, type OpenedPage, openPage } from './serve.js';

// Everything without a mouse (Wireshark's shortcuts, F6 between regions, Tab to every control),
// focus that can be seen, and a name for every control a screen reader meets — read from
// Chromium's own accessibility tree.
const blocker = e2eBlocker();
if (blocker) console.warn(`keyboard and accessibility e2e tests cannot run: ${blocker}`);

const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el?.dataset.focus ?? el?.getAttribute('aria-label') ?? el?.textContent?.trim().slice(0, 40) ?? '';
  });

interface AxNode {
  nodeId: string;
  ignored: boolean;
  role?: { value: string };
  name?: { value: string };
}

const NAMED_ROLES = new Set([
  'button',
  'textbox',
  'searchbox',
  'combobox',
  'checkbox',
  'radio',
  'tab',
  'tablist',
  'grid',
  'tree',
  'treeitem',
  'listbox',
  'option',
  'spinbutton',
  'link',
  'dialog',
  'table',
  'search',
  'region',
]);

/** Controls in Chromium's accessibility tree that have no accessible name. */
async function unnamedControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AxNode[] };
  await cdp.detach();
  return nodes
    .filter((n) => !n.ignored && NAMED_ROLES.has(n.role?.value ?? '') && !(n.name?.value ?? '').trim())
    .map((n) => `${n.role?.value} #${n.nodeId}`);
}

describe.skipIf(!!blocker)('keyboard and accessibility', () => {
  let api: FakeApiServer;
  let double: ContractDouble;
  let opened: OpenedPage;

  beforeAll(async () => {
    api = await startFakeApiServer('v1.33.4');
    double = await startContractDouble({
      kubeconfig: writeKubeconfig([{ name: 'lab', server: api.url }], 'lab'),
    });
    double.setRate(300);
    opened = await openPage(double.url);
    const { page } = opened;
    // A running tap with packets, a selected packet: every pane has its controls.
    await page.getByRole('textbox', { name: 'Label selector' }).fill('app=web');
    await page.keyboard.press('Control+E');
    await page.locator('[data-testid="tap-phase"]', { hasText: 'running' }).waitFor({ timeout: 10_000 });
    while (double.count < 100) await page.waitForTimeout(100);
    double.setRate(0);
  });
  afterAll(async () => {
    await opened?.context.close();
    await double?.stop();
    await api?.close();
    await closeBrowser();
  });

  it('goes to each region with its Wireshark shortcut, and F6 cycles through them in reading order', async () => {
    const { page } = opened;
    await page.keyboard.press('Control+F');
    expect(await focused(page)).toBe('display-filter');
    await page.keyboard.press('Control+Shift+F');
    expect(await focused(page)).toBe('capture-filter');
    await page.keyboard.press('Control+L');
    expect(await focused(page)).toBe('selection-search');
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('F6');
      seen.push(await focused(page));
    }
    // The protocol tree and hex dump join once a packet is selected.
    expect(seen).toEqual([
      'capture-filter',
      'display-filter',
      'packet-list',
      'selection-search',
      'capture-filter',
      'display-filter',
    ]);
    await page.keyboard.press('Shift+F6');
    expect(await focused(page)).toBe('capture-filter');
  });

  it('selects packets with the arrow keys, goes to a packet by number (Ctrl+G), and Enter/Escape move between list and tree', async () => {
    const { page } = opened;
    await page.keyboard.press('Control+G');
    const dialog = page.getByRole('dialog', { name: 'Go to packet' });
    await dialog.waitFor();
    await page.keyboard.type('42');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.detail-header strong').textContent()).toBe('Packet 42');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('.detail-header strong').textContent()).toBe('Packet 43');
    await page.keyboard.press('Enter');
    expect(await focused(page)).toBe('protocol-tree');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Escape');
    expect(await focused(page)).toBe('packet-list');
    await page.keyboard.press('F6');
    expect(await focused(page)).toBe('protocol-tree');
    await page.keyboard.press('F6');
    expect(await focused(page)).toBe('hex-dump');
  });

  it('opens and closes every dialog from the keyboard, giving the focus back', async () => {
    const { page } = opened;
    await page.keyboard.press('Control+F');
    for (const [keys, name] of [
      ['Control+K', 'Switch Kubernetes context'],
      ['Control+S', 'Save packets'],
      ['Control+G', 'Go to packet'],
    ] as const) {
      await page.keyboard.press(keys);
      const dialog = page.getByRole('dialog', { name });
      await dialog.waitFor();
      expect(await unnamedControls(page), `unnamed controls in ${name}`).toEqual([]);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await focused(page), `focus after closing ${name}`).toBe('display-filter');
    }
    // ? is a character, not a shortcut, while typing.
    await page.keyboard.type('?');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.keyboard.press('Escape');
  });

  it('the shortcuts dialog (?) lists every shortcut the handler knows', async () => {
    const { page } = opened;
    await page.locator('body').click({ position: { x: 5, y: 890 } });
    await page.keyboard.press('Shift+?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    expect(await unnamedControls(page)).toEqual([]);
    const text = await dialog.textContent();
    for (const keys of [
      'Ctrl+K',
      'Ctrl+E',
      'Ctrl+F',
      'Ctrl+Shift+F',
      'Ctrl+S',
      'Ctrl+O',
      'Ctrl+G',
      'F6',
      'Ctrl+M',
    ])
      expect(text).toContain(keys);
    await page.keyboard.press('Escape');
  });

  it('opens the browser’s file chooser for Ctrl+O (a capture to upload)', async () => {
    const { page } = opened;
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Control+O');
    expect((await chooser).isMultiple()).toBe(false);
  });

  it('reaches every control with Tab, and shows where the focus is', async () => {
    const { page } = opened;
    await page.locator('body').click({ position: { x: 5, y: 890 } });
    const reached = new Set<string>();
    const invisible: string[] = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const { id, outline } = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        // Past the last control the browser's own UI has the focus: the page reports <body>.
        if (el === document.body) return { id: 'body', outline: 'browser' };
        const style = getComputedStyle(el);
        return {
          id:
            el.dataset.focus ??
            el.getAttribute('aria-label') ??
            el.textContent?.trim().slice(0, 30) ??
            el.tagName,
          outline: `${style.outlineStyle} ${style.outlineWidth}`,
        };
      });
      reached.add(id);
      if (outline.startsWith('none') || outline.endsWith(' 0px')) invisible.push(id);
    }
    for (const expected of [
      'tap-button',
      'Open…',
      'Save…',
      'selection-search',
      'Label selector',
      'Namespaces, workloads and pods to tap',
      'capture-filter',
      'display-filter',
      'Packets',
      'packet-list',
      'protocol-tree',
      'hex-dump',
    ])
      expect([...reached], `Tab reaches ${expected}`).toContain(expected);
    expect(invisible, 'controls focused without a visible outline').toEqual([]);
  });

  it('gives every control in the main window an accessible name, and the key ones their shortcuts', async () => {
    const { page } = opened;
    expect(await unnamedControls(page)).toEqual([]);
    const shortcuts = await page
      .locator('[aria-keyshortcuts]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-keyshortcuts')));
    for (const keys of ['Control+K', 'Control+E', 'Control+F', 'Control+Shift+F', 'Control+O', 'Control+S'])
      expect(shortcuts).toContain(keys);
    // The structure a screen reader announces.
    const snapshot = await page.locator('body').ariaSnapshot();
    for (const line of [
      'button "Kubernetes context: lab',
      'tree "Namespaces, workloads and pods to tap"',
      'textbox "Display filter (Wireshark syntax); Enter applies"',
      'grid "Packets"',
      'tree "Protocol tree of packet',
      'region "Packet bytes:',
      'tablist "View"',
    ])
      expect(snapshot).toContain(line);
    expect(opened.problems).toEqual([]);
  });
});
