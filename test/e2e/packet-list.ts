import type { Page } from 'playwright-core';

/** The packet list grid, and the status bar's counts: what the packet-view specs read. */
export const list = (page: Page) => page.getByRole('grid', { name: 'Packets' });

export const counts = async (page: Page) => {
  const text = (await page.getByTestId('packet-counts').textContent()) ?? '';
  const [, all, shown] = /Packets ([\d,]+) · Displayed ([\d,]+)/.exec(text) ?? [];
  return { all: Number(all?.replaceAll(',', '')), shown: Number(shown?.replaceAll(',', '')) };
};
