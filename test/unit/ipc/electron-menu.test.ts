import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { HELP_LINKS, menuTemplate } from '../../../main/electron/menu.js';
import { helpLinksAllowed, isAllowedExternal, isOurPage } from '../../../main/electron/security.js';
import { DEFAULT_SIZE, initialBounds, windowState } from '../../../main/electron/window-state.js';

/** The Electron shell's plain parts (no Electron binary on this machine: the window itself is not run). */

function build(platform: NodeJS.Platform) {
  const commands: string[] = [];
  const opened: string[] = [];
  const template = menuTemplate({
    platform,
    appName: 'ClusterTap',
    command: (c) => commands.push(c),
    openExternal: (u) => opened.push(u),
  });
  const menu = (label: string) =>
    (template.find((m) => m.label === label)?.submenu ?? []) as MenuItemConstructorOptions[];
  const click = (item: MenuItemConstructorOptions | undefined) =>
    (item?.click as (() => void) | undefined)?.();
  return { template, menu, click, commands, opened };
}

describe('the application menu', () => {
  it('File: open, save, export flows go to the UI as menu commands, with their shortcuts; Quit', () => {
    const { menu, click, commands } = build('linux');
    const file = menu('File');
    expect(file.map((i) => [i.label ?? i.role ?? i.type, i.accelerator])).toEqual([
      ['Open capture…', 'CmdOrCtrl+O'],
      ['Save capture…', 'CmdOrCtrl+S'],
      ['Export flows…', 'CmdOrCtrl+Shift+E'],
      ['separator', undefined],
      ['Quit', 'Ctrl+Q'],
    ]);
    for (const item of file.slice(0, 3)) click(item);
    expect(commands).toEqual(['open-capture', 'save-capture', 'export-flows']);
    expect(file[4]?.role).toBe('quit');
  });

  it('View: reload, developer tools, zoom, full screen', () => {
    const { menu } = build('linux');
    expect(menu('View').map((i) => i.role ?? i.type)).toEqual([
      'reload',
      'toggleDevTools',
      'separator',
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'separator',
      'togglefullscreen',
    ]);
  });

  it('Help: documentation links, each one the window may open', () => {
    const { menu, click, opened } = build('linux');
    for (const item of menu('Help')) click(item);
    expect(opened).toEqual(HELP_LINKS.map((l) => l.url));
    expect(helpLinksAllowed()).toBe(true);
  });

  it('macOS: the app menu holds Quit; File closes the window; a Window menu', () => {
    const { template, menu } = build('darwin');
    expect(template.map((m) => m.label)).toEqual(['ClusterTap', 'File', 'Edit', 'View', 'Window', 'Help']);
    expect(template[0]?.role).toBe('appMenu');
    expect(menu('File').at(-1)?.role).toBe('close');
  });
});

describe('what the window may open', () => {
  it.each([
    ['https://www.wireshark.org/docs/', true],
    ['https://kubernetes.io/docs/concepts/', true],
    ['https://www.tcpdump.org/manpages/pcap-filter.7.html', true],
    ['http://kubernetes.io/docs/', false],
    ['https://kubernetes.io.attacker.example/', false],
    ['https://user:pass@kubernetes.io/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedExternal(url)).toBe(allowed);
  });

  it('accepts IPC only from the page it loaded', () => {
    const page = 'file:///opt/clustertap/dist/renderer/index.html';
    expect(isOurPage(`${page}#/pods`, page)).toBe(true);
    expect(isOurPage('file:///tmp/evil.html', page)).toBe(false);
    expect(isOurPage('https://attacker.example/', page)).toBe(false);
    expect(isOurPage(undefined, page)).toBe(false);
  });
});

describe('window placement', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
  it('opens where it was when that is still on a screen', () => {
    const saved = { x: 100, y: 50, width: 1200, height: 800, maximized: false, fullScreen: false };
    expect(initialBounds(saved, screen)).toEqual({ x: 100, y: 50, width: 1200, height: 800 });
  });
  it('forgets a position on a monitor that is gone, and never opens larger than the screen', () => {
    const saved = { x: 2500, y: 50, width: 2400, height: 1400, maximized: false, fullScreen: false };
    expect(initialBounds(saved, screen)).toEqual({ width: 1920, height: 1080 });
    expect(initialBounds(null, screen)).toEqual(DEFAULT_SIZE);
  });
  it('remembers the normal bounds and the maximized/full-screen flags', () => {
    expect(
      windowState({ x: 10.4, y: 20.6, width: 1000, height: 100 }, { maximized: true, fullScreen: false }),
    ).toEqual({
      x: 10,
      y: 21,
      width: 1000,
      height: 200,
      maximized: true,
      fullScreen: false,
    });
  });
});
