import type { ContractShape } from './contract/define.js';
import type { ApiError, Result } from './result.js';
import type { ClusterTapBridge, CoreApi, EventChannel, RequestChannel } from './types.js';
import type { ClientMessage, ServerMessage } from './wire.js';

/**
 * The UI's side of the contract, for any transport: the Electron preload bridge
 * (`bridgeTransport(window.clustertap)`) or a WebSocket (`websocket-transport.ts`).
 * Bundled into the renderer: no Node imports, and no zod unless a contract is passed for
 * validation (development builds).
 */

export type TransportState = 'connecting' | 'open' | 'closed';

export interface Transport {
  send(message: ClientMessage): void;
  onMessage(listener: (message: ServerMessage) => void): () => void;
  /**
   * Connection state, for transports that can lose it: `closed` fails the pending requests with
   * kind `disconnected`; `open` after `closed` re-sends the subscriptions.
   */
  onState?(listener: (state: TransportState) => void): () => void;
}

export interface ClientOptions {
  /** Check every result and event against the contract (development); a mismatch becomes an `internal` error. */
  validateWith?: ContractShape;
  /** Where contract violations and throwing listeners are reported; default console.error. */
  report?: (problem: string) => void;
  /** Fail a request with kind `disconnected` when no answer came within this time; default: wait. */
  timeoutMs?: number;
}

export interface CoreClient extends CoreApi {
  /** Fails pending requests, drops every listener, stops listening to the transport. */
  close(): void;
}

function problem(kind: ApiError['kind'], message: string): Result<never> {
  return { ok: false, error: { kind, message } };
}

function issuesLine(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(top level)'}: ${i.message}`)
    .join('; ');
}

export function createClient(transport: Transport, options: ClientOptions = {}): CoreClient {
  const report = options.report ?? ((line: string) => console.error(line));
  const pending = new Map<
    number,
    { channel: string; resolve: (result: Result<unknown>) => void; timer?: ReturnType<typeof setTimeout> }
  >();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let state: TransportState = 'connecting';
  let closed = false;

  const settle = (id: number, result: Result<unknown>) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(result);
  };

  const checkResult = (channel: string, result: Result<unknown>): Result<unknown> => {
    const def = options.validateWith?.requests[channel];
    if (!def || !result.ok) return result;
    const parsed = def.result.safeParse(result.value);
    if (parsed.success) return { ok: true, value: parsed.data };
    const message = `the core's answer to ${channel} breaks the contract: ${issuesLine(parsed.error.issues)}`;
    report(`clustertap: ${message}`);
    return problem('internal', message);
  };

  const onMessage = (message: ServerMessage) => {
    if (message?.type === 'result') {
      const entry = pending.get(message.id);
      if (!entry) return;
      const result = message.result;
      if (!result || typeof result !== 'object' || typeof result.ok !== 'boolean')
        return settle(
          message.id,
          problem('internal', `the core's answer to ${entry.channel} is not a result`),
        );
      settle(message.id, checkResult(entry.channel, result));
    } else if (message?.type === 'event') {
      const set = listeners.get(message.channel);
      if (!set) return;
      let payload = message.payload;
      const def = options.validateWith?.events[message.channel];
      if (def) {
        const parsed = def.payload.safeParse(payload);
        if (!parsed.success) {
          report(
            `clustertap: event ${message.channel} breaks the contract: ${issuesLine(parsed.error.issues)}`,
          );
          return;
        }
        payload = parsed.data;
      }
      for (const listener of [...set]) {
        try {
          listener(payload);
        } catch (error) {
          report(
            `clustertap: a listener of ${message.channel} threw: ${error instanceof Error ? error.stack : error}`,
          );
        }
      }
    }
  };

  const failPending = (why: string) => {
    for (const id of [...pending.keys()]) settle(id, problem('disconnected', why));
  };

  const stopMessages = transport.onMessage(onMessage);
  const stopState = transport.onState?.((next) => {
    const previous = state;
    state = next;
    if (next === 'closed') failPending('the connection to ClusterTap was lost; it reconnects by itself');
    if (next === 'open' && previous === 'closed')
      for (const channel of listeners.keys()) transport.send({ type: 'subscribe', channel });
  });

  return {
    request(channel, payload) {
      if (closed) return Promise.resolve(problem('disconnected', 'the client was closed'));
      if (state === 'closed')
        return Promise.resolve(
          problem('disconnected', 'not connected to ClusterTap; it reconnects by itself'),
        );
      const id = nextId++;
      return new Promise((resolve) => {
        const entry: {
          channel: string;
          resolve: (r: Result<unknown>) => void;
          timer?: ReturnType<typeof setTimeout>;
        } = {
          channel,
          resolve: resolve as (r: Result<unknown>) => void,
        };
        if (options.timeoutMs !== undefined)
          entry.timer = setTimeout(
            () =>
              settle(id, problem('disconnected', `no answer to ${channel} within ${options.timeoutMs} ms`)),
            options.timeoutMs,
          );
        pending.set(id, entry);
        try {
          transport.send({ type: 'request', id, channel: channel as RequestChannel, payload });
        } catch (error) {
          settle(
            id,
            problem(
              'disconnected',
              `cannot reach ClusterTap: ${error instanceof Error ? error.message : error}`,
            ),
          );
        }
      });
    },
    subscribe(channel, listener) {
      if (closed) return () => {};
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        transport.send({ type: 'subscribe', channel: channel as EventChannel });
      }
      const entry = listener as (payload: unknown) => void;
      set.add(entry);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        const current = listeners.get(channel);
        if (!current?.delete(entry) || current.size > 0) return;
        listeners.delete(channel);
        if (!closed) transport.send({ type: 'unsubscribe', channel });
      };
    },
    close() {
      if (closed) return;
      closed = true;
      failPending('the client was closed');
      for (const channel of listeners.keys()) transport.send({ type: 'unsubscribe', channel });
      listeners.clear();
      stopMessages();
      stopState?.();
    },
  };
}

/** The Electron preload's `window.clustertap` as a transport, so the renderer uses one client everywhere. */
export function bridgeTransport(bridge: ClusterTapBridge): Transport {
  const listeners = new Set<(message: ServerMessage) => void>();
  const deliver = (message: ServerMessage) => {
    for (const listener of [...listeners]) listener(message);
  };
  const subscriptions = new Map<string, () => void>();
  return {
    send(message) {
      if (message.type === 'request') {
        const { id } = message;
        bridge.request(message.channel, message.payload).then(
          (result) => deliver({ type: 'result', id, result }),
          (error: unknown) =>
            deliver({
              type: 'result',
              id,
              result: problem(
                'disconnected',
                `the request did not reach the core: ${error instanceof Error ? error.message : error}`,
              ),
            }),
        );
      } else if (message.type === 'subscribe') {
        const { channel } = message;
        if (!subscriptions.has(channel))
          subscriptions.set(
            channel,
            bridge.subscribe(channel, (payload) => deliver({ type: 'event', channel, payload })),
          );
      } else {
        subscriptions.get(message.channel)?.();
        subscriptions.delete(message.channel);
      }
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
