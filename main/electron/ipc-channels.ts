/**
 * The four Electron IPC channels that carry the whole contract (main/ipc/): one invoke for
 * requests, two sends for subscriptions, one send for events. preload.cts repeats these literals
 * (a sandboxed preload cannot import local modules); test/unit/ipc/electron-preload.test.ts keeps
 * them equal.
 */
export const IPC = {
  /** invoke(channel, payload) → Result */
  request: 'clustertap:request',
  /** send(channel) */
  subscribe: 'clustertap:subscribe',
  /** send(channel) */
  unsubscribe: 'clustertap:unsubscribe',
  /** main → renderer: send(channel, payload) */
  event: 'clustertap:event',
} as const;
