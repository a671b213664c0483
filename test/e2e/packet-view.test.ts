import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLOURING_RULE_BY_NAME } from '../../main/dissect/colour.js';
import { contract } from '../../main/ipc/contract/index.js';
import { type ContractDouble, startContractDouble } from './contract-double.js';
import { type FakeApiServer, startFakeApiServer, writeKubeconfig } from './fixtures.js';
import { closeBrowser, e2eBlocker, type OpenedPage, openPage, tempDir } from './serve.js';

// The live packet view against the contract double (test/e2e/contract-double.ts): the real UI and
// the real serve server, with synthetic traffic at rates the lab cannot make. What the real core
// does with a real tap is in tap-lab.test.ts.
const blocker = e2eBlocker();
if (blocker) console.warn(`packet view e2e tests cannot run: ${blocker}`);

const list = (page: Page) => page.getByRole('grid', { name: 'Packets' });
const renderedNumbers = (page: Page) =>
  list(page)
    .locator('.packet-row:not(.loading) .cell:first-child')
    .allTextContents()
    .then((texts) => texts.map(Number));
const counts = async (page: Page) => {
  const text = (await page.getByTestId('packet-counts').textContent()) ?? '';
  const [, all, shown] = /Packets ([\d,]+) · Displayed ([\d,]+)/.exec(text) ?? [];
  return { all: Number(all?.replaceAll(',', '')), shown: Number(shown?.replaceAll(',', '')) };
};

/** The byte offsets the hex dump highlights (its `byte hl` spans, each with offset and length). */
const litBytes = (page: Page) =>
  page.locator('.hex-bytes .byte.hl').evaluateAll((els) =>
    els.flatMap((e) => {
      const from = Number(e.getAttribute('data-offset'));
      return Array.from({ length: Number(e.getAttribute('data-length')) }, (_, i) => from + i);
    }),
  );

/** Clicks byte `offset` in the hex column: its two digits' place in the line's monospace text. */
async function clickByte(page: Page, offset: number): Promise<void> {
  const column = page
    .locator('.hex-line')
    .nth(Math.floor(offset / 16))
    .locator('.hex-bytes');
  const { width, chars } = await column.evaluate((el) => ({
    width: el.getBoundingClientRect().width,
    chars: el.textContent?.length ?? 0,
  }));
  const i = offset % 16;
  const char = i * 3 + (i >= 8 ? 1 : 0); // "xx xx xx xx xx xx xx xx  xx …"
  await column.click({ position: { x: ((char + 1) * width) / chars, y: 5 } });
}

async function startTapping(page: Page): Promise<void> {
  // The fixture cluster has no pods: a label selector is a selection all the same.
  await page.getByRole('textbox', { name: 'Label selector' }).fill('app=web');
  await page.keyboard.press('Control+E');
  await expect.poll(() => page.getByTestId('tap-phase').textContent(), { timeout: 10_000 }).toBe('running');
}

describe.skipIf(!!blocker)('live packet view (contract double)', () => {
  let api: FakeApiServer;
  let double: ContractDouble;
  let opened: OpenedPage;

  beforeAll(async () => {
    api = await startFakeApiServer('v1.33.4');
    double = await startContractDouble({
      kubeconfig: writeKubeconfig([{ name: 'lab', server: api.url }], 'lab'),
    });
    opened = await openPage(double.url);
  });
  afterAll(async () => {
    await opened?.context.close();
    await double?.stop();
    await api?.close();
    await closeBrowser();
  });

  it('follows the newest packets while they arrive, stays put when the user scrolls up, and End follows again', async () => {
    const { page } = opened;
    double.setRate(2000);
    await startTapping(page);
    await expect.poll(async () => (await counts(page)).all, { timeout: 10_000 }).toBeGreaterThan(3000);
    // At the tail: the last rendered row is the newest displayed packet (give or take one batch).
    await expect
      .poll(async () => (await counts(page)).shown - Math.max(...(await renderedNumbers(page))))
      .toBeLessThan(400);
    await list(page).locator('.packet-viewport').hover();
    await page.mouse.wheel(0, -2000);
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('paused at your position');
    // The rows scrolled to arrive from packets.rows; then they stay while packets keep coming.
    await expect.poll(() => list(page).locator('.packet-row.loading').count()).toBe(0);
    const top = (await renderedNumbers(page))[0];
    expect(top).toBeGreaterThan(0);
    await page.waitForTimeout(800);
    expect((await renderedNumbers(page))[0]).toBe(top);
    await list(page).focus();
    await page.keyboard.press('End');
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('following new packets');
  });

  it('stays smooth while ingesting 100 000 packets/s: frames keep coming, only the visible rows exist', async () => {
    const { page } = opened;
    // At the tail, as an engineer watching live traffic is.
    await list(page).focus();
    await page.keyboard.press('End');
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('following new packets');
    const before = double.requests.length;
    await page.evaluate(() => {
      const w = window as unknown as { perf: { gaps: number[]; longTasks: number[]; stop: boolean } };
      w.perf = { gaps: [], longTasks: [], stop: false };
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) w.perf.longTasks.push(e.duration);
      }).observe({ type: 'longtask' });
      let last = performance.now();
      const tick = (now: number) => {
        w.perf.gaps.push(now - last);
        last = now;
        if (!w.perf.stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const start = (await counts(page)).all;
    double.setRate(100_000);
    await page.waitForTimeout(4000);
    const perf = await page.evaluate(() => {
      const w = window as unknown as { perf: { gaps: number[]; longTasks: number[]; stop: boolean } };
      w.perf.stop = true;
      return w.perf;
    });
    double.setRate(0);
    const ingested = (await counts(page)).all - start;
    const rowsRequests = double.requests.slice(before).filter((r) => r.channel === 'packets.rows').length;
    const rowsInDom = await list(page).locator('.packet-row').count();
    const gaps = [...perf.gaps].sort((a, b) => a - b);
    const p95 = gaps[Math.floor(gaps.length * 0.95)] ?? Number.POSITIVE_INFINITY;
    console.log(
      `100k pkt/s for 4 s: ${ingested} packets shown, ${gaps.length} frames (p95 gap ${p95.toFixed(1)} ms), ` +
        `long tasks ${perf.longTasks.map((d) => d.toFixed(0)).join(', ') || 'none'}, ${rowsRequests} packets.rows requests, ${rowsInDom} rows in the DOM`,
    );
    expect(ingested).toBeGreaterThan(250_000);
    expect(gaps.length).toBeGreaterThan(100); // well over 25 frames a second
    expect(p95).toBeLessThan(80);
    expect(Math.max(0, ...perf.longTasks)).toBeLessThan(250);
    // Batched: the list asks for the tail a few times per packets.changed (≤ 10/s), not per packet.
    expect(rowsRequests).toBeGreaterThan(10);
    expect(rowsRequests).toBeLessThan(160);
    expect(rowsInDom).toBeLessThan(80);
  });

  it('never paints a frame of placeholders while following 100 000 packets/s: it moves to a tail once its rows are there', async () => {
    const { page } = opened;
    await list(page).focus();
    await page.keyboard.press('End');
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('following new packets');
    await expect.poll(() => list(page).locator('.packet-row.loading').count()).toBe(0);
    // Every animation frame: how many rows the list shows and how many of them are placeholders.
    await page.evaluate(() => {
      const w = window as unknown as {
        frames: { rows: number; waiting: number; last: number }[];
        stop: boolean;
      };
      w.frames = [];
      w.stop = false;
      const tick = () => {
        const layer = document.querySelector('.packet-layer');
        const numbers = [...(layer?.querySelectorAll('.packet-row:not(.loading) .cell:first-child') ?? [])];
        w.frames.push({
          rows: layer?.children.length ?? 0,
          waiting: layer?.getElementsByClassName('loading').length ?? 0,
          last: Number(numbers.at(-1)?.textContent ?? 0),
        });
        if (!w.stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    double.setRate(100_000);
    await page.waitForTimeout(4000);
    const frames = await page.evaluate(() => {
      const w = window as unknown as {
        frames: { rows: number; waiting: number; last: number }[];
        stop: boolean;
      };
      w.stop = true;
      return w.frames;
    });
    double.setRate(0);
    const blank = frames.filter((f) => f.waiting > 0).length;
    const moves = new Set(frames.map((f) => f.last)).size;
    console.log(
      `following at 100k pkt/s: ${frames.length} frames, ${blank} with placeholders, the tail moved ${moves - 1} times`,
    );
    expect(frames.length).toBeGreaterThan(100);
    // The rows existed from the first frame (End waited for them above), and the list only moves
    // to a tail whose rows have arrived, so no frame needs a placeholder: zero, exactly. (Before
    // the fix about two frames in three were all placeholders.) The only way to get one here
    // would be the row cache dropping the rows in view, which it must not do either.
    expect(blank).toBe(0);
    // And it did follow: the newest row shown kept moving (≥ 10 packets.changed in 4 s).
    expect(moves).toBeGreaterThan(10);
  });

  it('colours each row by the Wireshark default colouring rule the row carries', async () => {
    const { page } = opened;
    const expected = ['HTTP', 'UDP', 'ICMP', 'TCP SYN/FIN'] as const;
    for (const name of expected) {
      const rule = COLOURING_RULE_BY_NAME.get(name);
      if (!rule) throw new Error(`no colouring rule ${name}`);
      const row = list(page).locator(`.packet-row[title="Colouring rule: ${name}"]`).first();
      const [bg, fg] = await row.evaluate((el) => [
        getComputedStyle(el).backgroundColor,
        getComputedStyle(el).color,
      ]);
      const rgb = (hex: string) =>
        `rgb(${[1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
      expect({ name, bg, fg }).toEqual({ name, bg: rgb(rule.background), fg: rgb(rule.foreground) });
    }
  });

  it('moves through packets with the keyboard and shows the protocol tree and bytes; tree and hex select each other', async () => {
    const { page } = opened;
    await list(page).focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.locator('.detail-header strong').textContent()).toBe('Packet 1');
    expect(await list(page).getAttribute('aria-activedescendant')).toBe('packet-row-0');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('.detail-header strong').textContent()).toBe('Packet 4');
    await expect
      .poll(() => page.locator('.detail-header').textContent())
      .toContain('shop/web-649f58f58-6v7bt');
    await page.keyboard.press('Enter');
    const tree = page.getByRole('tree', { name: 'Protocol tree of packet 4' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-focus'))).toBe(
      'protocol-tree',
    );
    // Down to the IPv4 line, open it, down to the destination address.
    await page.keyboard.press('Home');
    const ip = tree.getByRole('treeitem', { name: /^Internet Protocol Version 4/ });
    while ((await ip.getAttribute('aria-selected')) !== 'true') await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    const destination = tree.getByRole('treeitem', { name: /^Destination Address: 10\.244\.2\.3/ });
    while ((await destination.getAttribute('aria-selected')) !== 'true')
      await page.keyboard.press('ArrowDown');
    // Ethernet (14) + IPv4 destination at 16: bytes 30..33 lit in the hex dump.
    await expect.poll(() => litBytes(page)).toEqual([30, 31, 32, 33]);
    // The same bytes in the ASCII column.
    expect(
      await page
        .locator('.hex-ascii .char.hl')
        .evaluateAll((els) => els.map((e) => e.textContent ?? '').join('').length),
    ).toBe(4);
    // The dump is text, not an element per byte: a highlight span or two per line at most.
    expect(await page.locator('.hex-dump .hex-bytes span').count()).toBeLessThanOrEqual(3);
    // Clicking a byte selects the deepest field there: byte 23 is IPv4's protocol field.
    await clickByte(page, 23);
    await expect
      .poll(() => tree.getByRole('treeitem', { selected: true }).textContent())
      .toMatch(/^.?Protocol: TCP \(6\)/);
    // A byte of the TCP header: the deepest field is inside TCP, and its line is opened to show it.
    await clickByte(page, 36);
    await expect
      .poll(() => tree.getByRole('treeitem', { selected: true }).textContent())
      .toMatch(/Destination Port: 8080/);
    // The hex dump moves its cursor with the arrow keys too.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect
      .poll(() => tree.getByRole('treeitem', { selected: true }).textContent())
      .toMatch(/Source Port: 4000\d/);
    expect(
      await page
        .locator('.hex-bytes .cursor')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-offset'))),
    ).toEqual(['34']);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-focus'))).toBe('packet-list');
    await page.keyboard.press('PageDown');
    await expect.poll(() => page.locator('.detail-header strong').textContent()).not.toBe('Packet 4');
  });

  it('loads the detail once a PageDown key repeat stops, not once a press; a single press loads it at once', async () => {
    const { page } = opened;
    await list(page).focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.locator('.detail-header strong').textContent()).toBe('Packet 1');
    const details = () => double.requests.filter((r) => r.channel === 'packets.detail').length;
    // A single press: the detail comes at once (the next packet, well before a repeat's delay).
    const single = details();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('.detail-header strong').textContent()).toBe('Packet 2');
    expect(details()).toBe(single + 1);
    await page.waitForTimeout(300);
    // Held down: the first keydown, then 24 with `repeat` set (Playwright sets it for a key already
    // down), about 30 ms apart like a keyboard's auto-repeat.
    const before = details();
    const presses = 25;
    for (let i = 0; i < presses; i++) {
      await page.keyboard.down('PageDown');
      await page.waitForTimeout(30);
    }
    await page.keyboard.up('PageDown');
    const selected = Number(await list(page).locator('.packet-row.selected .cell:first-child').textContent());
    expect(selected).toBeGreaterThan(presses * 10);
    await expect.poll(() => page.locator('.detail-header strong').textContent()).toBe(`Packet ${selected}`);
    await page.waitForTimeout(300);
    const asked = details() - before;
    console.log(`PageDown held for ${presses} keydowns: ${asked} packets.detail requests`);
    // The first keydown (a press like any other) and the one at the key-up: 2. A held key's repeats
    // wait for the key-up, with a 300 ms fallback in case it never comes; a loaded machine (a CI run
    // beside this one) can stretch one gap between repeats past that, so up to 4, against 25 before.
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(asked).toBeLessThanOrEqual(4);
  });

  it('narrows the list with the display filter and shows why a filter does not read', async () => {
    const { page } = opened;
    await page.keyboard.press('Control+F');
    await page.keyboard.type('dnss');
    await expect
      .poll(() => page.getByTestId('display-filter-message').textContent())
      .toBe('"dnss" is neither a field nor a protocol name.');
    await page.keyboard.press('Backspace');
    await expect.poll(() => page.getByTestId('display-filter-message').textContent()).toBe('Enter applies');
    await page.keyboard.press('Enter');
    // Packet n is template (n-1) % 8; the two DNS templates are the 6th and 7th of every eight.
    const dnsPackets = Math.floor(double.count / 8) * 2 + Math.max(0, Math.min(2, (double.count % 8) - 5));
    await expect.poll(async () => (await counts(page)).shown).toBe(dnsPackets);
    const protocols = () =>
      list(page).locator('.packet-row:not(.loading) .cell:nth-child(7)').allTextContents();
    await expect.poll(async () => (await protocols()).length).toBeGreaterThan(5);
    expect(new Set(await protocols())).toEqual(new Set(['DNS']));
    await page.keyboard.press('Control+F');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await counts(page)).shown).toBe(double.count);
  });

  it('saves all, displayed or marked packets (the browser downloads the pcapng) and says why Wireshark cannot open', async () => {
    const { page } = opened;
    const saves = () => double.requests.filter((r) => r.channel === 'capture.save').map((r) => r.payload);
    await list(page).focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.locator('.detail-header strong').textContent()).toBe('Packet 1');
    await page.keyboard.press('Control+M');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Control+M');
    await expect.poll(() => page.locator('.packet-row.marked').count()).toBe(2);
    for (const [label, which] of [
      ['Displayed packets', 'displayed'],
      ['Marked packets', { selected: [1, 3] }],
    ] as const) {
      await page.keyboard.press('Control+S');
      const dialog = page.getByRole('dialog', { name: 'Save packets' });
      await dialog.getByRole('radio', { name: new RegExp(`^${label}`) }).check();
      const download = page.waitForEvent('download');
      await dialog.getByRole('button', { name: 'Save as pcapng…' }).click();
      expect((await download).suggestedFilename()).toBe('double.pcapng');
      await expect.poll(() => saves().at(-1)).toEqual({ which });
    }
    await page.keyboard.press('Control+S');
    await page
      .getByRole('dialog', { name: 'Save packets' })
      .getByRole('button', { name: 'Open in Wireshark' })
      .click();
    await expect
      .poll(() => page.locator('.notice-warning').textContent())
      .toContain('Wireshark is not installed');
  });

  it('shows flows with the pods at both ends, and every stage counter with the rate chart', async () => {
    const { page } = opened;
    double.setRate(500);
    await page.keyboard.press('Control+2');
    const flows = page.locator('.flows-table tbody tr');
    await expect.poll(() => flows.count()).toBe(2);
    expect(await flows.first().textContent()).toContain('shop/web-649f58f58-6v7bt');
    await expect
      .poll(() => page.getByRole('list', { name: 'Broker stages, in order' }).textContent())
      .toMatch(/received [\d,]+.*written [\d,]+/);
    expect(await page.locator('.rate-chart .rate-line').getAttribute('d')).toMatch(/^M0\.0,/);
    await page.keyboard.press('Control+1');
    await list(page).waitFor();
  });

  it('scrolls by moving one layer: the rows still in view keep their element and their place', async () => {
    const { page } = opened;
    await list(page).locator('.packet-viewport').hover();
    await page.mouse.wheel(0, -4000);
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('paused at your position');
    await expect.poll(() => list(page).locator('.packet-row.loading').count()).toBe(0);
    type Probe = { id: string; top: string; same: boolean };
    // Each row element remembers the row it showed when tagged; `same`: it still shows that row.
    const read = (tag: boolean) =>
      page.evaluate(
        (tag) =>
          [...document.querySelectorAll<HTMLElement>('.packet-layer .packet-row')].map((row) => {
            const tagged = row as HTMLElement & { probe?: string };
            const same = tagged.probe === row.id;
            if (tag) tagged.probe = row.id;
            return { id: row.id, top: row.style.top, same };
          }),
        tag,
      );
    const before: Probe[] = await read(true);
    await page.mouse.wheel(0, 3 * 20);
    await expect.poll(async () => (await read(false))[0]?.id).not.toBe(before[0]?.id);
    const after: Probe[] = await read(false);
    const kept = after.filter((row) => before.some((b) => b.id === row.id));
    expect(kept.length).toBeGreaterThan(10);
    // Keyed by packet (display index), not by slot: the same element, not a re-used one re-filled.
    expect(kept.every((row) => row.same)).toBe(true);
    // Placed from an anchor that moves every 512 rows: unchanged unless the scroll crossed one.
    const moved = kept.filter((row) => row.top !== before.find((b) => b.id === row.id)?.top).length;
    expect([0, kept.length]).toContain(moved);
  });

  it('stops with Ctrl+E, and the packets stay', async () => {
    const { page } = opened;
    await page.keyboard.press('Control+E');
    await expect.poll(() => page.getByTestId('tap-phase').textContent(), { timeout: 10_000 }).toBe('idle');
    expect((await counts(page)).all).toBeGreaterThan(0);
    expect(opened.problems).toEqual([]);
  });
});

describe.skipIf(!!blocker)('tap progress and problems (contract double)', () => {
  let api: FakeApiServer;
  let kubeconfig: string;

  beforeAll(async () => {
    api = await startFakeApiServer('v1.33.4');
    kubeconfig = writeKubeconfig([{ name: 'lab', server: api.url }], 'lab');
  });
  afterAll(async () => {
    await api?.close();
    await closeBrowser();
  });

  it('shows per-node progress, the reason a node fails, and the transport in use and why', async () => {
    const double = await startContractDouble({ kubeconfig, failingNode: 'lab-node-3' });
    const { page, context, problems } = await openPage(double.url);
    try {
      await startTapping(page);
      const table = page.getByRole('table', { name: 'Tap progress per node' });
      await expect.poll(() => table.locator('tbody tr').first().textContent()).toMatch(/^lab-node-1ready/);
      await expect.poll(() => table.textContent()).toContain('lab-node-3problem');
      expect(await table.textContent()).toContain('image pull failed: ErrImagePull');
      expect(await page.getByTestId('tap-transport').textContent()).toBe(
        "Transport: vxlan — the agents' tunnel probes arrive here",
      );
      expect(
        await page.getByRole('button', { name: /^Stop tapping/ }).getAttribute('aria-keyshortcuts'),
      ).toBe('Control+E');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      await double.stop();
    }
  });

  it('names every missing permission when the cluster refuses the deploy', async () => {
    const double = await startContractDouble({ kubeconfig, forbidTap: true });
    const { page, context } = await openPage(double.url);
    try {
      await page.getByRole('textbox', { name: 'Label selector' }).fill('app=web');
      await page.keyboard.press('Control+E');
      const panel = page.getByRole('alert').filter({ hasText: 'Missing permissions' });
      await panel.waitFor();
      expect(await panel.getByRole('listitem').allTextContents()).toEqual([
        'create daemonsets.apps in clustertap',
        'create leases.coordination.k8s.io in clustertap',
        'create roles.rbac.authorization.k8s.io in shop',
      ]);
      expect(await panel.textContent()).toContain('lab-viewer may not deploy the tap agents');
      expect(await page.getByTestId('tap-phase').textContent()).toBe('failed');
    } finally {
      await context.close();
      await double.stop();
    }
  });
});

// Column layout and range marking: a Wireshark user's habits. Settings go through the real core's
// settings store on a file, so a reload, and a second double on the same file (a restart), read
// back what settings.update saved.
describe.skipIf(!!blocker)('column layout and range marking (contract double)', () => {
  const PACKETS = 500;
  let api: FakeApiServer;
  let kubeconfig: string;
  let configDir: string;
  let settingsFile: string;
  let double: ContractDouble;
  let opened: OpenedPage;

  const open = async () => {
    double = await startContractDouble({ kubeconfig, settingsFile });
    double.add(PACKETS);
    opened = await openPage(double.url);
    // (expect.poll belongs in tests; this runs in beforeAll too.)
    await list(opened.page).locator('.packet-row:not(.loading)').first().waitFor();
  };
  const headerCell = (page: Page, id: string) =>
    list(page).locator(`[role="columnheader"][data-col="${id}"]`);
  const headerTitles = (page: Page) => list(page).getByRole('columnheader').allTextContents();
  /** The width of every shown column, from the header, and whether the rows' cells agree. */
  const widths = (page: Page) =>
    list(page).evaluate((grid) => {
      const out: Record<string, number> = {};
      for (const cell of grid.querySelectorAll<HTMLElement>('[role="columnheader"]')) {
        const id = cell.dataset.col as string;
        const width = Math.round(cell.getBoundingClientRect().width);
        const row = grid.querySelector<HTMLElement>(`.packet-row:not(.loading) .cell[data-col="${id}"]`);
        out[id] = row && Math.round(row.getBoundingClientRect().width) !== width ? -1 : width;
      }
      return out;
    });
  const truncated = (page: Page, id: string) =>
    list(page)
      .locator(`.packet-row:not(.loading) .cell[data-col="${id}"]`)
      .evaluateAll((cells) => cells.filter((c) => c.scrollWidth > c.clientWidth).length);
  const layoutUpdates = () =>
    double.requests.filter(
      (r) => r.channel === 'settings.update' && (r.payload as { columns?: unknown }).columns !== undefined,
    );
  /** Drags a column's right edge by dx px, in small steps like a hand does. */
  const dragEdge = async (page: Page, id: string, dx: number) => {
    const box = await list(page).locator(`.column-resizer[data-resize="${id}"]`).boundingBox();
    if (!box) throw new Error(`no resize handle for ${id}`);
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + dx / 2, y, { steps: 8 });
    await page.mouse.move(x + dx, y, { steps: 8 });
    await page.mouse.up();
  };
  const packetRow = (page: Page, number: number) =>
    // No display filter, no ring drops: packet n is display index n - 1, grid row n + 1.
    list(page).locator(`.packet-row[aria-rowindex="${number + 1}"]`);
  const markedNumbers = (page: Page) =>
    list(page)
      .locator('.packet-row.marked .cell[data-col="number"]')
      .allTextContents()
      .then((t) => t.map(Number).sort((a, b) => a - b));

  beforeAll(async () => {
    api = await startFakeApiServer('v1.33.4');
    kubeconfig = writeKubeconfig([{ name: 'lab', server: api.url }], 'lab');
    configDir = tempDir('clustertap-columns');
    settingsFile = path.join(configDir, 'settings.json');
    await open();
  });
  afterAll(async () => {
    await opened?.context.close();
    await double?.stop();
    await api?.close();
    await closeBrowser();
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  it('resizes a column by dragging its header edge: header and rows follow, saved once after the drag', async () => {
    const { page } = opened;
    const before = await widths(page);
    expect(before).toMatchObject({ number: 72, time: 96, source: 130, destination: 130 });
    expect(await headerTitles(page)).toEqual([
      'No.',
      'Time',
      'Node',
      'Namespace/Pod',
      'Source',
      'Destination',
      'Protocol',
      'Length',
      'Info',
    ]);
    await dragEdge(page, 'source', 80);
    const after = await widths(page);
    expect(after.source).toBe(210);
    // Only that column changed; Info gave up the room, down to its minimum (then the list scrolls).
    expect({ ...after, source: 0, info: 0 }).toEqual({ ...before, source: 0, info: 0 });
    expect(after.info).toBe(Math.max(240, (before.info as number) - 80));
    // Debounced: nothing yet, then one settings.update for the whole drag, in the contract's shape.
    expect(layoutUpdates()).toHaveLength(0);
    await expect.poll(() => layoutUpdates().length, { timeout: 3000 }).toBe(1);
    await page.waitForTimeout(700);
    expect(layoutUpdates()).toHaveLength(1);
    const payload = contract.requests['settings.update'].payload.parse(layoutUpdates()[0]?.payload);
    expect(payload.columns?.packets).toContainEqual({ id: 'source', width: 210, visible: true });
    expect(double.settings().columns.packets).toContainEqual({ id: 'source', width: 210, visible: true });
    // Never narrower than the minimum.
    await dragEdge(page, 'destination', -300);
    expect((await widths(page)).destination).toBe(32);
  });

  it('fits a column to its widest visible cell with a double-click on its edge', async () => {
    const { page } = opened;
    expect(await truncated(page, 'destination')).toBeGreaterThan(0);
    await list(page).locator('.column-resizer[data-resize="destination"]').dblclick();
    await expect.poll(async () => (await widths(page)).destination).toBeGreaterThan(32);
    const fitted = (await widths(page)).destination as number;
    expect(fitted).toBeLessThan(130);
    expect(await truncated(page, 'destination')).toBe(0);
    // The header's title counts too; the column is no wider than its widest text needs.
    const slack = await list(page)
      .locator(
        '.packet-row:not(.loading) .cell[data-col="destination"], [role="columnheader"][data-col="destination"] .cell-label',
      )
      .evaluateAll((cells) =>
        Math.min(
          ...cells.map((c) => {
            const range = document.createRange();
            range.selectNodeContents(c);
            const cell = c.closest('.cell') as HTMLElement;
            return cell.clientWidth - range.getBoundingClientRect().width;
          }),
        ),
      );
    expect(slack).toBeGreaterThanOrEqual(0);
    expect(slack).toBeLessThan(12);
  });

  it('hides and shows columns from the header context menu (right-click, Shift+F10); Info stays last', async () => {
    const { page } = opened;
    await headerCell(page, 'node').click({ button: 'right' });
    const menu = page.getByRole('menu', { name: 'Packet list columns' });
    await menu.waitFor();
    expect(await menu.getByRole('menuitemcheckbox', { name: 'Node' }).getAttribute('aria-checked')).toBe(
      'true',
    );
    await menu.getByRole('menuitemcheckbox', { name: 'Node' }).click();
    await expect.poll(() => headerTitles(page)).not.toContain('Node');
    expect(await list(page).locator('.packet-row .cell[data-col="node"]').count()).toBe(0);
    expect(await menu.getByRole('menuitemcheckbox', { name: 'Node' }).getAttribute('aria-checked')).toBe(
      'false',
    );
    // Info cannot go: it is the flexible last column.
    const info = menu.getByRole('menuitemcheckbox', { name: /^Info/ });
    expect(await info.getAttribute('aria-disabled')).toBe('true');
    await info.click({ force: true });
    expect((await headerTitles(page)).at(-1)).toBe('Info');
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);

    // The keyboard way: a header cell focused, Shift+F10, ↓ to Length, Space.
    await headerCell(page, 'time').focus();
    await page.keyboard.press('Shift+F10');
    await menu.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/No\.$/);
    while (!/Length$/.test((await page.evaluate(() => document.activeElement?.textContent)) ?? ''))
      await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await expect.poll(() => headerTitles(page)).not.toContain('Length');
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-col'))).toBe('time');
    expect(await headerTitles(page)).toEqual([
      'No.',
      'Time',
      'Namespace/Pod',
      'Source',
      'Destination',
      'Protocol',
      'Info',
    ]);
    expect(await list(page).getAttribute('aria-colcount')).toBe('7');
    // Info takes what is left: its right edge is the header's.
    const [infoRight, rowRight] = await list(page).evaluate((grid) => [
      grid.querySelector('[role="columnheader"][data-col="info"]')?.getBoundingClientRect().right,
      grid.querySelector('.packet-header-row')?.getBoundingClientRect().right,
    ]);
    expect(infoRight).toBe(rowRight);
  });

  it('resizes the focused header cell with Alt+←/Alt+→ (10 px a press); ←/→ move between header cells', async () => {
    const { page } = opened;
    const url = page.url();
    // Tab from the rows reaches the header (one Tab stop: the cell focused last).
    await list(page).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-col'))).toBe('time');
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-col'))).toBe('protocol');
    const before = (await widths(page)).protocol as number;
    for (let i = 0; i < 3; i++) await page.keyboard.press('Alt+ArrowRight');
    await page.keyboard.press('Alt+ArrowLeft');
    expect((await widths(page)).protocol).toBe(before + 20);
    expect(await page.locator('.packet-header [aria-live]').textContent()).toBe(`Protocol ${before + 20} px`);
    // Alt+← is the page's, not the browser's Back.
    expect(page.url()).toBe(url);
    expect(await headerCell(page, 'protocol').getAttribute('aria-keyshortcuts')).toContain('Alt+ArrowRight');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-focus'))).toBe('packet-list');
  });

  it('keeps the layout across a page reload and a restart of the app (settings.update, then settings.get)', async () => {
    let { page } = opened;
    const layout = await widths(page);
    const titles = await headerTitles(page);
    expect(Object.values(layout)).not.toContain(-1);
    // Saved within a moment of the last change.
    await expect
      .poll(() => double.settings().columns.packets?.find((c) => c.id === 'protocol')?.width)
      .toBe(layout.protocol);
    expect(double.settings().columns.packets).toEqual([
      { id: 'number', width: 72, visible: true },
      { id: 'time', width: 96, visible: true },
      { id: 'node', width: 96, visible: false },
      { id: 'pod', width: 210, visible: true },
      { id: 'source', width: 210, visible: true },
      { id: 'destination', width: layout.destination, visible: true },
      { id: 'protocol', width: layout.protocol, visible: true },
      { id: 'length', width: 60, visible: false },
      { id: 'info', visible: true },
    ]);

    await page.reload();
    await expect.poll(async () => (await counts(page)).shown).toBe(PACKETS);
    await expect.poll(() => headerTitles(page)).toEqual(titles);
    await expect.poll(() => widths(page)).toEqual(layout);

    // A change made just before leaving the page is not lost to the debounce.
    await headerCell(page, 'time').focus();
    await page.keyboard.press('Alt+ArrowRight');
    await page.reload();
    await expect.poll(async () => (await counts(page)).shown).toBe(PACKETS);
    await expect.poll(async () => (await widths(page)).time).toBe(106);
    const changed = await widths(page);

    // A restart: the core's settings file is read by a new core, the UI starts from it.
    expect(opened.problems).toEqual([]);
    await opened.context.close();
    await double.stop();
    const saved = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    expect(saved.columns.packets).toContainEqual({ id: 'time', width: 106, visible: true });
    await open();
    page = opened.page;
    await expect.poll(() => headerTitles(page)).toEqual(titles);
    await expect.poll(() => widths(page)).toEqual(changed);
    expect(double.requests.filter((r) => r.channel === 'settings.update')).toEqual([]);
  });

  it('marks a range with Shift+↑/↓ and Shift+click; Save ▸ marked packets writes exactly those', async () => {
    const { page } = opened;
    await list(page).focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.locator('.detail-header strong').textContent()).toBe('Packet 1');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowDown');
    await expect.poll(() => markedNumbers(page)).toEqual([1, 2, 3, 4]);
    await expect.poll(() => page.locator('.detail-header strong').textContent()).toBe('Packet 4');
    // Shift+↑ shrinks the range again.
    await page.keyboard.press('Shift+ArrowUp');
    await expect.poll(() => markedNumbers(page)).toEqual([1, 2, 3]);
    // A plain click ends the range (the marks stay); Shift+click marks from there.
    await packetRow(page, 6).click();
    await packetRow(page, 9).click({ modifiers: ['Shift'] });
    await expect.poll(() => markedNumbers(page)).toEqual([1, 2, 3, 6, 7, 8, 9]);
    expect(await page.locator('.detail-header strong').textContent()).toBe('Packet 9');
    // Ctrl+click and Ctrl+M toggle one packet, as before.
    await packetRow(page, 2).click({ modifiers: ['Control'] });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Control+M');
    const expected = [1, 3, 6, 7, 8, 9, 10];
    await expect.poll(() => markedNumbers(page)).toEqual(expected);
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('Marked 7');

    await page.keyboard.press('Control+S');
    const dialog = page.getByRole('dialog', { name: 'Save packets' });
    await dialog.getByRole('radio', { name: /^Marked packets/ }).check();
    const download = page.waitForEvent('download');
    await dialog.getByRole('button', { name: 'Save as pcapng…' }).click();
    const file = await (await download).path();
    // The double writes the `which` it was asked for: exactly the marked packets, in order.
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ selected: expected });
    const saves = double.requests.filter((r) => r.channel === 'capture.save');
    expect(saves.map((r) => r.payload)).toEqual([{ which: { selected: expected } }]);
    await expect
      .poll(() => page.locator('.notice').allTextContents())
      .toContainEqual(expect.stringContaining('Saved 7 packets'));

    // Shift+End reaches rows the list never showed: their numbers come from packets.rows.
    await list(page).focus();
    await page.keyboard.press('Shift+End');
    await expect
      .poll(() => page.locator('.status-bar').textContent())
      .toContain(`Marked ${(2 + PACKETS - 5).toLocaleString('en')}`);
    expect(opened.problems).toEqual([]);
  });
});
