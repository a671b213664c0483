import { z } from 'zod';
import type { Result } from './result.js';

/**
 * The messages of one connection (a WebSocket of `clustertap serve`; Electron IPC carries the same
 * operations as separate calls). JSON, one message per WebSocket frame.
 *
 *   UI → core: request {id, channel, payload} · subscribe {channel} · unsubscribe {channel}
 *   core → UI: result {id, result} · event {channel, payload}
 *
 * Events go only to connections that subscribed to their channel.
 */

export type ClientMessage =
  | { type: 'request'; id: number; channel: string; payload: unknown }
  | { type: 'subscribe'; channel: string }
  | { type: 'unsubscribe'; channel: string };

export type ServerMessage =
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'event'; channel: string; payload: unknown };

const Channel = z.string().min(1).max(100);

/** Validated by the core for every message that arrives. */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('request'),
    id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    channel: Channel,
    payload: z.unknown(),
  }),
  z.strictObject({ type: z.literal('subscribe'), channel: Channel }),
  z.strictObject({ type: z.literal('unsubscribe'), channel: Channel }),
]);

/** The channel a WebSocket carries the contract on. */
export const API_PATH = '/api';
