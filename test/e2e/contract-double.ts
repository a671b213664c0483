import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { AppCore } from '../../main/app/app-core.js';
import { AppError, toApiError } from '../../main/app/errors.js';
import { openSettingsStore } from '../../main/app/settings-store.js';
import { COLOURING_RULE_BY_NAME } from '../../main/dissect/colour.js';
import { dissectPacket, summarizePacket } from '../../main/dissect/dissect.js';
import type { CountersSchema } from '../../main/ipc/contract/flows.js';
import { contract } from '../../main/ipc/contract/index.js';
import type { PacketRow, PacketStats } from '../../main/ipc/contract/packets.js';
import type { UiSettings } from '../../main/ipc/contract/settings.js';
import type { TapState } from '../../main/ipc/contract/tap.js';
import { createRouter, type Handlers } from '../../main/ipc/router.js';
import { startServeServer } from '../../main/serve/server.js';
import { DownloadRegistry } from '../../main/serve/transfers.js';
import { buildRenderer, REPO, tempDir } from './serve.js';
import { TEMPLATES } from './synthetic-frames.js';

/**
 * A stand-in for the core's tap, packet and flow channels, for UI tests that need traffic the lab
 * cannot make (100 000 packets/s) or states it cannot make on demand (a forbidden start, a failing
 * node). Everything else is the real AppCore behind the real serve server. Answers and events are
 * validated against the contract's schemas (validateOutgoing), so the double cannot drift from
 * what the real core must send. Packets are synthetic: packet n is TEMPLATES[(n-1) % 8], dissected
 * by the real dissector. Its display-filter language is protocol names only (tcp, udp, dns, http,
 * icmp), enough to see the UI filter; the real filter is the core's. Settings are the real core's
 * settings store on a JSON file (a fresh one in the double's directory unless `settingsFile` is
 * given): they outlive a page reload, and, with the same file, a restart of the double.
 */

export interface DoubleOptions {
  kubeconfig: string;
  /** tap.start fails like an RBAC preflight does. */
  forbidTap?: boolean;
  /** A node whose agent fails, with this reason. */
  failingNode?: string;
  /** The settings file (serve's settings.json); give the same one to a second double to "restart". */
  settingsFile?: string;
}

export interface ContractDouble {
  url: string;
  /** Packets per second the fake tap produces while running (default 2000). */
  setRate(packetsPerSecond: number): void;
  /** Appends packets at once. */
  add(count: number): void;
  readonly count: number;
  /** Every request the UI made, in order (channel and payload), for assertions. */
  readonly requests: { channel: string; payload: unknown }[];
  /** What the core's settings store holds now (settings.get's answer). */
  settings(): UiSettings;
  /** Stops the server and the core; pending settings are written to the file first. */
  stop(): Promise<void>;
}

const NODES = ['lab-node-1', 'lab-node-2', 'lab-node-3'];
const PODS = { web: 'web-649f58f58-6v7bt', db: 'db-85465c4d5c-td7p6', dns: 'dns-9fb4bc947-8fwzn' } as const;

export async function startContractDouble(options: DoubleOptions): Promise<ContractDouble> {
  buildRenderer();
  const downloads = new DownloadRegistry();
  const dir = tempDir('clustertap-double');
  const settings = openSettingsStore({
    file: options.settingsFile ?? path.join(dir, 'settings.json'),
    warn: (message) => process.stderr.write(`double: ${message}\n`),
  });
  const core = new AppCore({
    settings,
    mode: 'serve',
    version: 'double',
    source: { kubeconfig: options.kubeconfig, env: {} },
    downloads,
    uploads: true,
  });
  const bus = core.bus;
  const requests: { channel: string; payload: unknown }[] = [];

  let count = 0;
  let rate = 2000;
  let filter = '';
  let phase: 'idle' | 'deploying' | 'running' | 'stopping' | 'failed' = 'idle';
  let startedAt: string | null = null;
  let generated = 0;
  let lastTick = Date.now();
  const log: { at: string; level: 'info' | 'warning' | 'error'; message: string }[] = [];

  const selectedTemplates = () =>
    filter === ''
      ? TEMPLATES.map((_, i) => i)
      : TEMPLATES.flatMap((t, i) => (t.protocols.includes(filter) ? [i] : []));
  const displayed = () => {
    const k = selectedTemplates();
    const full = Math.floor(count / TEMPLATES.length) * k.length;
    return full + k.filter((i) => i < count % TEMPLATES.length).length;
  };
  /** Packet number of display index j. */
  const numberAt = (j: number) => {
    const k = selectedTemplates();
    return Math.floor(j / k.length) * TEMPLATES.length + (k[j % k.length] ?? 0) + 1;
  };
  const frame = (n: number) => (TEMPLATES[(n - 1) % TEMPLATES.length] as (typeof TEMPLATES)[number]).build(n);
  const row = (n: number): PacketRow => {
    const template = TEMPLATES[(n - 1) % TEMPLATES.length] as (typeof TEMPLATES)[number];
    const bytes = frame(n);
    const summary = summarizePacket(1, bytes, bytes.length);
    const rule = summary.colour ? COLOURING_RULE_BY_NAME.get(summary.colour) : undefined;
    const node = NODES[template.pod === 'db' ? 1 : 0] as string;
    return {
      number: n,
      time: (n - 1) / Math.max(rate, 1),
      epoch: 1_780_000_000 + (n - 1) / Math.max(rate, 1),
      node,
      namespace: 'shop',
      pod: PODS[template.pod],
      direction: template.direction,
      interfaceName: `${node}/shop/${PODS[template.pod]} (${template.direction})`,
      source: summary.source,
      destination: summary.destination,
      protocol: summary.protocol,
      length: bytes.length,
      info: summary.info,
      colour: rule ? { rule: rule.name, foreground: rule.foreground, background: rule.background } : null,
    };
  };
  const stats = (): PacketStats => ({
    count,
    displayed: displayed(),
    bytes: count * 80,
    droppedByLimit: 0,
    filtering: null,
    displayFilter: filter,
    source: count === 0 ? ('empty' as const) : ('live' as const),
    fileName: null,
  });
  const tapState = (): TapState => ({
    phase,
    sessionId: phase === 'idle' ? null : 'double1',
    context: 'lab',
    selection: null,
    transport:
      phase === 'running' ? { kind: 'vxlan' as const, why: "the agents' tunnel probes arrive here" } : null,
    nodes:
      phase === 'idle'
        ? []
        : NODES.map((node) => {
            const failing = node === options.failingNode;
            return {
              node,
              agent: failing
                ? ('problem' as const)
                : phase === 'deploying'
                  ? ('starting' as const)
                  : ('ready' as const),
              reason: failing ? 'image pull failed: ErrImagePull (registry.invalid/clustertap-agent)' : null,
              mirroring: failing || phase === 'deploying' ? null : ('active' as const),
              taps: failing ? 0 : 4,
              packets: failing ? 0 : Math.floor(count / 2),
              bytes: failing ? 0 : count * 40,
              dropped: 0,
              problems: [],
            };
          }),
    log,
    error:
      phase === 'failed'
        ? {
            kind: 'forbidden' as const,
            message:
              'lab-viewer may not deploy the tap agents: it lacks 3 permissions in namespace clustertap',
            missing: [
              'create daemonsets.apps in clustertap',
              'create leases.coordination.k8s.io in clustertap',
              'create roles.rbac.authorization.k8s.io in shop',
            ],
          }
        : null,
    startedAt,
  });
  const say = (level: 'info' | 'warning' | 'error', message: string) => {
    log.push({ at: new Date().toISOString(), level, message });
    bus.emit('tap.changed', tapState());
  };

  // The fake broker: packets arrive at `rate` while running; stats at most every 100 ms.
  let lastEmitted = '';
  const ticker = setInterval(() => {
    const now = Date.now();
    if (phase === 'running') {
      generated += ((now - lastTick) / 1000) * rate;
      const whole = Math.floor(generated);
      generated -= whole;
      count += whole;
    }
    lastTick = now;
    const next = JSON.stringify(stats());
    if (next !== lastEmitted) {
      lastEmitted = next;
      bus.emit('packets.changed', stats());
    }
  }, 100);
  const counterTicker = setInterval(() => {
    if (phase !== 'running') return;
    const counters: z.infer<typeof CountersSchema> = {
      at: Date.now(),
      stages: [
        { name: 'received', packets: count },
        { name: 'filtered', packets: 0 },
        { name: 'de-duplicated', packets: 0 },
        { name: 'sampled out', packets: 0 },
        { name: 'written', packets: count },
      ],
      nodes: NODES.map((node) => ({
        node,
        received: node === options.failingNode ? 0 : Math.floor(count / 2),
        bytes: count * 40,
        dropped: 0,
      })),
      rate,
    };
    bus.emit('counters.changed', counters);
  }, 1000);

  const fake: Record<string, (payload: never) => unknown> = {
    'tap.state': () => tapState(),
    'tap.start': () => {
      if (options.forbidTap) {
        phase = 'failed';
        bus.emit('tap.changed', tapState());
        const error = tapState().error;
        throw new AppError('forbidden', error?.message ?? '', { missing: error?.missing });
      }
      phase = 'deploying';
      say('info', 'Deploying agents to lab-node-1, lab-node-2, lab-node-3');
      setTimeout(() => {
        phase = 'running';
        startedAt = new Date().toISOString();
        lastTick = Date.now();
        say(
          'info',
          'Mirroring on 2 of 3 nodes; Transport: vxlan (the agents\u2019 tunnel probes arrive here)',
        );
      }, 400);
      return { sessionId: 'double1' };
    },
    'tap.stop': () => {
      phase = 'stopping';
      say('info', 'Removing the agents');
      setTimeout(() => {
        phase = 'idle';
        startedAt = null;
        say('info', 'Every object of the session was removed');
      }, 300);
      return { removed: true };
    },
    'policy.apply': () => ({ applied: true }),
    'packets.stats': () => stats(),
    'packets.rows': ({ start, count: n }: { start: number; count: number }) => {
      const total = displayed();
      const rows = [];
      for (let j = start; j < Math.min(total, start + n); j++) rows.push(row(numberAt(j)));
      return { rows, displayed: total };
    },
    'packets.detail': ({ number }: { number: number }) => {
      if (number > count) throw new AppError('not-found', `there is no packet ${number} in the store`);
      const bytes = frame(number);
      const dissection = dissectPacket(1, bytes, bytes.length);
      return {
        row: row(number),
        tree: dissection.tree,
        bytes: Buffer.from(bytes).toString('base64'),
        originalLength: bytes.length,
      };
    },
    'packets.checkDisplayFilter': ({ filter: f }: { filter: string }) => {
      const word = f.trim();
      if (word === '' || TEMPLATES.some((t) => t.protocols.includes(word))) return { valid: true };
      return { valid: false, message: `"${word}" is neither a field nor a protocol name.`, position: 0 };
    },
    'packets.setDisplayFilter': ({ filter: f }: { filter: string }) => {
      filter = f.trim();
      return { displayed: displayed() };
    },
    'packets.clear': () => {
      count = 0;
      return {};
    },
    'capture.save': ({ which }: { which: unknown }) => {
      const file = path.join(dir, `saved-${Date.now()}.pcapng`);
      fs.writeFileSync(file, JSON.stringify(which));
      return {
        packets:
          typeof which === 'string'
            ? which === 'all'
              ? count
              : displayed()
            : (which as { selected: number[] }).selected.length,
        downloadUrl: downloads.register(file, { name: 'double.pcapng' }).url,
      };
    },
    'capture.openInWireshark': () => ({
      launched: false,
      message: 'Wireshark is not installed on this machine (no `wireshark` on PATH).',
    }),
    'flows.list': () => ({
      flows: [
        {
          protocol: 'TCP',
          source: '10.244.1.4',
          sourcePort: 40001,
          destination: '10.244.2.3',
          destinationPort: 8080,
          sourcePod: `shop/${PODS.web}`,
          destinationPod: `shop/${PODS.db}`,
          packets: Math.floor(count * 0.6),
          bytes: count * 50,
          rate: rate * 400,
          firstSeen: 0,
          lastSeen: count / Math.max(rate, 1),
        },
        {
          protocol: 'UDP',
          source: '10.244.1.4',
          sourcePort: 50001,
          destination: '10.244.1.3',
          destinationPort: 53,
          sourcePod: `shop/${PODS.web}`,
          destinationPod: `shop/${PODS.dns}`,
          packets: Math.floor(count * 0.25),
          bytes: count * 20,
          rate: rate * 160,
          firstSeen: 0,
          lastSeen: count / Math.max(rate, 1),
        },
      ],
      total: 2,
    }),
  };
  const recording = Object.fromEntries(
    Object.entries({ ...core.handlers(), ...fake }).map(([channel, handler]) => [
      channel,
      (payload: never, caller: never) => {
        requests.push({ channel, payload });
        return (handler as (p: never, c: never) => unknown)(payload, caller);
      },
    ]),
  );
  const router = createRouter({
    handlers: recording as unknown as Partial<Handlers>,
    bus,
    mode: 'serve',
    toError: toApiError,
    validateOutgoing: true,
    contract,
    log: (line) => process.stderr.write(`double: ${line}\n`),
  });
  const server = await startServeServer({
    bind: '127.0.0.1',
    port: 0,
    router,
    files: core.files,
    downloads,
    rendererDir: path.join(REPO, 'dist', 'renderer'),
  });
  core.start();
  return {
    url: server.url,
    setRate: (pps) => {
      rate = pps;
    },
    add: (n) => {
      count += n;
    },
    get count() {
      return count;
    },
    requests,
    settings: () => {
      const { window: _window, ...ui } = settings.get();
      return ui;
    },
    stop: async () => {
      clearInterval(ticker);
      clearInterval(counterTicker);
      await server.close();
      router.close();
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
