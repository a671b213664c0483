import type { Transport, TransportState } from './client.js';
import type { ClientMessage, ServerMessage } from './wire.js';

/**
 * The contract over a WebSocket (`clustertap serve`, path /api), reconnecting with backoff.
 * No Node imports: the browser's WebSocket by default; tests pass the `ws` package's class.
 */

/** The part of the WebSocket API we use (the browser's, and the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export interface WebSocketTransportOptions {
  /** ws://host:port/api; in a page: `new URL('/api', location.href)` with the ws: scheme. */
  url: string;
  create?: (url: string) => WebSocketLike;
  /** First retry delay; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface WebSocketTransport extends Transport {
  readonly state: TransportState;
  /** Closes for good (no reconnect). */
  close(): void;
}

const OPEN = 1;

/** The page's own /api endpoint (same origin, so the access cookie of `serve` goes along). */
export function apiUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api`;
}

export function webSocketTransport(options: WebSocketTransportOptions): WebSocketTransport {
  const create =
    options.create ??
    ((url: string) =>
      new (globalThis as unknown as { WebSocket: new (u: string) => WebSocketLike }).WebSocket(url));
  const initial = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 5000;
  const messageListeners = new Set<(message: ServerMessage) => void>();
  const stateListeners = new Set<(state: TransportState) => void>();
  let queue: string[] = [];
  let socket: WebSocketLike | undefined;
  let state: TransportState = 'connecting';
  let delay = initial;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const setState = (next: TransportState) => {
    if (state === next) return;
    state = next;
    for (const listener of [...stateListeners]) listener(next);
  };

  const connect = () => {
    timer = undefined;
    if (stopped) return;
    const ws = create(options.url);
    socket = ws;
    ws.addEventListener('open', () => {
      if (socket !== ws) return;
      delay = initial;
      const pendingSends = queue;
      queue = [];
      for (const data of pendingSends) ws.send(data);
      setState('open');
    });
    ws.addEventListener('message', (event) => {
      if (socket !== ws || typeof event.data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      for (const listener of [...messageListeners]) listener(message);
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = undefined;
      queue = [];
      setState('closed');
      if (stopped) return;
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, max);
    });
    ws.addEventListener('error', () => {
      // 'close' follows and schedules the retry.
    });
  };
  connect();

  return {
    get state() {
      return state;
    },
    send(message: ClientMessage) {
      const data = JSON.stringify(message);
      if (socket && socket.readyState === OPEN) socket.send(data);
      else queue.push(data);
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => {
        messageListeners.delete(listener);
      };
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => {
        stateListeners.delete(listener);
      };
    },
    close() {
      stopped = true;
      clearTimeout(timer);
      socket?.close(1000, 'closed by the page');
    },
  };
}
