import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../ipc/contract/shell.js';

/**
 * The application menu as a plain template (tested without Electron). Commands the UI carries
 * out (open, save, export) go to the renderer as `menu.command` contract events; the rest are
 * Electron roles.
 */

export const HELP_LINKS = [
  {
    label: 'Capture filter syntax (pcap-filter)',
    url: 'https://www.tcpdump.org/manpages/pcap-filter.7.html',
  },
  {
    label: 'Wireshark display filters',
    url: 'https://www.wireshark.org/docs/wsug_html_chunked/ChWorkBuildDisplayFilterSection.html',
  },
  {
    label: 'Kubernetes networking',
    url: 'https://kubernetes.io/docs/concepts/cluster-administration/networking/',
  },
] as const;

export interface MenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  /** Sends the command to the UI (AppCore's bus → `menu.command`). */
  command: (command: MenuCommand) => void;
  openExternal: (url: string) => void;
  /** Show "Toggle Developer Tools" (always in development; packaged builds too, it helps support). */
  devTools?: boolean;
}

export function menuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const item = (label: string, accelerator: string, command: MenuCommand): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => options.command(command),
  });
  const template: MenuItemConstructorOptions[] = [];
  if (mac) template.push({ label: options.appName, role: 'appMenu' });
  template.push({
    label: 'File',
    submenu: [
      item('Open capture…', 'CmdOrCtrl+O', 'open-capture'),
      item('Save capture…', 'CmdOrCtrl+S', 'save-capture'),
      item('Export flows…', 'CmdOrCtrl+Shift+E', 'export-flows'),
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit', label: 'Quit', accelerator: 'Ctrl+Q' },
    ],
  });
  template.push({ label: 'Edit', role: 'editMenu' });
  template.push({
    label: 'View',
    submenu: [
      { role: 'reload' },
      ...(options.devTools === false ? [] : [{ role: 'toggleDevTools' } as const]),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });
  if (mac) template.push({ label: 'Window', role: 'windowMenu' });
  template.push({
    label: 'Help',
    role: 'help',
    submenu: HELP_LINKS.map((link) => ({ label: link.label, click: () => options.openExternal(link.url) })),
  });
  return template;
}
