import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  bindIpc,
  type IpcEventLike,
  type IpcMainLike,
  type WebContentsLike,
} from '../../../main/electron/ipc-binding.js';
import { IPC } from '../../../main/electron/ipc-channels.js';
import { bridgeTransport, createClient } from '../../../main/ipc/client.js';
import { EventBus } from '../../../main/ipc/event-bus.js';
import { createRouter } from '../../../main/ipc/router.js';

/**
 * The preload runs as Electron's sandbox runs it: compiled to CommonJS and given a `require` that
 * knows only 'electron' (a sandboxed preload can require nothing else). Here electron has no
 * contextBridge, so only the exported createBridge is used.
 */
const required: string[] = [];
const exposed: unknown[] = [];
function loadPreload(contextBridge?: { exposeInMainWorld: (key: string, api: unknown) => void }) {
  const source = fs.readFileSync(
    path.resolve(import.meta.dirname, '../../../main/electron/preload.cts'),
    'utf8',
  );
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const module = { exports: {} as Record<string, unknown> };
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`module not found: ${name}`);
    return {
      contextBridge,
      ipcRenderer: { on: () => {}, invoke: () => {}, send: () => {}, removeListener: () => {} },
    };
  };
  new Function('require', 'module', 'exports', outputText)(sandboxRequire, module, module.exports);
  return module.exports as { createBridge: typeof import('../../../main/electron/preload.cjs').createBridge };
}
const { createBridge } = loadPreload();

type Listener = (event: IpcEventLike, ...args: unknown[]) => unknown;

/** ipcMain and one window's webContents + ipcRenderer, wired like Electron wires them. */
function fakeElectron(frameUrl = 'file:///app/dist/renderer/index.html') {
  const handlers = new Map<string, Listener>();
  const mainListeners = new Map<string, Set<Listener>>();
  const rendererListeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const lifecycle = { destroyed: [] as Array<() => void>, navigation: [] as Array<(d: object) => void> };
  let destroyed = false;
  const sender: WebContentsLike = {
    id: 1,
    send: (channel, ...args) => {
      for (const l of rendererListeners.get(channel) ?? [])
        l({ sender: 'ipc-event' }, ...structuredClone(args));
    },
    isDestroyed: () => destroyed,
    once: (_e, l) => lifecycle.destroyed.push(l),
    on: (_e, l) => lifecycle.navigation.push(l as (d: object) => void),
  };
  const frame = { url: frameUrl };
  const event = (): IpcEventLike => ({ sender, senderFrame: frame });
  const ipcMain: IpcMainLike = {
    handle: (channel, l) => handlers.set(channel, l),
    removeHandler: (channel) => handlers.delete(channel),
    on: (channel, l) => {
      const set = mainListeners.get(channel) ?? new Set();
      set.add(l);
      mainListeners.set(channel, set);
    },
    removeListener: (channel, l) => mainListeners.get(channel)?.delete(l as Listener),
  };
  const ipcRenderer = {
    invoke: async (channel: string, ...args: unknown[]) => {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      return structuredClone(await handler(event(), ...structuredClone(args)));
    },
    send: (channel: string, ...args: unknown[]) => {
      for (const l of mainListeners.get(channel) ?? []) l(event(), ...structuredClone(args));
    },
    on: (channel: string, l: (...args: unknown[]) => void) => {
      const set = rendererListeners.get(channel) ?? new Set();
      set.add(l);
      rendererListeners.set(channel, set);
      return ipcRenderer;
    },
    removeListener: () => ipcRenderer,
  };
  return {
    ipcMain,
    ipcRenderer,
    frame,
    handlers,
    mainListeners,
    destroy: () => {
      destroyed = true;
      for (const l of lifecycle.destroyed) l();
    },
    reload: () => {
      for (const l of lifecycle.navigation) l({ isMainFrame: true, isSameDocument: false });
    },
  };
}

const page = 'file:///app/dist/renderer/index.html';

function setup() {
  const electron = fakeElectron();
  const bus = new EventBus();
  let cleanups = 0;
  const router = createRouter({
    mode: 'electron',
    bus,
    log: () => {},
    handlers: {
      'dialog.openCapture': (_p, caller) => {
        caller.onClose(() => cleanups++);
        return { file: null };
      },
      'contexts.use': ({ context }) => ({
        sources: [],
        contexts: [],
        current: context,
        kubeconfigCurrent: null,
        problem: null,
      }),
    },
  });
  const unbind = bindIpc(electron.ipcMain, router, { isTrustedSender: (e) => e.senderFrame?.url === page });
  const bridge = createBridge(electron.ipcRenderer as never);
  const api = createClient(bridgeTransport(bridge));
  return { electron, bus, router, unbind, bridge, api, cleanups: () => cleanups };
}

describe('the preload bridge and the main-process binding', () => {
  it('requires only electron, and puts exactly window.clustertap in the page', () => {
    loadPreload({ exposeInMainWorld: (key, api) => exposed.push([key, Object.keys(api as object).sort()]) });
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(exposed).toEqual([['clustertap', ['request', 'subscribe']]]);
  });

  it('exposes only request and subscribe, frozen', () => {
    const { bridge } = setup();
    expect(Object.keys(bridge).sort()).toEqual(['request', 'subscribe']);
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('uses the channel names of ipc-channels.ts', () => {
    const { electron } = setup();
    expect([...electron.handlers.keys()]).toEqual([IPC.request]);
    expect([...electron.mainListeners.keys()].sort()).toEqual([IPC.subscribe, IPC.unsubscribe].sort());
  });

  it('round-trips requests, validated in main (electron-only channels answer here)', async () => {
    const { api } = setup();
    expect(await api.request('dialog.openCapture', {})).toEqual({ ok: true, value: { file: null } });
    expect(await api.request('contexts.use', { context: 'b' })).toMatchObject({
      ok: true,
      value: { current: 'b' },
    });
    expect(await api.request('contexts.use', { context: 3 } as never)).toMatchObject({
      ok: false,
      error: { kind: 'bad-request' },
    });
    expect(await api.request('no.such' as never, {} as never)).toMatchObject({
      ok: false,
      error: { kind: 'unknown-channel' },
    });
  });

  it('delivers events to the window that subscribed, and stops after unsubscribe', async () => {
    const { api, bus } = setup();
    const got: string[] = [];
    const off = api.subscribe('menu.command', (e) => got.push(e.command));
    bus.emit('menu.command', { command: 'save-capture' });
    off();
    bus.emit('menu.command', { command: 'open-capture' });
    expect(got).toEqual(['save-capture']);
  });

  it('refuses a sender that is not our page', async () => {
    const { api, electron, bus } = setup();
    electron.frame.url = 'https://attacker.example/';
    expect(await api.request('dialog.openCapture', {})).toEqual({
      ok: false,
      error: { kind: 'forbidden', message: 'this page may not use the ClusterTap API' },
    });
    const got: unknown[] = [];
    api.subscribe('menu.command', (e) => got.push(e));
    bus.emit('menu.command', { command: 'save-capture' });
    expect(got).toEqual([]);
  });

  it('ends the window’s connection (and what it started) when it is destroyed or reloaded', async () => {
    const { api, electron, router, cleanups } = setup();
    await api.request('dialog.openCapture', {});
    expect(router.connectionCount).toBe(1);
    electron.reload();
    expect(router.connectionCount).toBe(0);
    expect(cleanups()).toBe(1);
    await api.request('dialog.openCapture', {});
    expect(router.connectionCount).toBe(1);
    electron.destroy();
    expect(router.connectionCount).toBe(0);
    expect(cleanups()).toBe(2);
  });

  it('unbinding removes the handlers and closes the connections', async () => {
    const { api, electron, router, unbind } = setup();
    await api.request('dialog.openCapture', {});
    unbind();
    expect(electron.handlers.size).toBe(0);
    expect(router.connectionCount).toBe(0);
  });
});
