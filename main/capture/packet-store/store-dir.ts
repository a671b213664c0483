import fs from 'node:fs';
import path from 'node:path';

/** Every store spills into its own directory named like this, so a crash leaves one thing behind. */
export const STORE_DIR_PREFIX = 'clustertap-store-';
/** The store writes its process id here; cleanup never removes a directory whose owner still runs. */
const OWNER_FILE = 'owner.pid';
const DAY_MS = 24 * 60 * 60 * 1000;

export function createStoreDirectory(parent: string): string {
  fs.mkdirSync(parent, { recursive: true });
  const directory = fs.mkdtempSync(path.join(parent, STORE_DIR_PREFIX));
  fs.writeFileSync(path.join(directory, OWNER_FILE), String(process.pid));
  return directory;
}

export interface StaleCleanupOptions {
  /** Milliseconds since the epoch; Date.now by default. */
  now?: number;
  /** Directories last modified longer ago than this are stale (default one day). */
  maxAgeMs?: number;
  /** Whether a process id is a running process (default: signal 0). */
  isRunning?: (pid: number) => boolean;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what crashed stores left in `parent`: `clustertap-store-*` directories older than a
 * day whose owning process is gone. Called once at start-up; returns the directories removed.
 * Both conditions are needed: age alone would delete the spill of a second instance that has been
 * capturing for more than a day, and a dead owner alone would race a store being created.
 */
export async function removeStaleStoreDirectories(
  parent: string,
  options: StaleCleanupOptions = {},
): Promise<string[]> {
  const now = options.now ?? Date.now();
  const maxAge = options.maxAgeMs ?? DAY_MS;
  const isRunning = options.isRunning ?? processRuns;
  let names: string[];
  try {
    names = await fs.promises.readdir(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(STORE_DIR_PREFIX)) continue;
    const directory = path.join(parent, name);
    try {
      const stat = await fs.promises.lstat(directory);
      if (!stat.isDirectory() || now - stat.mtimeMs < maxAge) continue;
      const owner = Number.parseInt(
        await fs.promises.readFile(path.join(directory, OWNER_FILE), 'utf8').catch(() => ''),
        10,
      );
      if (Number.isInteger(owner) && owner > 0 && isRunning(owner)) continue;
      await fs.promises.rm(directory, { recursive: true, force: true });
      removed.push(directory);
    } catch {
      // Removed by someone else meanwhile, or not ours to remove: leave it.
    }
  }
  return removed;
}
