import type { EventChannel, EventPayload } from './types.js';

/**
 * Core-side fan-out of contract events: the core emits, each binding (Electron, WebSocket)
 * listens and forwards to the windows that subscribed. Typed by the contract.
 */
export class EventBus {
  private readonly listeners = new Set<(channel: EventChannel, payload: unknown) => void>();

  emit<C extends EventChannel>(channel: C, payload: EventPayload<C>): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(channel, payload);
      } catch (error) {
        // One broken connection must not stop the others; surface it like an unhandled error.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** Every event; returns the unsubscribe function. */
  listen(listener: (channel: EventChannel, payload: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
