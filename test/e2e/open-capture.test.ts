import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LabState, labState } from '../helpers/lab.js';
import { labPods } from '../helpers/lab-pods.js';
import { type FakeApiServer, startFakeApiServer, writeKubeconfig, writePcap } from './fixtures.js';
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
import { TEMPLATES } from './synthetic-frames.js';

// A capture file through the real core: opened from the browser (Ctrl+O → POST /upload →
// capture.open), rows and display filter checked against tshark, the detail pane, and the
// displayed packets saved back as pcapng that tshark reads. With the lab up, the file is real
// shop traffic recorded read-only with tcpdump on a web pod's host veth (and the screenshots come
// from it); without it, synthetic frames.
const blocker =
  e2eBlocker() ??
  (fs.existsSync('/usr/bin/tshark') ? null : 'tshark is not installed (apt-get install tshark)');
if (blocker) console.warn(`capture file e2e tests cannot run: ${blocker}`);
const { lab, reason: noLab } = labState();
const root = process.getuid?.() === 0;
const labSource = lab && root ? lab : undefined;
if (!labSource)
  console.warn(
    `capture file e2e tests use synthetic frames, and take no screenshots: ${noLab ?? 'recording lab traffic with tcpdump needs root'}`,
  );

function tshark(args: string[]): string[] {
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    .split('\n')
    .filter(Boolean);
}

/** Real shop traffic: tcpdump on a web pod's host-side veth for a few seconds (read-only). */
function recordLabTraffic(l: LabState, file: string): string {
  const web = labPods().find((p) => p.namespace === 'shop' && p.name.startsWith('web-') && p.hostInterface);
  const node = l.nodes.find((n) => n.name === web?.node);
  if (!web?.hostInterface || !node) throw new Error('the lab has no shop web pod with a host interface');
  try {
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        node.netns,
        'timeout',
        '6',
        'tcpdump',
        '-i',
        web.hostInterface,
        '-c',
        '400',
        '-U',
        '-w',
        file,
      ],
      {
        stdio: 'ignore',
      },
    );
  } catch {
    // timeout ends tcpdump before 400 packets on a quiet pod: what it wrote is the capture.
  }
  return `shop/${web.name} on ${web.node}`;
}

const counts = async (page: Page) => {
  const text = (await page.getByTestId('packet-counts').textContent()) ?? '';
  const [, all, shown] = /Packets ([\d,]+) · Displayed ([\d,]+)/.exec(text) ?? [];
  return { all: Number(all?.replaceAll(',', '')), shown: Number(shown?.replaceAll(',', '')) };
};

describe.skipIf(!!blocker)('a capture file through the real core', () => {
  let api: FakeApiServer | undefined;
  let served: Served;
  let opened: OpenedPage;
  let dir: string;
  let file: string;
  let what: string;

  beforeAll(async () => {
    dir = tempDir('clustertap-e2e-open');
    if (labSource) {
      file = path.join(dir, 'shop-web.pcap');
      what = recordLabTraffic(labSource, file);
      served = await startServe({ kubeconfig: labSource.kubeconfig, context: 'lab' });
    } else {
      file = path.join(dir, 'synthetic.pcap');
      writePcap(
        file,
        Array.from({ length: 240 }, (_, i) =>
          (TEMPLATES[i % TEMPLATES.length] as (typeof TEMPLATES)[number]).build(i + 1),
        ),
      );
      what = 'synthetic frames';
      api = await startFakeApiServer('v1.33.4');
      served = await startServe({ kubeconfig: writeKubeconfig([{ name: 'edge', server: api.url }], 'edge') });
    }
    opened = await openPage(served.url);
  });
  afterAll(async () => {
    await opened?.context.close();
    await served?.stop();
    await api?.close();
    await closeBrowser();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens the file from the browser (Ctrl+O, upload) with every packet tshark reads, in the same order', async () => {
    const { page } = opened;
    const expected = tshark([
      '-r',
      file,
      '-T',
      'fields',
      '-e',
      'frame.number',
      '-e',
      'ip.src',
      '-e',
      'ip.dst',
      '-e',
      'frame.len',
    ]);
    expect(expected.length, `${what}: tcpdump recorded nothing`).toBeGreaterThan(10);
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Control+O');
    await (await chooser).setFiles(file);
    await expect
      .poll(() => page.getByTestId('packet-counts').textContent(), { timeout: 30_000 })
      .toContain(`${path.basename(file)}: Packets ${expected.length.toLocaleString('en')}`);
    // The first rows: number, addresses and length as tshark has them.
    const list = page.getByRole('grid', { name: 'Packets' });
    await list.focus();
    await page.keyboard.press('Home');
    const rows = list.locator('.packet-row:not(.loading)');
    await expect.poll(() => rows.count()).toBeGreaterThan(5);
    for (let i = 0; i < 5; i++) {
      const cells = await rows.nth(i).locator('.cell').allTextContents();
      const [number, src, dst, len] = (expected[i] as string).split('\t');
      if (!src) continue; // not IPv4: tshark has no ip.src to compare
      expect({ number: cells[0], source: cells[4], destination: cells[5], length: cells[7] }).toEqual({
        number,
        source: src,
        destination: dst,
        length: len,
      });
    }
    if (labSource) await screenshot(page, 'packets');
  });

  it('counts what a display filter shows exactly as tshark -Y does', async () => {
    const { page } = opened;
    const filter = 'tcp.flags.syn == 1 && tcp.flags.ack == 0';
    const expected = tshark(['-r', file, '-Y', filter]).length;
    await page.keyboard.press('Control+F');
    await page.keyboard.type(filter);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await counts(page)).shown).toBe(expected);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await counts(page)).shown).toBe((await counts(page)).all);
  });

  it('shows a packet’s protocol tree and bytes, the selected field lit in the hex dump', async () => {
    const { page } = opened;
    const filter = labSource ? 'http' : 'tcp.port == 8080 && tcp.len > 0';
    await page.keyboard.press('Control+F');
    await page.keyboard.type(filter);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await counts(page)).shown).toBeGreaterThan(0);
    const list = page.getByRole('grid', { name: 'Packets' });
    await list.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.locator('.detail-header strong').textContent()).toMatch(/^Packet \d+$/);
    await page.keyboard.press('Enter');
    const tree = page.getByRole('tree', { name: /^Protocol tree of packet / });
    const http = tree.getByRole('treeitem', { name: /^Hypertext Transfer Protocol/ });
    await http.click();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const lit = await page.locator('.hex-ascii .char.hl').allTextContents();
    // The first line of the request or response, byte for byte in the ASCII column.
    expect(lit.join('')).toMatch(/^(GET|POST|PUT|HEAD|HTTP\/1\.[01]) /);
    if (labSource) await screenshot(page, 'packet-detail');
  });

  it('saves the displayed packets as pcapng that tshark reads, packet for packet', async () => {
    const { page } = opened;
    const shown = (await counts(page)).shown;
    await page.keyboard.press('Control+S');
    const dialog = page.getByRole('dialog', { name: 'Save packets' });
    await dialog.getByRole('radio', { name: /^Displayed packets/ }).check();
    const download = page.waitForEvent('download');
    await dialog.getByRole('button', { name: 'Save as pcapng…' }).click();
    const saved = path.join(dir, 'saved.pcapng');
    await (await download).saveAs(saved);
    expect(fs.readFileSync(saved).readUInt32LE(0)).toBe(0x0a0d0d0a); // a pcapng Section Header Block
    expect(tshark(['-r', saved]).length).toBe(shown);
    await expect
      .poll(() => page.locator('.notice-info').last().textContent())
      .toContain(`Saved ${shown} packets as pcapng`);
    expect(opened.problems).toEqual([]);
  });

  it.runIf(!!labSource)('looks the same in the dark (prefers-color-scheme)', async () => {
    const dark = await openPage(served.url, { colorScheme: 'dark' });
    try {
      await dark.page.getByRole('grid', { name: 'Packets' }).focus();
      await dark.page.keyboard.press('Home');
      await expect
        .poll(() => dark.page.locator('.detail-header strong').textContent())
        .toMatch(/^Packet \d+$/);
      expect(await dark.page.locator('body').evaluate((b) => getComputedStyle(b).backgroundColor)).toBe(
        'rgb(27, 29, 33)',
      );
      await screenshot(dark.page, 'packets-dark');
    } finally {
      await dark.context.close();
    }
  });
});
