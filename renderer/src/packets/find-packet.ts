import type { Api } from '../api/contract.js';

/**
 * The display index of packet `number` (Go to packet, Ctrl+G): numbers rise with the display
 * index, so a binary search over packets.rows finds it in about log2(displayed) one-row requests.
 * Returns the index of the first displayed packet at or after `number`, or an error sentence.
 */
export async function findDisplayIndex(
  api: Api,
  displayed: number,
  number: number,
): Promise<{ index: number; exact: boolean } | { error: string }> {
  if (displayed === 0) return { error: 'there are no packets to go to' };
  let lo = 0;
  let hi = displayed - 1;
  let found = displayed - 1;
  const exact = false;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const result = await api.request('packets.rows', { start: mid, count: 1 });
    if (!result.ok) return { error: result.error.message };
    const row = result.value.rows[0];
    if (!row) {
      hi = mid - 1;
      continue;
    }
    if (row.number === number) return { index: mid, exact: true };
    if (row.number < number) lo = mid + 1;
    else {
      found = mid;
      hi = mid - 1;
    }
  }
  return { index: found, exact };
}
