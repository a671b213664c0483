import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileGrants } from '../../../main/app/file-grants.js';
import { tempDir } from './fixtures.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('ct-grants-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('file grants (ids instead of paths)', () => {
  it('hands out an opaque id with name and size; the id works once, for its access only', () => {
    const file = path.join(dir, 'a.pcapng');
    fs.writeFileSync(file, 'abc');
    const grants = new FileGrants();
    const ref = grants.grant(file, 'read');
    expect(ref).toEqual({ id: expect.stringMatching(/^[\w-]{24}$/), name: 'a.pcapng', size: 3 });
    expect(() => grants.take(ref.id, 'write')).toThrow('that file is no longer available (save it again)');
    expect(grants.take(ref.id, 'read')).toEqual({ path: file, name: 'a.pcapng', temporary: false });
    expect(() => grants.take(ref.id, 'read')).toThrow('that file is no longer available (open it again)');
    expect(grants.grant(path.join(dir, 'new.pcapng'), 'write').size).toBeNull();
  });

  it('expires ids, deleting temporary files (uploads) with them; dispose deletes the rest', () => {
    let now = 0;
    const grants = new FileGrants(() => now);
    const upload = path.join(dir, 'upload');
    const kept = path.join(dir, 'user-file');
    const taken = path.join(dir, 'taken-upload');
    for (const f of [upload, kept, taken]) fs.writeFileSync(f, 'x');
    const a = grants.grant(upload, 'read', { temporary: true, ttlMs: 100 });
    grants.grant(kept, 'read', { ttlMs: 100 });
    const c = grants.grant(taken, 'read', { temporary: true, ttlMs: 1000 });
    now = 200;
    expect(() => grants.take(a.id, 'read')).toThrow();
    expect(fs.existsSync(upload)).toBe(false);
    expect(fs.existsSync(kept)).toBe(true); // never delete the user's own file
    grants.take(c.id, 'read');
    grants.dispose();
    expect(fs.existsSync(taken)).toBe(false);
    expect(fs.existsSync(kept)).toBe(true);
  });
});
