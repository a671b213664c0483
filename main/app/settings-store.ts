import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { UiSettingsSchema } from '../ipc/contract/settings.js';

/**
 * What the app remembers between runs, in one small JSON file: the Electron window's userData
 * directory, or ~/.config/clustertap/settings.json (XDG_CONFIG_HOME respected) for serve.
 * A field that no longer validates (hand edits, an older version) is dropped on its own; the rest
 * is kept. Writes are atomic (temporary file + rename) and coalesced.
 */

export const WindowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(200).max(20_000),
  height: z.number().int().min(200).max(20_000),
  maximized: z.boolean(),
  fullScreen: z.boolean(),
});

export type WindowState = z.infer<typeof WindowStateSchema>;

const fields = {
  ...UiSettingsSchema.shape,
  window: WindowStateSchema.nullable(),
};

export const SettingsSchema = z.object(fields);
export type Settings = z.infer<typeof SettingsSchema>;

export const SETTINGS_VERSION = 1;

export function defaultSettings(): Settings {
  return { lastContext: null, selections: {}, columns: {}, policy: null, window: null };
}

/** serve's settings file: $XDG_CONFIG_HOME/clustertap/settings.json, else ~/.config/clustertap/. */
export function serveSettingsFile(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(config, 'clustertap', 'settings.json');
}

export interface SettingsStore {
  readonly file: string;
  get(): Settings;
  /** Applies `change` to a copy and keeps the result; written to disk within `writeDelayMs`. */
  update(change: (current: Settings) => Settings): Settings;
  /** Writes now if anything is pending (call before exit). */
  flush(): void;
}

export interface SettingsStoreOptions {
  file: string;
  /** Coalesces bursts (column resizing); default 200 ms. 0 writes synchronously. */
  writeDelayMs?: number;
  /** Problems with the file (unreadable, fields dropped), as sentences. */
  warn?: (message: string) => void;
}

/** Reads what it can of `raw`: every valid field, defaults for the rest, a note per dropped field. */
export function parseSettings(raw: unknown): { settings: Settings; dropped: string[] } {
  const settings = defaultSettings();
  const dropped: string[] = [];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    return { settings, dropped: ['(not an object)'] };
  const record = raw as Record<string, unknown>;
  for (const [key, schema] of Object.entries(fields)) {
    if (!(key in record)) continue;
    const parsed = (schema as z.ZodType).safeParse(record[key]);
    if (parsed.success) (settings as Record<string, unknown>)[key] = parsed.data;
    else dropped.push(key);
  }
  return { settings, dropped };
}

export function openSettingsStore(options: SettingsStoreOptions): SettingsStore {
  const { file } = options;
  const warn = options.warn ?? (() => {});
  const delay = options.writeDelayMs ?? 200;
  let current = load(file, warn);
  let timer: NodeJS.Timeout | undefined;

  const write = () => {
    clearTimeout(timer);
    timer = undefined;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const temp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, `${JSON.stringify({ version: SETTINGS_VERSION, ...current }, null, 2)}\n`, {
        mode: 0o600,
      });
      fs.renameSync(temp, file);
    } catch (error) {
      warn(`cannot save the settings to ${file}: ${(error as Error).message}`);
    }
  };

  return {
    file,
    get: () => structuredClone(current),
    update(change) {
      const next = SettingsSchema.parse(change(structuredClone(current)));
      current = next;
      if (delay === 0) write();
      else {
        timer ??= setTimeout(write, delay);
        timer.unref?.();
      }
      return structuredClone(next);
    },
    flush() {
      if (timer) write();
    },
  };
}

function load(file: string, warn: (message: string) => void): Settings {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      warn(`cannot read the settings ${file}: ${(error as Error).message}; starting with defaults`);
    return defaultSettings();
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // Keep the user's file for inspection rather than overwriting it on the next save.
    const kept = `${file}.corrupt`;
    try {
      fs.renameSync(file, kept);
    } catch {
      // nothing to keep
    }
    warn(
      `the settings file ${file} is not valid JSON; starting with defaults (the old file is kept as ${kept})`,
    );
    return defaultSettings();
  }
  const { settings, dropped } = parseSettings(raw);
  if (dropped.length > 0)
    warn(`the settings file ${file} has invalid fields (${dropped.join(', ')}); they were reset to defaults`);
  return settings;
}

/** A store that forgets at exit (tests, or when the settings file cannot be used). */
export function memorySettingsStore(initial: Settings = defaultSettings()): SettingsStore {
  let current = SettingsSchema.parse(initial);
  return {
    file: '(memory)',
    get: () => structuredClone(current),
    update(change) {
      current = SettingsSchema.parse(change(structuredClone(current)));
      return structuredClone(current);
    },
    flush() {},
  };
}
