import type { z } from 'zod';

/**
 * The two kinds of channel. A request is asked by the UI and answered once by the core with a
 * Result; an event is pushed by the core to every UI that subscribed to it. Both carry zod schemas
 * so the receiving side validates what crossed the boundary.
 */

export interface RequestDef<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly kind: 'request';
  /** Validated in the core before the handler runs (unknown keys rejected: schemas are strict). */
  readonly payload: P;
  /** The value of an ok Result; validated in the client in dev, and by the core's tests. */
  readonly result: R;
  readonly description: string;
  /** Answered only in the Electron window (native dialogs); elsewhere the result is `unavailable`. */
  readonly electronOnly: boolean;
}

export interface EventDef<P extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly payload: P;
  readonly description: string;
}

export function request<P extends z.ZodType, R extends z.ZodType>(
  payload: P,
  result: R,
  description: string,
  options: { electronOnly?: boolean } = {},
): RequestDef<P, R> {
  return { kind: 'request', payload, result, description, electronOnly: options.electronOnly ?? false };
}

export function event<P extends z.ZodType>(payload: P, description: string): EventDef<P> {
  return { kind: 'event', payload, description };
}

/** One feature's channels; `contract/index.ts` merges the features. */
export interface Feature {
  readonly requests: Readonly<Record<string, RequestDef>>;
  readonly events: Readonly<Record<string, EventDef>>;
}

/** The shape of the merged contract, for code that works on any contract (router, client, tests). */
export interface ContractShape {
  readonly requests: Readonly<Record<string, RequestDef>>;
  readonly events: Readonly<Record<string, EventDef>>;
}
