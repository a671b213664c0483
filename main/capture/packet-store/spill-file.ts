import fs from 'node:fs';
import path from 'node:path';

export interface SpillOptions {
  directory: string;
  /** Size of one segment file; the ring frees disk a whole segment at a time. */
  segmentBytes: number;
  /** Packets are gathered into buffers of this size, one write() per buffer. */
  bufferBytes: number;
  /** Bytes buffered but not yet written by the OS beyond which appends are refused (and counted). */
  maxBacklogBytes: number;
  onError: (error: Error) => void;
}

interface Segment {
  fd: number;
  file: string;
  /** Packet bytes in this segment (the tail left unused at a segment change is not counted). */
  bytes: number;
  /** Reads and writes in flight: the fd is closed only when none is left, so it is never reused under them. */
  busy: number;
  dropped: boolean;
}

/** A buffer handed to the OS whose write has not completed: reads of its range are served from memory. */
interface Pending {
  start: number;
  buffer: Buffer;
  used: number;
}

const SPARE_BUFFERS = 8;

/**
 * Packet bytes on disk, back to back, in segment files: global offset o lives in segment
 * floor(o / segmentBytes), and a packet never straddles two segments. Writes are batched into
 * buffers and go to the OS asynchronously (libuv's thread pool), so a slow disk never stalls the
 * event loop the broker receives on; a disk that cannot keep up leads to refused appends.
 */
export class SpillFile {
  private readonly segments = new Map<number, Segment>();
  private buffer: Buffer;
  private bufferStart = 0;
  private used = 0;
  private readonly pending: Pending[] = [];
  private readonly spare: Buffer[] = [];
  private backlog = 0;
  private readonly waiters: Array<() => void> = [];
  private closed = false;
  /** Global offset the next packet goes to. */
  private position = 0;
  /** Packet bytes in retained segments. */
  bytes = 0;
  error: Error | undefined;

  constructor(private readonly options: SpillOptions) {
    this.buffer = Buffer.allocUnsafe(options.bufferBytes);
  }

  /** Bytes in memory not yet on disk: the current buffer plus writes in flight. */
  get backlogBytes(): number {
    return this.backlog + this.used;
  }

  /** Whether `length` more bytes would be taken now (false while the disk is too far behind). */
  hasRoom(length: number): boolean {
    return !this.closed && !this.error && this.backlog + this.used + length <= this.options.maxBacklogBytes;
  }

  /** Stores `data`; returns its offset, or -1 when refused (disk behind, failed, or closed). */
  append(data: Uint8Array): number {
    const length = data.length;
    const { segmentBytes } = this.options;
    if (length > segmentBytes || !this.hasRoom(length)) return -1;
    let at = this.position;
    const segment = Math.floor(at / segmentBytes);
    if (length > 0 && Math.floor((at + length - 1) / segmentBytes) !== segment)
      at = (segment + 1) * segmentBytes;
    if (this.used + length > this.buffer.length || at !== this.bufferStart + this.used) {
      this.submit();
      this.bufferStart = at;
      if (length > this.buffer.length) this.buffer = Buffer.allocUnsafe(length);
    }
    this.buffer.set(data, this.used);
    this.used += length;
    this.position = at + length;
    this.segment(Math.floor(at / segmentBytes)).bytes += length;
    this.bytes += length;
    return at;
  }

  private segment(index: number): Segment {
    let segment = this.segments.get(index);
    if (segment === undefined) {
      const file = path.join(this.options.directory, `spill-${String(index).padStart(6, '0')}.bin`);
      segment = { fd: fs.openSync(file, 'w+'), file, bytes: 0, busy: 0, dropped: false };
      this.segments.set(index, segment);
    }
    return segment;
  }

  /** Hands the current buffer to the OS. */
  private submit(): void {
    if (this.used === 0) return;
    const job: Pending = { start: this.bufferStart, buffer: this.buffer, used: this.used };
    this.pending.push(job);
    this.backlog += job.used;
    this.buffer = this.spare.pop() ?? Buffer.allocUnsafe(this.options.bufferBytes);
    this.bufferStart += this.used;
    this.used = 0;
    const index = Math.floor(job.start / this.options.segmentBytes);
    const segment = this.segment(index);
    segment.busy++;
    this.writeAll(segment, job, 0, (error) => {
      this.release(segment);
      this.pending.splice(this.pending.indexOf(job), 1);
      this.backlog -= job.used;
      if (job.buffer.length === this.options.bufferBytes && this.spare.length < SPARE_BUFFERS)
        this.spare.push(job.buffer);
      if (error && !this.error) {
        this.error = error;
        this.options.onError(error);
      }
      this.wakeWaiters();
    });
  }

  private writeAll(segment: Segment, job: Pending, done: number, callback: (error?: Error) => void): void {
    const position =
      job.start - Math.floor(job.start / this.options.segmentBytes) * this.options.segmentBytes;
    fs.write(segment.fd, job.buffer, done, job.used - done, position + done, (error, written) => {
      if (error) return callback(error);
      if (done + written < job.used) return this.writeAll(segment, job, done + written, callback);
      callback();
    });
  }

  private release(segment: Segment): void {
    segment.busy--;
    if (segment.dropped && segment.busy === 0) fs.close(segment.fd, () => {});
  }

  private wakeWaiters(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once most of the backlog is on disk: bulk loaders wait here instead of being refused. */
  whenWritable(): Promise<void> {
    this.submit();
    return this.waitUntil(() => this.backlog <= this.options.maxBacklogBytes / 4);
  }

  /** Waits for write completions until `condition` holds (or writing failed, or the spill closed). */
  private async waitUntil(condition: () => boolean): Promise<void> {
    while (!condition() && !this.error) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once everything appended so far is on disk. */
  async drain(): Promise<void> {
    this.submit();
    await this.waitUntil(() => this.pending.length === 0);
  }

  /**
   * End of the stretch starting at `offset` that one read can serve from a single place (the
   * current buffer, one write in flight, or one segment file up to the first byte still in memory).
   */
  regionEnd(offset: number): number {
    if (this.used > 0 && offset >= this.bufferStart && offset < this.bufferStart + this.used)
      return this.bufferStart + this.used;
    let end = (Math.floor(offset / this.options.segmentBytes) + 1) * this.options.segmentBytes;
    for (const job of this.pending) {
      if (offset >= job.start && offset < job.start + job.used) return job.start + job.used;
      if (job.start > offset) end = Math.min(end, job.start);
    }
    if (this.used > 0 && this.bufferStart > offset) end = Math.min(end, this.bufferStart);
    return end;
  }

  /** The bytes [offset, offset + length), or undefined when their segment was dropped meanwhile. */
  async read(offset: number, length: number): Promise<Uint8Array | undefined> {
    // Dropped segments are gone even while their last write is still in memory.
    if (length > 0 && !this.segments.has(Math.floor(offset / this.options.segmentBytes))) return undefined;
    const out = Buffer.allocUnsafe(length);
    let at = offset;
    while (at < offset + length) {
      const end = Math.min(this.regionEnd(at), offset + length);
      const from = this.fromMemory(at, end);
      if (from) from.copy(out, at - offset);
      else if (!(await this.fromFile(at, end, out.subarray(at - offset)))) return undefined;
      at = end;
    }
    return out;
  }

  private fromMemory(start: number, end: number): Buffer | undefined {
    if (this.used > 0 && start >= this.bufferStart && end <= this.bufferStart + this.used)
      return this.buffer.subarray(start - this.bufferStart, end - this.bufferStart);
    for (const job of this.pending)
      if (start >= job.start && end <= job.start + job.used)
        return job.buffer.subarray(start - job.start, end - job.start);
    return undefined;
  }

  private fromFile(start: number, end: number, into: Buffer): Promise<boolean> {
    const index = Math.floor(start / this.options.segmentBytes);
    const segment = this.segments.get(index);
    if (segment === undefined || segment.dropped) return Promise.resolve(false);
    segment.busy++;
    const position = start - index * this.options.segmentBytes;
    return new Promise((resolve, reject) => {
      fs.read(segment.fd, into, 0, end - start, position, (error, got) => {
        this.release(segment);
        if (error) reject(error);
        else if (got < end - start)
          reject(new Error(`spill segment ${segment.file} is short at ${position}`));
        else resolve(true);
      });
    });
  }

  /** End offset of the oldest segment, when it is not the one being written (the ring frees it). */
  oldestSegmentEnd(): number | undefined {
    const oldest = Math.min(...this.segments.keys());
    const current = Math.floor(this.position / this.options.segmentBytes);
    return this.segments.size > 1 && oldest < current ? (oldest + 1) * this.options.segmentBytes : undefined;
  }

  /** Deletes the segments that lie wholly before `offset`, never the one being written. */
  dropBefore(offset: number): void {
    const current = Math.floor(this.position / this.options.segmentBytes);
    for (const [index, segment] of this.segments) {
      if (index >= current || (index + 1) * this.options.segmentBytes > offset) continue;
      this.segments.delete(index);
      segment.dropped = true;
      this.bytes -= segment.bytes;
      fs.rmSync(segment.file, { force: true }); // metadata only, once per segment: cheap
      if (segment.busy === 0) fs.close(segment.fd, () => {});
    }
  }

  /** Waits for writes in flight and closes every segment; the files stay for the owner to remove. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.used = 0;
    await this.waitUntil(() => this.pending.length === 0);
    for (const segment of this.segments.values()) {
      segment.dropped = true;
      if (segment.busy === 0) fs.closeSync(segment.fd);
    }
    this.segments.clear();
    this.wakeWaiters();
  }
}
