import type { z } from 'zod';
import type { flows } from '../../../main/ipc/contract/flows.js';
import type { Contract } from '../../../main/ipc/contract/index.js';
import type { packets } from '../../../main/ipc/contract/packets.js';
import type { tap } from '../../../main/ipc/contract/tap.js';
import type { Result } from '../../../main/ipc/result.js';

/**
 * The contract as the UI sees it: every channel of main/ipc/contract/index.ts plus the tap, packet
 * and flow features, merged here by type so the UI compiles against their schemas before the core
 * lists them in index.ts. Once it does, the intersections below are the identity and this file
 * could shrink to `CoreApi` (main/ipc/types.ts). Types only: nothing here reaches the bundle.
 */
type Requests = Contract['requests'] & typeof tap.requests & typeof packets.requests & typeof flows.requests;
type Events = Contract['events'] & typeof tap.events & typeof packets.events & typeof flows.events;

export type RequestChannel = keyof Requests & string;
export type EventChannel = keyof Events & string;
export type Payload<C extends RequestChannel> = z.input<Requests[C]['payload']>;
export type Answer<C extends RequestChannel> = z.output<Requests[C]['result']>;
export type EventOf<C extends EventChannel> = z.output<Events[C]['payload']>;

/** What the store holds: one request/subscribe pair over whichever transport the page has. */
export interface Api {
  request<C extends RequestChannel>(channel: C, payload: Payload<C>): Promise<Result<Answer<C>>>;
  /** Returns the function that ends the subscription. */
  subscribe<C extends EventChannel>(channel: C, listener: (payload: EventOf<C>) => void): () => void;
}

export type { ApiError, Result } from '../../../main/ipc/result.js';
