import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { removeStaleStoreDirectories } from '../../capture/packet-store/index.js';
import type { CountersSchema } from '../../ipc/contract/flows.js';
import type { EventBus } from '../../ipc/event-bus.js';
import type { Handlers } from '../../ipc/router.js';
import type { KubeconfigClient } from '../../kube/kubeconfig/connection.js';
import { AppError } from '../errors.js';
import type { FileGrants } from '../file-grants.js';
import { FlowTable } from './flow-table.js';
import { PacketService } from './packet-service.js';
import { TapService } from './tap-service.js';

type CaptureChannels =
  | 'tap.start'
  | 'tap.listen'
  | 'tap.stop'
  | 'tap.state'
  | 'policy.apply'
  | 'packets.rows'
  | 'packets.detail'
  | 'packets.setDisplayFilter'
  | 'packets.checkDisplayFilter'
  | 'packets.clear'
  | 'packets.stats'
  | 'capture.save'
  | 'capture.open'
  | 'capture.openInWireshark'
  | 'flows.list'
  | 'flows.export';

export interface CaptureCoreDeps {
  bus: EventBus;
  files: FileGrants;
  connection(context?: string): { name: string; kubeConfig: KubeconfigClient };
  /** serve: a one-time download URL for a file the core wrote. */
  offerDownload?: (file: string, name: string) => { url: string };
  /** "namespace/pod" for an address, from the inventory (flows name their pods). */
  podOf(ip: string): string | null;
  canLaunchWireshark: boolean;
  vxlanPort?: number;
  /** Where the packet store spills (default: the OS temp directory). */
  tempDirectory?: string;
}

/**
 * The capture half of the core: the tap session, the packet store behind the live view, flows
 * and counters, as the contract's tap/packets/flows channels. Counters go out once a second
 * while a tap runs.
 */
export class CaptureCore {
  readonly flows = new FlowTable();
  readonly packets: PacketService;
  readonly tap: TapService;
  private readonly ticker: NodeJS.Timeout;
  private lastWritten = 0;

  constructor(private readonly deps: CaptureCoreDeps) {
    this.packets = new PacketService({
      files: deps.files,
      ...(deps.offerDownload && { offerDownload: deps.offerDownload }),
      emit: (stats) => deps.bus.emit('packets.changed', stats),
      progress: (task, done, total) => deps.bus.emit('capture.progress', { task, done, total }),
      capturing: () => this.tap.busy,
      canLaunchWireshark: deps.canLaunchWireshark,
      ...(deps.tempDirectory && { store: { tempDirectory: deps.tempDirectory } }),
    });
    this.tap = new TapService({
      connection: (context) => deps.connection(context),
      sink: () => this.packets.store,
      observers: [this.flows.observe],
      emit: (state) => deps.bus.emit('tap.changed', state),
      ...(deps.vxlanPort !== undefined && { vxlanPort: deps.vxlanPort }),
    });
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ticker.unref();
    // Spill directories of stores whose process died (a crash, kill -9): a day later they go.
    void removeStaleStoreDirectories(deps.tempDirectory ?? os.tmpdir()).catch(() => undefined);
  }

  handlers(): Pick<Handlers, CaptureChannels> {
    return {
      'tap.start': async (payload) => {
        const started = await this.tap.start(payload);
        this.packets.liveCaptureStarted();
        return started;
      },
      'tap.listen': async (payload) => {
        const listening = await this.tap.listen(payload);
        this.packets.liveCaptureStarted();
        return listening;
      },
      'tap.stop': (payload) => this.tap.stop(payload.keepAgents),
      'tap.state': () => this.tap.current(),
      'policy.apply': async (payload) => ({ applied: await this.tap.applyPolicy(payload.policy) }),
      'packets.rows': (payload) => this.packets.rows(payload.start, payload.count),
      'packets.detail': (payload) => this.packets.detail(payload.number),
      'packets.setDisplayFilter': (payload) => this.packets.setDisplayFilter(payload.filter),
      'packets.checkDisplayFilter': (payload) => this.packets.checkDisplayFilter(payload.filter),
      'packets.clear': async () => {
        await this.packets.clear();
        this.flows.clear();
        return {};
      },
      'packets.stats': () => this.packets.stats(),
      'capture.save': (payload) => this.packets.save(payload.which, payload.file),
      'capture.open': async (payload) => {
        const opened = await this.packets.open(payload.file);
        this.flows.clear();
        return opened;
      },
      'capture.openInWireshark': (payload) => this.packets.openInWireshark(payload.which),
      'flows.list': (payload) => ({
        flows: this.flows.list(payload.limit, (ip) => this.deps.podOf(ip)),
        total: this.flows.size,
      }),
      'flows.export': (payload) => this.exportFlows(payload.file),
    };
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    if (this.tap.busy) await this.tap.stop(false).catch(() => undefined);
    await this.packets.close();
  }

  private exportFlows(file: { id: string } | undefined) {
    const csv = this.flows.csv((ip) => this.deps.podOf(ip));
    const flows = this.flows.size;
    if (file) {
      fs.writeFileSync(this.deps.files.take(file.id, 'write').path, csv);
      return { flows, downloadUrl: null };
    }
    if (!this.deps.offerDownload) throw new AppError('invalid', 'choose where to save: File ▸ Export flows…');
    const name = `clustertap-flows-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`;
    const temp = path.join(this.packets.store.directory, name);
    fs.writeFileSync(temp, csv);
    return { flows, downloadUrl: this.deps.offerDownload(temp, name).url };
  }

  /** Once a second while tapping: every stage's and node's counters, and the packet rate. */
  private tick(): void {
    const broker = this.tap.counters();
    if (!broker) return;
    const c = broker.counters;
    const rate = Math.max(0, c.written - this.lastWritten);
    this.lastWritten = c.written;
    const counters: z.infer<typeof CountersSchema> = {
      at: Date.now() / 1000,
      stages: [
        { name: 'received', packets: c.received },
        { name: 'tunnel probes', packets: c.tunnelProbes },
        {
          name: 'decapsulation errors',
          packets: c.decapErrors.truncated + c.decapErrors.badFlags + c.decapErrors.unknownEthertype,
        },
        ...broker.stageCounters().map((s) => ({ name: `${s.stage} (passed)`, packets: s.out })),
        { name: 'dropped by policy', packets: c.droppedByPolicy },
        { name: 'kernel drops (receive buffer)', packets: broker.kernelDrops() },
        { name: 'stored', packets: c.written },
        { name: 'not stored (store full or disk behind)', packets: c.writerDropped },
      ],
      nodes: this.tap.current().nodes.map((n) => ({
        node: n.node,
        received: n.packets,
        bytes: n.bytes,
        dropped: n.dropped,
      })),
      rate,
    };
    this.deps.bus.emit('counters.changed', counters);
  }
}
