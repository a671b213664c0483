/**
 * The Electron shell, kept thin: one locked-down window with the renderer, the menu, native
 * dialogs, and the contract (main/ipc/) bound to IPC. Everything else is plain Node.js under
 * main/ (AppCore), the same core `clustertap serve` runs headless.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, screen, session, shell } from 'electron';
import { AppCore } from '../app/app-core.js';
import { toApiError } from '../app/errors.js';
import { openSettingsStore, type SettingsStore } from '../app/settings-store.js';
import { createRouter } from '../ipc/router.js';
import { nativeDialogs } from './dialogs.js';
import { bindIpc } from './ipc-binding.js';
import { menuTemplate } from './menu.js';
// tsconfig includes main/**/*.ts only: this import puts preload.cts into the program, so tsc emits
// dist/main/electron/preload.cjs (CommonJS, as a sandboxed preload must be) next to this file.
import type { createBridge } from './preload.cjs';
import { isAllowedExternal, isOurPage, WINDOW_CSP } from './security.js';
import { initialBounds, windowState } from './window-state.js';

/** What the page gets as `window.clustertap`. */
export type PreloadBridge = ReturnType<typeof createBridge>;

let window: BrowserWindow | undefined;

/** The built renderer (dist/renderer, `npm run build`), else the placeholder page in renderer/. */
function rendererPage(): string {
  const root = app.getAppPath();
  const built = path.join(root, 'dist', 'renderer', 'index.html');
  return fs.existsSync(built) ? built : path.join(root, 'renderer', 'index.html');
}

function openExternal(url: string): void {
  if (isAllowedExternal(url)) void shell.openExternal(url);
}

function createWindow(settings: SettingsStore, page: string): BrowserWindow {
  const saved = settings.get().window;
  const bounds = initialBounds(
    saved,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    ...bounds,
    minWidth: 800,
    minHeight: 500,
    title: 'ClusterTap',
    show: false,
    webPreferences: {
      preload: path.join(import.meta.dirname, 'preload.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  if (saved?.maximized) win.maximize();
  if (saved?.fullScreen) win.setFullScreen(true);
  win.once('ready-to-show', () => win.show());

  win.webContents.setWindowOpenHandler(({ url }) => {
    openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-redirect', (event) => event.preventDefault());

  let saveTimer: NodeJS.Timeout | undefined;
  const remember = () => {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    if (win.isDestroyed()) return;
    const state = windowState(win.getNormalBounds(), {
      maximized: win.isMaximized(),
      fullScreen: win.isFullScreen(),
    });
    settings.update((s) => ({ ...s, window: state }));
  };
  const rememberSoon = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(remember, 500);
  };
  for (const event of [
    'resize',
    'move',
    'maximize',
    'unmaximize',
    'enter-full-screen',
    'leave-full-screen',
  ] as const)
    win.on(event as 'resize', rememberSoon);
  win.on('close', remember);

  void win.loadFile(page);
  return win;
}

async function start(): Promise<void> {
  const settings = openSettingsStore({
    file: path.join(app.getPath('userData'), 'settings.json'),
    warn: (message) => console.warn(`clustertap: ${message}`),
  });
  const core = new AppCore({
    mode: 'electron',
    version: app.getVersion(),
    source: { env: process.env },
    settings,
    dialogs: nativeDialogs(dialog, () => window),
    electronVersion: process.versions.electron ?? null,
  }).start();
  const router = createRouter({
    handlers: core.handlers(),
    bus: core.bus,
    mode: 'electron',
    toError: toApiError,
    validateOutgoing: !app.isPackaged,
    log: (line) => console.error(line),
  });
  const page = rendererPage();
  const pageUrl = pathToFileURL(page).href;
  const unbind = bindIpc(ipcMain, router, {
    // Our page, in the top frame (an iframe has a parent), and nothing the window navigated to.
    isTrustedSender: (event) => {
      const frame = event.senderFrame as Electron.WebFrameMain | null | undefined;
      return !!frame && frame.parent === null && isOurPage(frame.url, pageUrl);
    },
    log: (line) => console.error(line),
  });

  // No permission (camera, notifications, geolocation…) is ever needed; CSP also as a header.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [WINDOW_CSP] } }),
  );

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        platform: process.platform,
        appName: app.name,
        command: (command) => core.bus.emit('menu.command', { command }),
        openExternal,
      }),
    ),
  );

  window = createWindow(settings, page);
  window.on('closed', () => {
    window = undefined;
  });

  app.on('activate', () => {
    if (!window) {
      window = createWindow(settings, page);
      window.on('closed', () => {
        window = undefined;
      });
    }
  });
  // A running tap is stopped and its agents removed before the app goes: hold the quit for it.
  let quitting = false;
  app.on('will-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    unbind();
    router.close();
    void core.close().finally(() => app.quit());
  });
}

// One instance: a second launch focuses the first window.
if (!app.requestSingleInstanceLock()) app.quit();
else {
  app.on('second-instance', () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  // No webviews, no windows the page opens itself, anywhere.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openExternal(url);
      return { action: 'deny' };
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  void app.whenReady().then(start);
}
