import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toApiError } from '../../../main/app/errors.js';
import { contract, duplicateChannels, features } from '../../../main/ipc/contract/index.js';
import { EventBus } from '../../../main/ipc/event-bus.js';
import { errorKinds } from '../../../main/ipc/result.js';
import { createRouter, type Handlers } from '../../../main/ipc/router.js';
import type { ServerMessage } from '../../../main/ipc/wire.js';
import { KubeError } from '../../../main/kube/kube-error.js';

const info = {
  name: 'ClusterTap',
  version: '0.1.0',
  mode: 'serve',
  platform: 'linux',
  arch: 'x64',
  versions: { node: '20', electron: null },
  features: { nativeDialogs: false, downloads: true, uploads: true },
} as const;

function routerWith(handlers: Partial<Handlers>, mode: 'electron' | 'serve' = 'serve') {
  const logs: string[] = [];
  const bus = new EventBus();
  const router = createRouter({
    handlers,
    mode,
    bus,
    toError: toApiError,
    validateOutgoing: true,
    log: (line) => logs.push(line),
  });
  const sent: ServerMessage[] = [];
  const connection = router.connect((m) => sent.push(m));
  return { router, connection, sent, logs, bus };
}

describe('the contract', () => {
  it('names every channel feature.verb, once', () => {
    expect(duplicateChannels()).toEqual([]);
    const names = [...Object.keys(contract.requests), ...Object.keys(contract.events)];
    for (const name of names) expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
    const perFeature = Object.values(features).reduce(
      (n, f) => n + Object.keys(f.requests).length + Object.keys(f.events).length,
      0,
    );
    expect(names).toHaveLength(perFeature);
  });

  it('finds a channel defined by two features', () => {
    const a = { requests: { 'x.get': contract.requests['app.info'] }, events: {} };
    expect(duplicateChannels({ a, b: a })).toEqual(['x.get']);
  });

  it('rejects unknown keys in every request payload (strict schemas)', () => {
    for (const [name, def] of Object.entries(contract.requests)) {
      const parsed = def.payload.safeParse({ surprise: 1 });
      expect(parsed.success, `${name} accepted an unknown key`).toBe(false);
    }
  });

  it('every error kind of the cluster layer is a contract error kind', () => {
    for (const kind of ['kubeconfig', 'forbidden', 'unreachable', 'unauthorized', 'timeout'])
      expect(errorKinds).toContain(kind);
  });
});

describe('the router (core side)', () => {
  it('answers a request with {ok: true, value}', async () => {
    const { connection } = routerWith({ 'app.info': () => info });
    expect(await connection.call('app.info', {})).toEqual({ ok: true, value: info });
  });

  it('says which channel is unknown', async () => {
    const { connection } = routerWith({});
    expect(await connection.call('contexts.lst', {})).toEqual({
      ok: false,
      error: {
        kind: 'unknown-channel',
        message: 'unknown request channel "contexts.lst"',
        details: { channel: 'contexts.lst' },
      },
    });
    expect((await connection.call(42, {})).ok).toBe(false);
    // Prototype keys are not channels.
    expect(await connection.call('toString', {})).toMatchObject({
      ok: false,
      error: { kind: 'unknown-channel' },
    });
  });

  it('rejects a bad payload with the field and what is wrong, before the handler runs', async () => {
    let called = false;
    const { connection } = routerWith({
      'contexts.use': () => {
        called = true;
        throw new Error('not reached');
      },
    });
    const result = await connection.call('contexts.use', { context: 7 });
    expect(result).toMatchObject({
      ok: false,
      error: {
        kind: 'bad-request',
        message: 'bad request to contexts.use: context: Invalid input: expected string, received number',
        details: {
          issues: [{ path: ['context'], message: 'Invalid input: expected string, received number' }],
        },
      },
    });
    expect(await connection.call('contexts.use', undefined)).toMatchObject({
      ok: false,
      error: {
        message:
          'bad request to contexts.use: (top level): Invalid input: expected object, received undefined',
      },
    });
    expect(await connection.call('contexts.use', { context: 'a', force: true })).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('Unrecognized key: "force"') },
    });
    expect(called).toBe(false);
  });

  it('fills payload defaults before the handler sees them', async () => {
    let seen: unknown;
    const { connection } = routerWith({
      'filter.validate': (payload) => {
        seen = payload;
        return { valid: true, expression: payload.expression, instructions: 1 };
      },
    });
    await connection.call('filter.validate', { expression: 'tcp' });
    expect(seen).toEqual({ expression: 'tcp', linkType: 1 });
  });

  it("turns a thrown KubeError into the user's sentence with its kind", async () => {
    const { connection } = routerWith({
      'contexts.use': () => {
        throw new KubeError('kubeconfig', 'context "x" does not exist in /k; known contexts: a, b');
      },
    });
    expect(await connection.call('contexts.use', { context: 'x' })).toEqual({
      ok: false,
      error: { kind: 'kubeconfig', message: 'context "x" does not exist in /k; known contexts: a, b' },
    });
  });

  it('reports an unexpected exception as internal, and logs it', async () => {
    const { connection, logs } = routerWith({
      'app.info': () => {
        throw new TypeError('x is undefined');
      },
    });
    expect(await connection.call('app.info', {})).toEqual({
      ok: false,
      error: { kind: 'internal', message: 'internal error: x is undefined' },
    });
    expect(logs.join('\n')).toContain('app.info failed: TypeError: x is undefined');
  });

  it('catches a handler answering outside the contract (validateOutgoing)', async () => {
    const { connection } = routerWith({ 'app.info': () => ({ ...info, mode: 'tv' }) as never });
    expect(await connection.call('app.info', {})).toMatchObject({
      ok: false,
      error: { kind: 'internal', message: expect.stringContaining('mode: Invalid option') },
    });
  });

  it('answers electron-only channels with unavailable in serve mode, missing handlers likewise', async () => {
    const { connection } = routerWith({ 'dialog.openCapture': () => ({ file: null }) });
    expect(await connection.call('dialog.openCapture', {})).toMatchObject({
      ok: false,
      error: {
        kind: 'unavailable',
        message: 'dialog.openCapture is available only in the ClusterTap desktop app, not in a browser',
      },
    });
    const electron = routerWith({ 'dialog.openCapture': () => ({ file: null }) }, 'electron');
    expect(await electron.connection.call('dialog.openCapture', {})).toEqual({
      ok: true,
      value: { file: null },
    });
    expect(await electron.connection.call('settings.get', {})).toMatchObject({
      ok: false,
      error: { kind: 'unavailable' },
    });
  });

  it('speaks the wire protocol: request → result with the same id; malformed messages answered when they have an id', async () => {
    const { connection, sent, logs } = routerWith({ 'app.info': () => info });
    connection.receive({ type: 'request', id: 7, channel: 'app.info', payload: {} });
    connection.receive({ type: 'request', id: 8, channel: 'app.info' }); // payload missing: still undefined → bad request
    connection.receive({ type: 'bogus', id: 9 });
    connection.receive('not an object');
    await new Promise((r) => setTimeout(r, 10));
    expect(sent).toContainEqual({ type: 'result', id: 7, result: { ok: true, value: info } });
    expect(sent.find((m) => m.type === 'result' && m.id === 8)).toMatchObject({
      result: { ok: false, error: { kind: 'bad-request' } },
    });
    expect(sent.find((m) => m.type === 'result' && m.id === 9)).toMatchObject({
      result: {
        ok: false,
        error: { kind: 'bad-request', message: expect.stringMatching(/^malformed message: type: /) },
      },
    });
    expect(logs.some((l) => l.includes('ignored a malformed message'))).toBe(true);
  });

  it('sends an event only to connections that subscribed to its channel; unsubscribe and close stop it', () => {
    const { router, connection, sent, bus } = routerWith({});
    const other: ServerMessage[] = [];
    router.connect((m) => other.push(m));
    const state = { sources: [], contexts: [], current: null, kubeconfigCurrent: null, problem: null };
    connection.receive({ type: 'subscribe', channel: 'contexts.changed' });
    bus.emit('contexts.changed', state);
    expect(sent).toEqual([{ type: 'event', channel: 'contexts.changed', payload: state }]);
    expect(other).toEqual([]);
    connection.receive({ type: 'unsubscribe', channel: 'contexts.changed' });
    bus.emit('contexts.changed', state);
    expect(sent).toHaveLength(1);
    expect(connection.subscribe('no.such')).toMatchObject({ ok: false, error: { kind: 'unknown-channel' } });
  });

  it('drops an event that breaks the contract instead of sending it (validateOutgoing)', () => {
    const { connection, sent, logs, bus } = routerWith({});
    connection.subscribe('menu.command');
    bus.emit('menu.command', { command: 'format-disk' } as never);
    expect(sent).toEqual([]);
    expect(logs.join()).toContain('event menu.command breaks the contract');
  });

  it('runs the cleanups of a connection when it closes, and refuses calls afterwards', async () => {
    let cleaned = 0;
    const { router, connection } = routerWith({
      'inventory.unsubscribe': (_p, caller) => {
        caller.onClose(() => cleaned++);
        return {};
      },
    });
    await connection.call('inventory.unsubscribe', {});
    expect(router.connectionCount).toBe(1);
    connection.close();
    connection.close();
    expect(cleaned).toBe(1);
    expect(router.connectionCount).toBe(0);
    expect(await connection.call('inventory.unsubscribe', {})).toMatchObject({
      ok: false,
      error: { kind: 'disconnected' },
    });
  });

  it('result schemas accept exactly the documented shapes', () => {
    const probe = contract.requests['cluster.probe'].result;
    expect(probe.safeParse({ context: 'a', server: 's', reachable: true, version: 'v1.33.0' }).success).toBe(
      true,
    );
    expect(
      probe.safeParse({ context: 'a', server: 's', reachable: false, reason: 'ECONNREFUSED' }).success,
    ).toBe(false);
    const filter = contract.requests['filter.validate'].result;
    expect(filter.safeParse({ valid: false, expression: 'x', message: 'syntax error' }).success).toBe(true);
    expect(z.object({}).safeParse({}).success).toBe(true);
  });
});
