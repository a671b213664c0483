import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultSettings,
  openSettingsStore,
  parseSettings,
  serveSettingsFile,
} from '../../../main/app/settings-store.js';
import { tempDir } from './fixtures.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('ct-settings-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the settings store', () => {
  it('starts from defaults when there is no file, and writes one (0600, in a 0700 directory)', () => {
    const file = path.join(dir, 'clustertap', 'settings.json');
    const store = openSettingsStore({ file, writeDelayMs: 0 });
    expect(store.get()).toEqual(defaultSettings());
    store.update((s) => ({ ...s, lastContext: 'lab' }));
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      ...defaultSettings(),
      lastContext: 'lab',
    });
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect((fs.statSync(path.dirname(file)).mode & 0o777).toString(8)).toBe('700');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['settings.json']); // no temporary file left
  });

  it('reads back what it wrote', () => {
    const file = path.join(dir, 'settings.json');
    const a = openSettingsStore({ file, writeDelayMs: 0 });
    a.update((s) => ({
      ...s,
      columns: { packets: [{ id: 'time', visible: true }] },
      window: { x: 1, y: 2, width: 900, height: 700, maximized: true, fullScreen: false },
    }));
    const b = openSettingsStore({ file });
    expect(b.get().columns).toEqual({ packets: [{ id: 'time', visible: true }] });
    expect(b.get().window?.maximized).toBe(true);
  });

  it('coalesces bursts of updates into one write, and flush() writes what is pending', () => {
    const file = path.join(dir, 'settings.json');
    const store = openSettingsStore({ file, writeDelayMs: 10_000 });
    for (let i = 0; i < 50; i++) store.update((s) => ({ ...s, lastContext: `c${i}` }));
    expect(fs.existsSync(file)).toBe(false);
    store.flush();
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).lastContext).toBe('c49');
  });

  it('keeps the valid fields of a file with bad ones, and says which were reset', () => {
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        lastContext: 'lab',
        columns: 'wide',
        policy: { version: 7 },
        unknownKey: 1,
      }),
    );
    const warnings: string[] = [];
    const store = openSettingsStore({ file, warn: (m) => warnings.push(m) });
    expect(store.get()).toEqual({ ...defaultSettings(), lastContext: 'lab' });
    expect(warnings).toEqual([
      `the settings file ${file} has invalid fields (columns, policy); they were reset to defaults`,
    ]);
  });

  it('keeps a file that is not JSON aside instead of overwriting it', () => {
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, '{ half written');
    const warnings: string[] = [];
    const store = openSettingsStore({ file, warn: (m) => warnings.push(m), writeDelayMs: 0 });
    expect(store.get()).toEqual(defaultSettings());
    expect(fs.readFileSync(`${file}.corrupt`, 'utf8')).toBe('{ half written');
    expect(warnings[0]).toContain('is not valid JSON; starting with defaults');
  });

  it('refuses an update that breaks the schema (a bug), keeping the last good state', () => {
    const store = openSettingsStore({ file: path.join(dir, 's.json'), writeDelayMs: 0 });
    expect(() => store.update((s) => ({ ...s, lastContext: 5 as never }))).toThrow();
    expect(store.get().lastContext).toBeNull();
  });

  it('parses leniently: not an object → defaults', () => {
    expect(parseSettings([1, 2])).toEqual({ settings: defaultSettings(), dropped: ['(not an object)'] });
  });

  it('lives in $XDG_CONFIG_HOME/clustertap, else ~/.config/clustertap, for serve', () => {
    expect(serveSettingsFile({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/clustertap/settings.json');
    expect(serveSettingsFile({ HOME: '/h' })).toBe('/h/.config/clustertap/settings.json');
  });
});
