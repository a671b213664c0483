import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppCore, type AppCoreDeps } from '../../../main/app/app-core.js';
import { toApiError } from '../../../main/app/errors.js';
import { createClient, type Transport } from '../../../main/ipc/client.js';
import { contract } from '../../../main/ipc/contract/index.js';
import { createRouter } from '../../../main/ipc/router.js';
import type { EventChannel, EventPayload } from '../../../main/ipc/types.js';
import type { ServerMessage } from '../../../main/ipc/wire.js';

/** Kubeconfig files and an AppCore wired to a client, as the UI would hold it. */

export function tempDir(prefix = 'ct-ipc-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function kubeconfigYaml(options: { server?: string; current?: string; extra?: string } = {}): string {
  const server = options.server ?? 'https://127.0.0.1:1';
  return `apiVersion: v1
kind: Config
current-context: ${options.current ?? 'dev'}
clusters:
- name: dev-cluster
  cluster:
    server: ${server}
- name: prod-cluster
  cluster:
    server: https://192.0.2.10:6443
users:
- name: dev-user
  user:
    token: secret
contexts:
- name: dev
  context:
    cluster: dev-cluster
    user: dev-user
    namespace: shop
- name: prod
  context:
    cluster: prod-cluster
    user: dev-user
- name: broken
  context:
    cluster: missing-cluster
    user: dev-user
${options.extra ?? ''}`;
}

export function writeKubeconfig(dir: string, text = kubeconfigYaml(), name = 'config'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** An AppCore, a router and a client over JSON messages; `events` records what the window got. */
export function startCore(deps: Partial<AppCoreDeps> & Pick<AppCoreDeps, 'source'>) {
  const core = new AppCore({
    mode: 'serve',
    version: '9.9.9',
    watchKubeconfig: false,
    ...deps,
    source: { env: {}, ...deps.source },
  }).start();
  const router = createRouter({
    handlers: core.handlers(),
    bus: core.bus,
    mode: deps.mode ?? 'serve',
    toError: toApiError,
    validateOutgoing: true,
    log: (line) => {
      throw new Error(`router log: ${line}`);
    },
  });
  const toClient = new Set<(m: ServerMessage) => void>();
  const connection = router.connect((m) => {
    const copy = JSON.parse(JSON.stringify(m)) as ServerMessage;
    for (const l of toClient) l(copy);
  });
  const transport: Transport = {
    send: (m) => connection.receive(JSON.parse(JSON.stringify(m))),
    onMessage: (l) => {
      toClient.add(l);
      return () => toClient.delete(l);
    },
  };
  const api = createClient(transport, { validateWith: contract });
  const events: Array<{ channel: string; payload: unknown; at: number }> = [];
  const record = <C extends EventChannel>(channel: C) =>
    api.subscribe(channel, (payload: EventPayload<C>) => events.push({ channel, payload, at: Date.now() }));
  /** Awaited: the core's packet store removes its spill directory. */
  const close = async () => {
    router.close();
    await core.close();
  };
  return { core, router, connection, api, events, record, close };
}
