import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createStoreDirectory,
  removeStaleStoreDirectories,
} from '../../../main/capture/packet-store/store-dir.js';
import { storeParent } from './store-fixtures.js';

const { parent, remove } = storeParent('dirs');
afterAll(remove);

const DAY = 24 * 60 * 60 * 1000;

function leftover(owner: string | undefined, ageMs: number): string {
  const directory = createStoreDirectory(parent);
  if (owner === undefined) fs.rmSync(path.join(directory, 'owner.pid'));
  else fs.writeFileSync(path.join(directory, 'owner.pid'), owner);
  fs.writeFileSync(path.join(directory, 'spill-000000.bin'), 'x');
  const when = new Date(Date.now() - ageMs);
  fs.utimesSync(directory, when, when);
  return directory;
}

describe('stale store directories', () => {
  it('removes what crashed stores left more than a day ago, nothing else', async () => {
    const crashed = leftover('999999', 2 * DAY);
    const noOwnerFile = leftover(undefined, 2 * DAY);
    const recent = leftover('999999', 60 * 60 * 1000);
    const stillRunning = leftover('4242', 3 * DAY);
    const notOurs = path.join(parent, 'something-else');
    fs.mkdirSync(notOurs);
    fs.utimesSync(notOurs, new Date(0), new Date(0));
    const removed = await removeStaleStoreDirectories(parent, { isRunning: (pid) => pid === 4242 });
    expect(removed.sort()).toEqual([crashed, noOwnerFile].sort());
    for (const kept of [recent, stillRunning, notOurs]) expect(fs.existsSync(kept)).toBe(true);
  });

  it('a missing parent directory is nothing to clean', async () => {
    expect(await removeStaleStoreDirectories(path.join(parent, 'missing'))).toEqual([]);
  });

  it('a store directory names the process that owns it', () => {
    const directory = createStoreDirectory(parent);
    expect(path.basename(directory)).toMatch(/^clustertap-store-/);
    expect(fs.readFileSync(path.join(directory, 'owner.pid'), 'utf8')).toBe(String(process.pid));
  });
});
