import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import {
  PacketStore,
  type PacketStoreDeps,
  type PacketRow as StoreRow,
  type StoreStats,
} from '../../capture/packet-store/index.js';
import { COLOURING_RULE_BY_NAME, type ColouringRuleName } from '../../dissect/colour.js';
import { compileDisplayFilter } from '../../dissect/display-filter/display-filter.js';
import { dissectPacket, summarizePacket } from '../../dissect/dissect.js';
import { parsePacket } from '../../dissect/parse.js';
import type { FileRef } from '../../ipc/contract/files.js';
import type { PacketRow, PacketStats, packets } from '../../ipc/contract/packets.js';
import { AppError } from '../errors.js';
import type { FileGrants } from '../file-grants.js';

type Which = z.output<(typeof packets.requests)['capture.save']['payload']>['which'];

export interface PacketServiceDeps {
  files: FileGrants;
  /** serve: a one-time download URL for a file the core wrote. Absent in Electron. */
  offerDownload?: (file: string, name: string) => { url: string };
  emit(stats: PacketStats): void;
  progress(task: 'open' | 'save', done: number, total: number | null): void;
  /** Whether a capture is running into the store (opening a file then would lose its packets). */
  capturing(): boolean;
  /** Only where the user sits at this machine (the Electron app) can Wireshark be opened for them. */
  canLaunchWireshark: boolean;
  store?: PacketStoreDeps;
}

/** The store's summary column source: the dissector, with the colouring rule's name. */
const summarize: PacketStoreDeps['summarize'] = (linkType, bytes, originalLength) => {
  const row = summarizePacket(linkType, bytes, originalLength);
  return { ...row, colour: row.colour ?? undefined };
};

/**
 * The packet view of the app: one packet store at a time (live capture or an opened file), rows
 * for the virtualized list, one packet's tree and bytes, the display filter (Wireshark syntax,
 * with k8s.node/namespace/pod/direction from each packet's interface), save and open.
 */
export class PacketService {
  private current: PacketStore;
  private unsubscribe: () => void;
  private source: PacketStats['source'] = 'empty';
  private fileName: string | null = null;
  private displayFilter = '';

  constructor(private readonly deps: PacketServiceDeps) {
    this.current = this.newStore();
    this.unsubscribe = this.current.subscribe((stats) => this.emit(stats));
  }

  /** The broker's sink while tapping. */
  get store(): PacketStore {
    return this.current;
  }

  liveCaptureStarted(): void {
    if (this.source === 'empty') this.source = 'live';
  }

  stats(): PacketStats {
    return this.toStats(this.current.stats());
  }

  async rows(start: number, count: number): Promise<{ rows: PacketRow[]; displayed: number }> {
    const rows = await this.current.rows(start, count, 'displayed');
    return { rows: rows.map(toRow), displayed: this.current.stats().displayedCount };
  }

  async detail(n: number) {
    const meta = this.current.meta(n);
    const bytes = await this.current.readPacket(n);
    const rowIndex = this.current.rowOf(n, 'all');
    const [row] = rowIndex >= 0 ? await this.current.rows(rowIndex, 1, 'all') : [];
    if (!meta || !bytes || !row) throw new AppError('not-found', `packet ${n} is no longer in the store`);
    const dissection = dissectPacket(meta.linkType, bytes, meta.originalLength);
    return {
      row: toRow(row),
      tree: dissection.tree,
      bytes: Buffer.from(bytes).toString('base64'),
      originalLength: meta.originalLength,
    };
  }

  checkDisplayFilter(text: string) {
    const compiled = compileDisplayFilter(text);
    return compiled.ok
      ? { valid: true as const }
      : { valid: false as const, message: compiled.error, position: compiled.position };
  }

  async setDisplayFilter(text: string): Promise<{ displayed: number }> {
    const compiled = compileDisplayFilter(text);
    if (!compiled.ok)
      throw new AppError(
        'invalid',
        `display filter: ${compiled.error} (at character ${compiled.position + 1})`,
      );
    this.displayFilter = text.trim();
    const store = this.current;
    const context = { frameNumber: 0, node: '', namespace: '', pod: '', direction: '' };
    const outcome = await store.setDisplayFilter(
      this.displayFilter === ''
        ? undefined
        : (n, bytes, meta) => {
            const pod = store.interfaceInfo(meta.interfaceId)?.pod;
            context.frameNumber = n;
            context.node = pod?.node ?? '';
            context.namespace = pod?.namespace ?? '';
            context.pod = pod?.name ?? '';
            context.direction = pod?.direction ?? '';
            return compiled.filter(parsePacket(meta.linkType, bytes, meta.originalLength), context);
          },
    );
    return { displayed: outcome.displayedCount };
  }

  /** Empties the store; a running tap goes on writing into the new one. */
  async clear(): Promise<void> {
    await this.replace(this.newStore(), this.deps.capturing() ? 'live' : 'empty', null);
  }

  async save(
    which: Which,
    file: FileRef | undefined,
  ): Promise<{ packets: number; downloadUrl: string | null }> {
    if (file) {
      const target = this.deps.files.take(file.id, 'write');
      const result = await this.export(which, target.path);
      return { packets: result.packets, downloadUrl: null };
    }
    if (!this.deps.offerDownload) throw new AppError('invalid', 'choose where to save: File ▸ Save capture…');
    const name = `clustertap-${new Date().toISOString().replace(/[:.]/g, '-')}.pcapng`;
    const temp = path.join(this.current.directory, name);
    const result = await this.export(which, temp);
    return { packets: result.packets, downloadUrl: this.deps.offerDownload(temp, name).url };
  }

  async open(file: FileRef): Promise<{ packets: number }> {
    if (this.deps.capturing())
      throw new AppError(
        'conflict',
        'a tap is capturing into the packet list: stop it (or save) before opening a file',
      );
    const source = this.deps.files.take(file.id, 'read');
    const opened = await PacketStore.open(
      source.path,
      this.storeDeps(),
      (p) => this.deps.progress('open', p.bytesRead, p.size ?? null),
      source.name,
    );
    await this.replace(opened.store, 'file', source.name);
    if (this.displayFilter) await this.setDisplayFilter(this.displayFilter);
    return { packets: opened.store.stats().count };
  }

  async openInWireshark(which: Which): Promise<{ launched: boolean; message: string }> {
    if (!this.deps.canLaunchWireshark)
      return {
        launched: false,
        message:
          'Wireshark opens on the machine ClusterTap runs on: in a browser, save the capture and open the download',
      };
    const wireshark = findOnPath('wireshark');
    if (!wireshark) return { launched: false, message: 'Wireshark is not installed (no wireshark on PATH)' };
    const file = path.join(this.current.directory, `wireshark-${Date.now()}.pcapng`);
    const result = await this.export(which, file);
    spawn(wireshark, ['-r', file], { detached: true, stdio: 'ignore' }).unref();
    return { launched: true, message: `opened ${result.packets} packets in Wireshark` };
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.current.close();
  }

  private async export(which: Which, destination: string) {
    await this.current.flush();
    return this.current.export(which, destination, {
      onProgress: (p) => this.deps.progress('save', p.written, p.total),
    });
  }

  private async replace(next: PacketStore, source: PacketStats['source'], fileName: string | null) {
    const old = this.current;
    this.unsubscribe();
    this.current = next;
    this.source = source;
    this.fileName = fileName;
    this.unsubscribe = next.subscribe((stats) => this.emit(stats));
    await old.close();
  }

  private newStore(): PacketStore {
    return new PacketStore(this.storeDeps());
  }

  private storeDeps(): PacketStoreDeps {
    return { notifyIntervalMs: 100, ...this.deps.store, summarize };
  }

  private emit(stats: StoreStats): void {
    this.deps.emit(this.toStats(stats));
  }

  private toStats(stats: StoreStats): PacketStats {
    const filter = stats.filter;
    return {
      count: stats.count,
      displayed: stats.displayedCount,
      bytes: stats.spillBytes,
      droppedByLimit: stats.droppedByLimit + stats.droppedBacklog,
      filtering: filter && !filter.done ? Math.min(1, filter.processed / Math.max(1, filter.total)) : null,
      displayFilter: this.displayFilter,
      source: this.source,
      fileName: this.fileName,
    };
  }
}

function toRow(row: StoreRow): PacketRow {
  const pod = row.interface.pod;
  const rule = row.summary.colour
    ? COLOURING_RULE_BY_NAME.get(row.summary.colour as ColouringRuleName)
    : undefined;
  return {
    number: row.number,
    time: row.time.relative,
    epoch: row.time.epochSeconds + row.time.nanoseconds / 1e9,
    node: pod?.node ?? '',
    namespace: pod?.namespace ?? '',
    pod: pod?.name ?? '',
    direction: pod?.direction ?? 'unknown',
    interfaceName: row.interface.name,
    source: row.summary.source,
    destination: row.summary.destination,
    protocol: row.summary.protocol,
    length: row.length,
    info: row.summary.info,
    colour: rule ? { rule: rule.name, foreground: rule.foreground, background: rule.background } : null,
  };
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
