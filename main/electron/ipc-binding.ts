import { fail } from '../ipc/result.js';
import type { Connection, Router } from '../ipc/router.js';
import { IPC } from './ipc-channels.js';

/**
 * The contract on Electron IPC: one router connection per window (webContents), requests through
 * ipcMain.handle, subscriptions through ipcMain.on, events sent back to the window. Every sender
 * is checked (our page, main frame) before anything is routed; the router then validates every
 * payload against the contract. Typed structurally so it is tested without Electron.
 */

export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
  on(
    event: 'did-start-navigation',
    listener: (details: { isMainFrame?: boolean; isSameDocument?: boolean }) => void,
  ): unknown;
}

export interface IpcEventLike {
  sender: WebContentsLike;
  /** The frame that sent it; null when it navigated away or was destroyed. */
  senderFrame?: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
}

export interface IpcBindingOptions {
  /** Our page in its main frame; anything else (an iframe, a navigated page) is refused. */
  isTrustedSender(event: IpcEventLike): boolean;
  log?: (line: string) => void;
}

export function bindIpc(ipcMain: IpcMainLike, router: Router, options: IpcBindingOptions): () => void {
  const log = options.log ?? (() => {});
  const connections = new Map<number, Connection>();

  const connectionFor = (sender: WebContentsLike): Connection => {
    const known = connections.get(sender.id);
    if (known) return known;
    const connection = router.connect((message) => {
      if (message.type !== 'event' || sender.isDestroyed()) return;
      sender.send(IPC.event, message.channel, message.payload);
    });
    connections.set(sender.id, connection);
    const drop = () => {
      if (connections.get(sender.id) !== connection) return;
      connections.delete(sender.id);
      connection.close();
    };
    sender.once('destroyed', drop);
    // A reload starts a new page: the old page's subscriptions and inventory go with it.
    sender.on('did-start-navigation', (details) => {
      if (details?.isMainFrame !== false && details?.isSameDocument !== true) drop();
    });
    return connection;
  };

  const onRequest = async (event: IpcEventLike, channel: unknown, payload: unknown) => {
    if (!options.isTrustedSender(event)) {
      log(`clustertap: refused an IPC request from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
      return fail('forbidden', 'this page may not use the ClusterTap API');
    }
    return connectionFor(event.sender).call(channel, payload);
  };
  const onSubscribe = (event: IpcEventLike, channel: unknown) => {
    if (!options.isTrustedSender(event)) return;
    const answer = connectionFor(event.sender).subscribe(channel);
    if (!answer.ok) log(`clustertap: ${answer.error.message}`);
  };
  const onUnsubscribe = (event: IpcEventLike, channel: unknown) => {
    if (!options.isTrustedSender(event)) return;
    connections.get(event.sender.id)?.unsubscribe(channel);
  };

  ipcMain.handle(IPC.request, onRequest as (event: IpcEventLike, ...args: unknown[]) => unknown);
  ipcMain.on(IPC.subscribe, onSubscribe as (event: IpcEventLike, ...args: unknown[]) => void);
  ipcMain.on(IPC.unsubscribe, onUnsubscribe as (event: IpcEventLike, ...args: unknown[]) => void);
  return () => {
    ipcMain.removeHandler(IPC.request);
    ipcMain.removeListener(IPC.subscribe, onSubscribe as (event: IpcEventLike, ...args: unknown[]) => void);
    ipcMain.removeListener(
      IPC.unsubscribe,
      onUnsubscribe as (event: IpcEventLike, ...args: unknown[]) => void,
    );
    for (const connection of connections.values()) connection.close();
    connections.clear();
  };
}
