import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDisplayFilter } from '../../main/dissect/display-filter/display-filter.js';
import { type FakeApiServer, startFakeApiServer, writeKubeconfig } from './fixtures.js';
import { closeBrowser, e2eBlocker, type OpenedPage, openPage, type Served, startServe } from './serve.js';

// Both filters, validated as you type by the real compilers: the capture filter by libpcap
// (filter.validate, the same words tcpdump prints), the display filter by the core's Wireshark
// filter (packets.checkDisplayFilter). Green when they compile, red with the compiler's message.
const blocker = e2eBlocker();
if (blocker) console.warn(`filter e2e tests cannot run: ${blocker}`);

/** What tcpdump itself says about a capture filter: its error text, or the instruction count. */
function tcpdumpVerdict(expression: string): { error: string } | { instructions: number } {
  try {
    const out = execFileSync('tcpdump', ['-d', expression], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { instructions: out.trim().split('\n').length };
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '');
    const line = /^tcpdump: (.*)$/m.exec(stderr);
    if (!line?.[1]) throw new Error(`tcpdump -d ${expression} said: ${stderr}`);
    return { error: line[1] };
  }
}
const hasTcpdump = fs.existsSync('/usr/bin/tcpdump') || fs.existsSync('/usr/sbin/tcpdump');
if (!hasTcpdump)
  console.warn('tcpdump is not installed: the capture filter messages are not compared with its own');

const WIRESHARK_GREEN = 'rgb(175, 255, 175)';
const WIRESHARK_RED = 'rgb(255, 175, 175)';
const background = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => getComputedStyle(el).backgroundColor);

describe.skipIf(!!blocker)('capture and display filters, validated as you type', () => {
  let api: FakeApiServer;
  let served: Served;
  let opened: OpenedPage;

  beforeAll(async () => {
    api = await startFakeApiServer('v1.33.4');
    served = await startServe({ kubeconfig: writeKubeconfig([{ name: 'edge', server: api.url }], 'edge') });
    opened = await openPage(served.url, { colorScheme: 'light' });
  });
  afterAll(async () => {
    await opened?.context.close();
    await served?.stop();
    await api?.close();
    await closeBrowser();
  });

  const captureInput = '[data-focus="capture-filter"]';
  const captureMessage = (page: Page) => page.getByTestId('capture-filter-message');

  it.each([
    ['tcp port 8080', null],
    ['tcp port', "can't parse filter expression: syntax error"],
    ['port 99999', 'illegal port number 99999 > 65535'],
    ['host 10.0.0.300', "invalid IPv4 address '10.0.0.300'"],
    // A display filter is not a capture filter: libpcap says so, the UI does not guess.
    ['tcp.port == 8080', null],
  ])('capture filter %j: libpcap’s verdict, the words tcpdump prints', async (expression, expected) => {
    const { page } = opened;
    await page.keyboard.press('Control+Shift+F');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-focus'))).toBe(
      'capture-filter',
    );
    await page.keyboard.press('Control+A');
    await page.keyboard.type(expression, { delay: 15 });
    const verdict = hasTcpdump ? tcpdumpVerdict(expression) : undefined;
    if (verdict && 'error' in verdict) {
      if (expected) expect(verdict.error).toBe(expected);
      await expect.poll(() => captureMessage(page).textContent()).toBe(verdict.error);
      await expect.poll(() => background(page, captureInput)).toBe(WIRESHARK_RED);
      expect(await page.locator(captureInput).getAttribute('aria-invalid')).toBe('true');
    } else if (verdict) {
      await expect
        .poll(() => captureMessage(page).textContent())
        .toBe(`Compiles to ${verdict.instructions} BPF instructions.`);
      await expect.poll(() => background(page, captureInput)).toBe(WIRESHARK_GREEN);
      expect(await page.locator(captureInput).getAttribute('aria-invalid')).toBeNull();
    } else if (expected) await expect.poll(() => captureMessage(page).textContent()).toBe(expected);
  });

  it('an empty capture filter captures everything', async () => {
    const { page } = opened;
    await page.locator(captureInput).fill('');
    await expect.poll(() => captureMessage(page).textContent()).toBe('Empty: every packet is captured.');
  });

  it.each(['tcp.prot == 1', 'ip.src ==', 'foo'])(
    'display filter %j: red, with the core’s message and where it stops',
    async (text) => {
      const { page } = opened;
      const compiled = compileDisplayFilter(text);
      if (compiled.ok) throw new Error(`${text} should not compile`);
      await page.keyboard.press('Control+F');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-focus'))).toBe(
        'display-filter',
      );
      await page.keyboard.press('Control+A');
      await page.keyboard.type(text, { delay: 15 });
      const where = compiled.position > 0 ? ` (at character ${compiled.position + 1})` : '';
      await expect
        .poll(() => page.getByTestId('display-filter-message').textContent())
        .toBe(`${compiled.error}${where}`);
      await expect.poll(() => background(page, '[data-focus="display-filter"]')).toBe(WIRESHARK_RED);
      // Enter does not apply a filter that does not compile.
      await page.keyboard.press('Enter');
      expect(await page.getByTestId('packet-counts').textContent()).not.toContain(text);
    },
  );

  it('a valid display filter (with the k8s.* fields) turns green and Enter applies it to the packet store', async () => {
    const { page } = opened;
    const text = 'tcp.port == 8080 && k8s.namespace == "shop"';
    await page.keyboard.press('Control+F');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(text, { delay: 5 });
    await expect.poll(() => background(page, '[data-focus="display-filter"]')).toBe(WIRESHARK_GREEN);
    await expect.poll(() => page.getByTestId('display-filter-message').textContent()).toBe('Enter applies');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('display-filter-message').textContent())
      .toBe('Displayed 0 of 0');
    // Escape empties the bar; Enter shows everything again.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('display-filter-message').textContent()).toBe('');
    expect(opened.problems).toEqual([]);
  });
});
