import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FileRef } from '../ipc/contract/files.js';
import { AppError } from './errors.js';

/**
 * Files the user chose (native dialog) or uploaded (serve), handed to the UI as opaque ids. A
 * channel that opens or saves a capture takes the id, never a path, so a page can only touch
 * files the user picked. Ids expire, and each is good for one use.
 */

export type FileAccess = 'read' | 'write';

export interface GrantOptions {
  /** Shown to the user; default: the path's base name. */
  name?: string;
  /** The file is ours (an upload): deleted when the grant expires, or when the app closes. */
  temporary?: boolean;
  /** Default 30 minutes. */
  ttlMs?: number;
}

export interface TakenFile {
  path: string;
  name: string;
  temporary: boolean;
}

interface Grant extends TakenFile {
  access: FileAccess;
  expires: number;
}

export class FileGrants {
  private readonly grants = new Map<string, Grant>();
  /** Temporary files handed out by take(): deleted at dispose(). */
  private readonly taken = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  grant(file: string, access: FileAccess, options: GrantOptions = {}): FileRef {
    this.expire();
    const id = randomBytes(18).toString('base64url');
    const name = options.name ?? path.basename(file);
    this.grants.set(id, {
      path: file,
      name,
      temporary: options.temporary ?? false,
      access,
      expires: this.now() + (options.ttlMs ?? 30 * 60_000),
    });
    let size: number | null = null;
    if (access === 'read') {
      try {
        size = fs.statSync(file).size;
      } catch {
        size = null;
      }
    }
    return { id, name, size };
  }

  /** The file behind `id`, once; throws AppError(not-found) for an unknown, used or expired id. */
  take(id: string, access: FileAccess): TakenFile {
    this.expire();
    const grant = this.grants.get(id);
    if (!grant || grant.access !== access)
      throw new AppError(
        'not-found',
        `that file is no longer available (${access === 'read' ? 'open' : 'save'} it again)`,
      );
    this.grants.delete(id);
    if (grant.temporary) this.taken.add(grant.path);
    return { path: grant.path, name: grant.name, temporary: grant.temporary };
  }

  get size(): number {
    return this.grants.size;
  }

  /** Deletes the temporary files (uploads) that are still granted or were taken. */
  dispose(): void {
    for (const grant of this.grants.values()) if (grant.temporary) this.taken.add(grant.path);
    this.grants.clear();
    for (const file of this.taken) fs.rmSync(file, { force: true });
    this.taken.clear();
  }

  private expire(): void {
    const now = this.now();
    for (const [id, grant] of this.grants) {
      if (grant.expires > now) continue;
      this.grants.delete(id);
      if (grant.temporary) fs.rmSync(grant.path, { force: true });
    }
  }
}
