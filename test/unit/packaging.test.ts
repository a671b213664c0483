import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * electron-builder cannot run here (no Electron binary), so the packaging config is checked
 * against the built tree: whatever it names must exist, or a release would ship without it.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const config = parse(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as {
  files: string[];
  asarUnpack: string[];
  extraMetadata: { main: string };
  deb: { afterInstall: string; afterRemove: string; depends: string[] };
  linux: { target: string[] };
  mac: { target: string[] };
  win: { target: string[] };
};

/** Files under ROOT matching a glob of the forms electron-builder's `files` uses here. */
function matches(pattern: string): string[] {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*\//g, '<any-dirs>')
      .replace(/\*\*/g, '<anything>')
      .replace(/\*/g, '[^/]*')
      .replace(/<any-dirs>/g, '(?:.*/)?')
      .replace(/<anything>/g, '.*')}$`,
  );
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (regex.test(rel)) found.push(rel);
    }
  };
  walk('');
  return found;
}

describe('the desktop packaging (electron-builder.yml) against the built tree', () => {
  it('ships files for every pattern it lists', () => {
    for (const pattern of config.files.filter((p) => !p.startsWith('!')))
      expect(matches(pattern).length, `${pattern} matches nothing: run npm run build`).toBeGreaterThan(0);
  });

  it('starts the Electron main process the build produces, and the CLI and native addons are unpacked', () => {
    expect(fs.existsSync(path.join(ROOT, config.extraMetadata.main))).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe(config.extraMetadata.main);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', 'bin/**']));
    expect(matches('main/broker/filter/native/build/Release/*.node')).toEqual([
      'main/broker/filter/native/build/Release/bpf_compile.node',
    ]);
  });

  it('builds AppImage and deb, dmg, nsis; the deb scripts exist and are executable', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    for (const script of [config.deb.afterInstall, config.deb.afterRemove]) {
      const stat = fs.statSync(path.join(ROOT, script));
      expect(stat.mode & 0o111, script).not.toBe(0);
    }
    expect(config.deb.depends).toContain('libpcap0.8');
  });
});
