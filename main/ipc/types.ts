import type { z } from 'zod';
import type { Contract } from './contract/index.js';
import type { Result } from './result.js';

/**
 * Types derived from the contract. The renderer imports these with `import type` only.
 * `RequestPayload` is what a caller may send (defaults optional); `RequestInput` is what the core's
 * handler receives after validation (defaults filled in).
 */

export type RequestChannel = keyof Contract['requests'] & string;
export type EventChannel = keyof Contract['events'] & string;

export type RequestPayload<C extends RequestChannel> = z.input<Contract['requests'][C]['payload']>;
export type RequestInput<C extends RequestChannel> = z.output<Contract['requests'][C]['payload']>;
export type RequestResult<C extends RequestChannel> = z.output<Contract['requests'][C]['result']>;
export type EventPayload<C extends EventChannel> = z.output<Contract['events'][C]['payload']>;

/** What the UI holds: `api.request('contexts.list', {})`, `api.subscribe('contexts.changed', cb)`. */
export interface CoreApi {
  request<C extends RequestChannel>(
    channel: C,
    payload: RequestPayload<C>,
  ): Promise<Result<RequestResult<C>>>;
  /** Returns the function that ends the subscription. */
  subscribe<C extends EventChannel>(channel: C, listener: (payload: EventPayload<C>) => void): () => void;
}

/**
 * What the Electron preload puts on `window.clustertap` (and nothing else): untyped at the bridge,
 * typed by the client wrapped around it (client.ts `bridgeTransport`).
 */
export interface ClusterTapBridge {
  request(channel: string, payload: unknown): Promise<Result<unknown>>;
  subscribe(channel: string, listener: (payload: unknown) => void): () => void;
}

export type { ApiError, ErrorKind, Result } from './result.js';
