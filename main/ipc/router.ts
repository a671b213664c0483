import type { ContractShape } from './contract/define.js';
import { type Contract, contract as defaultContract } from './contract/index.js';
import type { EventBus } from './event-bus.js';
import { type ApiError, describeIssues, fail, issueDetails, ok, type Result } from './result.js';
import type { EventChannel, EventPayload, RequestChannel, RequestInput, RequestResult } from './types.js';
import { ClientMessageSchema, type ServerMessage } from './wire.js';

/**
 * The core's side of the contract, independent of the transport: each window (an Electron
 * webContents, a WebSocket) is a Connection; every request is checked against the contract
 * before its handler runs, and every event goes only to connections that subscribed to it.
 */

/** The window a request came from, for handlers whose work lives as long as the window. */
export interface Caller {
  readonly id: string;
  readonly closed: boolean;
  /** Sends an event to this window only (if it subscribed to the channel). */
  emit<C extends EventChannel>(channel: C, payload: EventPayload<C>): void;
  /** Runs when the window goes away (closed tab, reloaded page); returns the function that cancels it. */
  onClose(cleanup: () => void): () => void;
}

export type Handler<C extends RequestChannel> = (
  payload: RequestInput<C>,
  caller: Caller,
) => Promise<RequestResult<C>> | RequestResult<C>;

/** One handler per request channel; a channel added to the contract without one does not compile. */
export type Handlers = { [C in RequestChannel]: Handler<C> };

export interface RouterOptions {
  handlers: Partial<Handlers>;
  /** Events the core broadcasts (contexts.changed, menu.command…). */
  bus?: EventBus;
  /** Requests marked electronOnly answer `unavailable` in serve mode. */
  mode: 'electron' | 'serve';
  /** Turns what a handler threw into the error the user sees (main/app/errors.ts). */
  toError?: (error: unknown, channel: string) => ApiError;
  /** Check results and events against the contract too (tests, development): a mismatch is a bug. */
  validateOutgoing?: boolean;
  /** Bugs and protocol violations, for the console. */
  log?: (line: string) => void;
  /** For tests of the mechanism; default: the app's contract. */
  contract?: ContractShape;
}

export interface Connection {
  readonly id: string;
  /** A wire message (WebSocket), already JSON-parsed. */
  receive(message: unknown): void;
  /** One request (Electron IPC: ipcMain.handle). Never rejects. */
  call(channel: unknown, payload: unknown): Promise<Result<unknown>>;
  subscribe(channel: unknown): Result<null>;
  unsubscribe(channel: unknown): void;
  close(): void;
}

export interface Router {
  connect(send: (message: ServerMessage) => void): Connection;
  readonly connectionCount: number;
  /** Closes every connection (their cleanups run). */
  close(): void;
}

let nextConnection = 1;

function defaultToError(error: unknown): ApiError {
  return {
    kind: 'internal',
    message: `internal error: ${error instanceof Error ? error.message : String(error)}`,
  };
}

export function createRouter(options: RouterOptions): Router {
  const contract: ContractShape = options.contract ?? defaultContract;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const toError = options.toError ?? defaultToError;
  const connections = new Set<ConnectionImpl>();
  const handlers = options.handlers as Record<string, Handler<RequestChannel> | undefined>;

  const outgoingEvent = (channel: string, payload: unknown): boolean => {
    if (!options.validateOutgoing) return true;
    const def = contract.events[channel];
    const parsed = def?.payload.safeParse(payload);
    if (parsed?.success) return true;
    log(
      `clustertap: bug: event ${channel} breaks the contract: ${parsed ? describeIssues(parsed.error.issues) : 'no such event'}`,
    );
    return false;
  };

  class ConnectionImpl implements Connection {
    readonly id = `c${nextConnection++}`;
    private readonly channels = new Set<string>();
    private readonly cleanups = new Set<() => void>();
    private isClosed = false;
    readonly caller: Caller;

    constructor(private readonly send: (message: ServerMessage) => void) {
      const self = this;
      this.caller = {
        id: this.id,
        get closed() {
          return self.isClosed;
        },
        emit: (channel, payload) => this.deliver(channel, payload),
        onClose: (cleanup) => {
          if (this.isClosed) {
            cleanup();
            return () => {};
          }
          this.cleanups.add(cleanup);
          return () => {
            this.cleanups.delete(cleanup);
          };
        },
      };
    }

    deliver(channel: string, payload: unknown): void {
      if (this.isClosed || !this.channels.has(channel)) return;
      if (!outgoingEvent(channel, payload)) return;
      this.send({ type: 'event', channel, payload });
    }

    receive(message: unknown): void {
      const parsed = ClientMessageSchema.safeParse(message);
      if (!parsed.success) {
        const id = (message as { id?: unknown } | null)?.id;
        const error = fail(
          'bad-request',
          `malformed message: ${describeIssues(parsed.error.issues)}`,
          issueDetails(parsed.error.issues),
        );
        if (typeof id === 'number' && Number.isSafeInteger(id))
          this.send({ type: 'result', id, result: error });
        else
          log(`clustertap: ${this.id}: ignored a malformed message: ${describeIssues(parsed.error.issues)}`);
        return;
      }
      const m = parsed.data;
      if (m.type === 'subscribe') {
        const answer = this.subscribe(m.channel);
        if (!answer.ok) log(`clustertap: ${this.id}: ${answer.error.message}`);
      } else if (m.type === 'unsubscribe') this.unsubscribe(m.channel);
      else
        void this.call(m.channel, m.payload).then((result) => {
          if (!this.isClosed) this.send({ type: 'result', id: m.id, result });
        });
    }

    async call(channel: unknown, payload: unknown): Promise<Result<unknown>> {
      if (this.isClosed) return fail('disconnected', 'the window was closed before the request was made');
      if (typeof channel !== 'string' || !Object.hasOwn(contract.requests, channel))
        return fail('unknown-channel', `unknown request channel ${JSON.stringify(channel)}`, {
          channel: String(channel),
        });
      const def = contract.requests[channel];
      if (!def) return fail('unknown-channel', `unknown request channel "${channel}"`);
      if (def.electronOnly && options.mode !== 'electron')
        return fail(
          'unavailable',
          `${channel} is available only in the ClusterTap desktop app, not in a browser`,
        );
      const handler = handlers[channel];
      if (!handler) return fail('unavailable', `${channel} is not implemented by this core yet`);
      const input = def.payload.safeParse(payload);
      if (!input.success)
        return fail(
          'bad-request',
          `bad request to ${channel}: ${describeIssues(input.error.issues)}`,
          issueDetails(input.error.issues),
        );
      let value: unknown;
      try {
        value = await handler(input.data as never, this.caller);
      } catch (error) {
        const apiError = toError(error, channel);
        if (apiError.kind === 'internal')
          log(
            `clustertap: ${channel} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
          );
        return { ok: false, error: apiError };
      }
      if (options.validateOutgoing) {
        const checked = def.result.safeParse(value);
        if (!checked.success) {
          const message = `bug: the core answered ${channel} with a value that breaks the contract: ${describeIssues(checked.error.issues)}`;
          log(`clustertap: ${message}`);
          return fail('internal', message, issueDetails(checked.error.issues));
        }
      }
      return ok(value);
    }

    subscribe(channel: unknown): Result<null> {
      if (typeof channel !== 'string' || !Object.hasOwn(contract.events, channel))
        return fail('unknown-channel', `cannot subscribe: unknown event channel ${JSON.stringify(channel)}`);
      this.channels.add(channel);
      return ok(null);
    }

    unsubscribe(channel: unknown): void {
      if (typeof channel === 'string') this.channels.delete(channel);
    }

    close(): void {
      if (this.isClosed) return;
      this.isClosed = true;
      this.channels.clear();
      connections.delete(this);
      for (const cleanup of [...this.cleanups]) {
        try {
          cleanup();
        } catch (error) {
          log(`clustertap: cleanup of ${this.id} failed: ${error instanceof Error ? error.message : error}`);
        }
      }
      this.cleanups.clear();
    }
  }

  const stopBus = options.bus?.listen((channel, payload) => {
    for (const connection of connections) connection.deliver(channel, payload);
  });

  return {
    connect(send) {
      const connection = new ConnectionImpl(send);
      connections.add(connection);
      return connection;
    },
    get connectionCount() {
      return connections.size;
    },
    close() {
      stopBus?.();
      for (const connection of [...connections]) connection.close();
    },
  };
}

export type { Contract };
