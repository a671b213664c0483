import type { z } from 'zod';
import type { Contract } from '../../../main/ipc/contract/index.js';

/**
 * The contract as the UI uses it: the channel names and the payload, answer and event types of
 * main/ipc/contract/ (every feature, tap/packets/flows included). Types only: nothing here
 * reaches the bundle. `Api` is main/ipc/types.ts' CoreApi under the name the store uses.
 */
export type RequestChannel = keyof Contract['requests'] & string;
export type EventChannel = keyof Contract['events'] & string;
export type Payload<C extends RequestChannel> = z.input<Contract['requests'][C]['payload']>;
export type Answer<C extends RequestChannel> = z.output<Contract['requests'][C]['result']>;
export type EventOf<C extends EventChannel> = z.output<Contract['events'][C]['payload']>;

export type { ApiError, Result } from '../../../main/ipc/result.js';
export type { CoreApi as Api } from '../../../main/ipc/types.js';
