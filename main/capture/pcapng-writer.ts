import fs from 'node:fs';
import type { Writable } from 'node:stream';
import {
  encodeInterfaceDescription,
  encodeInterfaceStatistics,
  encodeSectionHeader,
  enhancedPacketSize,
  type InterfaceInfo,
  type InterfaceStatistics,
  type SectionInfo,
  writeEnhancedPacket,
} from './pcapng-blocks.js';
import { type Rotation, rotatedFileName, rotates } from './rotation.js';

const CHUNK_SIZE = 1 << 20;
/** Bytes queued to the OS beyond which packets are dropped (and counted) rather than buffered. */
const MAX_BACKLOG = 64 << 20;
const FLUSH_INTERVAL_MS = 100;
const SPARE_CHUNKS = 8;

const viewOf = (chunk: Buffer) => new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);

export interface PcapngWriterDeps {
  /** A file path, or '-' for standard output. */
  target: string;
  section: SectionInfo;
  rotation?: Rotation;
  /** Statistics for the ISBs written when a file is finished. */
  statistics: () => InterfaceStatistics[];
  /** `-a files:N`: after N files, call onLastFileFull instead of starting another. */
  maxFiles?: number;
  onLastFileFull?: () => void;
  /** Tells the owner a stream failed (disk full, reader closed the pipe). */
  onError: (error: Error) => void;
  openStream?: (path: string) => Writable;
}

/**
 * Streams pcapng to a file or stdout, with dumpcap-style rotation. Packets are encoded into
 * 1 MiB chunks and handed to the OS asynchronously; a slow disk or pipe leads to counted drops,
 * never to unbounded memory.
 */
export class PcapngWriter {
  private readonly interfaces: InterfaceInfo[] = [];
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK_SIZE);
  private chunkView = viewOf(this.chunk);
  /** Chunks the OS has finished writing, reused so steady capture allocates nothing (no GC churn). */
  private readonly spareChunks: Buffer[] = [];
  private used = 0;
  private stream: Writable;
  private fileIndex = 0;
  private fileStartedAt = Date.now();
  private readonly finishedFiles: string[] = [];
  private flushTimer: NodeJS.Timeout;
  private failed = false;
  private limitReached = false;
  /** Rotated files still being flushed and closed; close() waits for them too. */
  private readonly finishing: Promise<void>[] = [];
  /** Bytes written into the current file, including what is still buffered. */
  fileBytes = 0;
  droppedPackets = 0;
  currentPath: string;

  constructor(private readonly deps: PcapngWriterDeps) {
    this.currentPath = this.nextPath();
    this.stream = this.open(this.currentPath);
    this.flushTimer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
  }

  get files(): readonly string[] {
    return [...this.finishedFiles, this.currentPath];
  }

  addInterface(info: InterfaceInfo): number {
    this.interfaces.push(info);
    this.append(encodeInterfaceDescription(info));
    return this.interfaces.length - 1;
  }

  interfaceInfo(id: number): InterfaceInfo | undefined {
    return this.interfaces[id];
  }

  /** Returns false when the packet was dropped because the output cannot keep up. */
  writePacket(
    interfaceId: number,
    tsHigh: number,
    tsLow: number,
    data: Uint8Array,
    originalLength: number,
    flags: number,
    extraOptions?: Uint8Array,
  ): boolean {
    if (this.failed || this.limitReached || this.stream.writableLength > MAX_BACKLOG) {
      this.droppedPackets++;
      return false;
    }
    const size = enhancedPacketSize(data.length, flags !== 0, extraOptions?.length ?? 0);
    this.reserve(size);
    this.used = writeEnhancedPacket(
      this.chunk,
      this.used,
      interfaceId,
      tsHigh,
      tsLow,
      data,
      originalLength,
      flags,
      this.chunkView,
      extraOptions,
    );
    this.fileBytes += size;
    if (this.shouldRotate()) this.rotateOrFinish();
    return true;
  }

  /** Resolves once the OS has taken most of what is queued: file input waits here instead of dropping. */
  async whenWritable(): Promise<void> {
    this.flush();
    while (!this.failed && this.stream.writableLength > MAX_BACKLOG / 4)
      await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  /** Hands buffered blocks to the OS now (a live reader such as Wireshark sees them). */
  flush(): void {
    if (this.used === 0 || this.failed) return;
    const full = this.chunk;
    const used = this.used;
    this.setChunk(this.spareChunks.pop() ?? Buffer.allocUnsafe(CHUNK_SIZE));
    this.used = 0;
    this.stream.write(full.subarray(0, used), () => {
      if (full.length === CHUNK_SIZE && this.spareChunks.length < SPARE_CHUNKS) this.spareChunks.push(full);
    });
  }

  private setChunk(chunk: Buffer): void {
    this.chunk = chunk;
    this.chunkView = viewOf(chunk);
  }

  /** Writes the statistics blocks and closes the output; the file is complete when this resolves. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    await Promise.all([...this.finishing, this.finishFile()]);
  }

  /** Closes and deletes what was written: for a capture that failed before it began. */
  async discard(): Promise<void> {
    clearInterval(this.flushTimer);
    this.used = 0;
    if (this.stream !== process.stdout)
      await new Promise<void>((resolve) => this.stream.end(() => resolve()));
    if (this.deps.target !== '-') for (const file of this.files) fs.rmSync(file, { force: true });
  }

  private shouldRotate(): boolean {
    const rotation = this.deps.rotation;
    if (!rotates(rotation) || this.deps.target === '-') return false;
    if (rotation.fileSizeKB !== undefined && this.fileBytes >= rotation.fileSizeKB * 1000) return true;
    return (
      rotation.durationSeconds !== undefined &&
      Date.now() - this.fileStartedAt >= rotation.durationSeconds * 1000
    );
  }

  /** Also called on a timer by the owner so duration rotation happens when traffic is idle. */
  rotateIfDue(): void {
    if (this.shouldRotate()) this.rotateOrFinish();
  }

  private rotateOrFinish(): void {
    if (this.deps.maxFiles !== undefined && this.fileIndex >= this.deps.maxFiles) {
      this.limitReached = true;
      this.deps.onLastFileFull?.();
    } else {
      this.rotate();
    }
  }

  private rotate(): void {
    this.finishing.push(this.finishFile());
    this.finishedFiles.push(this.currentPath);
    const keep = this.deps.rotation?.files;
    while (keep !== undefined && this.finishedFiles.length + 1 > keep) {
      const oldest = this.finishedFiles.shift();
      if (oldest) fs.rm(oldest, { force: true }, () => {});
    }
    this.currentPath = this.nextPath();
    this.stream = this.open(this.currentPath);
    for (const info of this.interfaces) this.append(encodeInterfaceDescription(info));
  }

  private finishFile(): Promise<void> {
    for (const stats of this.deps.statistics()) this.append(encodeInterfaceStatistics(stats));
    this.flush();
    const stream = this.stream;
    return new Promise((resolve) => {
      if (stream === process.stdout) {
        // Never end stdout: just wait until everything queued has been written.
        if (stream.writableLength === 0) resolve();
        else stream.once('drain', () => resolve());
        stream.once('error', () => resolve());
        return;
      }
      stream.end(() => resolve());
      stream.once('error', () => resolve());
    });
  }

  private nextPath(): string {
    this.fileIndex++;
    this.fileStartedAt = Date.now();
    if (this.deps.target === '-' || !rotates(this.deps.rotation)) return this.deps.target;
    return rotatedFileName(this.deps.target, this.fileIndex, new Date(this.fileStartedAt));
  }

  private open(target: string): Writable {
    this.fileBytes = 0;
    const stream =
      this.deps.openStream?.(target) ??
      (target === '-' ? process.stdout : fs.createWriteStream(target, { highWaterMark: CHUNK_SIZE }));
    (stream as NodeJS.EventEmitter).on('error', (error: Error) => {
      this.failed = true;
      this.deps.onError(error);
    });
    this.append(encodeSectionHeader(this.deps.section));
    return stream;
  }

  private append(bytes: Buffer): void {
    this.reserve(bytes.length);
    bytes.copy(this.chunk, this.used);
    this.used += bytes.length;
    this.fileBytes += bytes.length;
  }

  private reserve(size: number): void {
    if (this.used + size <= this.chunk.length) return;
    this.flush();
    if (size > this.chunk.length) this.setChunk(Buffer.allocUnsafe(size));
  }
}
