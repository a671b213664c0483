/**
 * The preload of the sandboxed window: exposes ONLY `window.clustertap = { request, subscribe }`
 * (the ClusterTapBridge of main/ipc/types.ts), bound to four IPC channels. No Electron object, no
 * IPC event and no Node API reaches the page; the main process validates every request against the
 * contract (main/electron/ipc-binding.ts). CommonJS and self-contained, because sandboxed preloads
 * can neither be ES modules nor require local files; the channel names equal ipc-channels.ts.
 */
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import type { Result } from '../ipc/result.js';
import type { ClusterTapBridge } from '../ipc/types.js';

const REQUEST = 'clustertap:request';
const SUBSCRIBE = 'clustertap:subscribe';
const UNSUBSCRIBE = 'clustertap:unsubscribe';
const EVENT = 'clustertap:event';

type IpcRendererLike = Pick<typeof ipcRenderer, 'invoke' | 'send' | 'on' | 'removeListener'>;

export function createBridge(ipc: IpcRendererLike): ClusterTapBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  ipc.on(EVENT, (_event: IpcRendererEvent, channel: unknown, payload: unknown) => {
    if (typeof channel !== 'string') return;
    for (const listener of [...(listeners.get(channel) ?? [])]) listener(payload);
  });
  return Object.freeze({
    request(channel: string, payload: unknown): Promise<Result<unknown>> {
      return ipc.invoke(REQUEST, String(channel), payload) as Promise<Result<unknown>>;
    },
    subscribe(channel: string, listener: (payload: unknown) => void): () => void {
      const name = String(channel);
      if (typeof listener !== 'function') throw new TypeError('subscribe needs a listener function');
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
        ipc.send(SUBSCRIBE, name);
      }
      set.add(listener);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        const current = listeners.get(name);
        if (!current?.delete(listener) || current.size > 0) return;
        listeners.delete(name);
        ipc.send(UNSUBSCRIBE, name);
      };
    },
  });
}

// Under test there is no contextBridge (and no page): only createBridge is used.
if (contextBridge) contextBridge.exposeInMainWorld('clustertap', createBridge(ipcRenderer));
