/**
 * The Electron shell: one window with the renderer, locked down. Everything else lives in plain
 * Node.js modules under main/ so it runs and is tested without Electron (and headless).
 * The UI and its preload bridge (the typed contract of main/ipc/) come with the desktop-app issue.
 */
import path from 'node:path';
import { app, BrowserWindow, shell } from 'electron';

const ALLOWED_EXTERNAL = [/^https:\/\/(www\.)?wireshark\.org\//, /^https:\/\/kubernetes\.io\//];

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'ClusterTap',
    webPreferences: {
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (ALLOWED_EXTERNAL.some((allowed) => allowed.test(url))) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  void window.loadFile(path.join(app.getAppPath(), 'renderer', 'index.html'));
}

void app.whenReady().then(createWindow);
app.on('window-all-closed', () => app.quit());
