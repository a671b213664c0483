import { describe, expect, it } from 'vitest';
import {
  bridgeTransport,
  createClient,
  type Transport,
  type TransportState,
} from '../../../main/ipc/client.js';
import { contract } from '../../../main/ipc/contract/index.js';
import { EventBus } from '../../../main/ipc/event-bus.js';
import { createRouter, type Handlers } from '../../../main/ipc/router.js';
import type { ClusterTapBridge } from '../../../main/ipc/types.js';
import type { ClientMessage, ServerMessage } from '../../../main/ipc/wire.js';

const state = { sources: [], contexts: [], current: 'a', kubeconfigCurrent: 'a', problem: null };

/** A client and a router joined by JSON messages, as a WebSocket would carry them. */
function pair(handlers: Partial<Handlers> = {}) {
  const bus = new EventBus();
  const router = createRouter({ handlers, mode: 'serve', bus, validateOutgoing: true, log: () => {} });
  const toClient = new Set<(m: ServerMessage) => void>();
  const stateListeners = new Set<(s: TransportState) => void>();
  const wire: ClientMessage[] = [];
  const connection = router.connect((m) => {
    const copy = JSON.parse(JSON.stringify(m)) as ServerMessage;
    for (const l of toClient) l(copy);
  });
  const transport: Transport = {
    send: (m) => {
      wire.push(m);
      connection.receive(JSON.parse(JSON.stringify(m)));
    },
    onMessage: (l) => {
      toClient.add(l);
      return () => toClient.delete(l);
    },
    onState: (l) => {
      stateListeners.add(l);
      return () => stateListeners.delete(l);
    },
  };
  const setState = (s: TransportState) => {
    for (const l of stateListeners) l(s);
  };
  return { bus, router, connection, transport, wire, setState };
}

describe('the client (UI side)', () => {
  it('round-trips a typed request', async () => {
    const { transport } = pair({ 'contexts.use': ({ context }) => ({ ...state, current: context }) });
    const api = createClient(transport);
    const result = await api.request('contexts.use', { context: 'b' });
    expect(result).toEqual({ ok: true, value: { ...state, current: 'b' } });
    if (result.ok) expect(result.value.current).toBe('b'); // typed as ContextsState
  });

  it('delivers the error result, never throws', async () => {
    const { transport } = pair({});
    const api = createClient(transport);
    expect(await api.request('contexts.use', { context: 'b' })).toMatchObject({
      ok: false,
      error: { kind: 'unavailable' },
    });
  });

  it('subscribes once per channel on the wire, and subscribe returns the unsubscribe function', () => {
    const { transport, bus, wire } = pair();
    const api = createClient(transport);
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = api.subscribe('contexts.changed', (s) => a.push(s.current));
    const offB = api.subscribe('contexts.changed', (s) => b.push(s.current));
    bus.emit('contexts.changed', state);
    offA();
    offA(); // twice is harmless
    bus.emit('contexts.changed', { ...state, current: 'z' });
    offB();
    bus.emit('contexts.changed', state);
    expect(a).toEqual(['a']);
    expect(b).toEqual(['a', 'z']);
    expect(wire).toEqual([
      { type: 'subscribe', channel: 'contexts.changed' },
      { type: 'unsubscribe', channel: 'contexts.changed' },
    ]);
  });

  it('one throwing listener does not stop the others', () => {
    const { transport, bus } = pair();
    const reports: string[] = [];
    const api = createClient(transport, { report: (line) => reports.push(line) });
    const got: string[] = [];
    api.subscribe('menu.command', () => {
      throw new Error('boom');
    });
    api.subscribe('menu.command', (e) => got.push(e.command));
    bus.emit('menu.command', { command: 'open-capture' });
    expect(got).toEqual(['open-capture']);
    expect(reports[0]).toContain('a listener of menu.command threw');
  });

  it('fails pending requests as disconnected when the transport closes, and resubscribes when it reopens', async () => {
    const { transport, wire, setState } = pair({
      'cni.detect': () => new Promise(() => {}), // never answers
    });
    const api = createClient(transport);
    api.subscribe('contexts.changed', () => {});
    const pending = api.request('cni.detect', {});
    setState('open');
    setState('closed');
    expect(await pending).toMatchObject({ ok: false, error: { kind: 'disconnected' } });
    expect(await api.request('app.info', {})).toMatchObject({ ok: false, error: { kind: 'disconnected' } });
    setState('open');
    expect(wire.filter((m) => m.type === 'subscribe')).toHaveLength(2);
  });

  it('times out a request when asked to', async () => {
    const { transport } = pair({ 'cni.detect': () => new Promise(() => {}) });
    const api = createClient(transport, { timeoutMs: 20 });
    expect(await api.request('cni.detect', {})).toEqual({
      ok: false,
      error: { kind: 'disconnected', message: 'no answer to cni.detect within 20 ms' },
    });
  });

  it('in dev, checks answers and events against the contract', async () => {
    const bad = { ...state, current: 5 };
    const toClient = new Set<(m: ServerMessage) => void>();
    const transport: Transport = {
      send: (m) => {
        if (m.type === 'request')
          queueMicrotask(() => {
            for (const l of toClient) l({ type: 'result', id: m.id, result: { ok: true, value: bad } });
          });
      },
      onMessage: (l) => {
        toClient.add(l);
        return () => toClient.delete(l);
      },
    };
    const reports: string[] = [];
    const api = createClient(transport, { validateWith: contract, report: (l) => reports.push(l) });
    expect(await api.request('contexts.list', {})).toMatchObject({
      ok: false,
      error: {
        kind: 'internal',
        message: expect.stringContaining("the core's answer to contexts.list breaks the contract: current"),
      },
    });
    const got: unknown[] = [];
    api.subscribe('contexts.changed', (s) => got.push(s));
    for (const l of toClient) l({ type: 'event', channel: 'contexts.changed', payload: bad });
    expect(got).toEqual([]);
    expect(reports).toHaveLength(2);
  });

  it('close() fails what is pending and unsubscribes everything', async () => {
    const { transport, wire } = pair({ 'cni.detect': () => new Promise(() => {}) });
    const api = createClient(transport);
    api.subscribe('menu.command', () => {});
    const pending = api.request('cni.detect', {});
    api.close();
    expect(await pending).toMatchObject({ ok: false, error: { kind: 'disconnected' } });
    expect(wire.at(-1)).toEqual({ type: 'unsubscribe', channel: 'menu.command' });
  });
});

describe('bridgeTransport (Electron preload)', () => {
  it('maps requests and subscriptions onto window.clustertap', async () => {
    const listeners = new Map<string, (payload: unknown) => void>();
    const calls: Array<[string, unknown]> = [];
    const bridge: ClusterTapBridge = {
      request: async (channel, payload) => {
        calls.push([channel, payload]);
        return channel === 'contexts.list'
          ? { ok: true, value: state }
          : Promise.reject(new Error('ipc gone'));
      },
      subscribe: (channel, listener) => {
        listeners.set(channel, listener);
        return () => listeners.delete(channel);
      },
    };
    const api = createClient(bridgeTransport(bridge));
    expect(await api.request('contexts.list', {})).toEqual({ ok: true, value: state });
    expect(await api.request('app.info', {})).toMatchObject({
      ok: false,
      error: { kind: 'disconnected', message: 'the request did not reach the core: ipc gone' },
    });
    const got: string[] = [];
    const off = api.subscribe('menu.command', (e) => got.push(e.command));
    listeners.get('menu.command')?.({ command: 'save-capture' });
    off();
    expect(got).toEqual(['save-capture']);
    expect(listeners.size).toBe(0);
    expect(calls).toEqual([
      ['contexts.list', {}],
      ['app.info', {}],
    ]);
  });
});
