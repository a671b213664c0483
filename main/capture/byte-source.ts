import fs from 'node:fs/promises';

/**
 * Reads a file (or stdin) front to back while letting a parser look ahead: `need(n)` makes sure
 * n bytes from the cursor are buffered. Memory stays bounded by the largest block, not the file.
 */
export class ByteSource {
  private buffer = Buffer.alloc(0);
  private cursor = 0;
  private ended = false;
  consumed = 0;

  private constructor(
    private readonly read: (into: Buffer) => Promise<number>,
    readonly size: number | undefined,
    private readonly closeSource: () => Promise<void>,
  ) {}

  static async open(file: string): Promise<ByteSource> {
    if (file === '-') {
      const iterator = process.stdin[Symbol.asyncIterator]();
      let pending: Buffer = Buffer.alloc(0);
      const read = async (into: Buffer) => {
        if (pending.length === 0) {
          const next = await iterator.next();
          if (next.done) return 0;
          pending = next.value as Buffer;
        }
        const n = pending.copy(into, 0, 0, Math.min(into.length, pending.length));
        pending = pending.subarray(n);
        return n;
      };
      return new ByteSource(read, undefined, async () => {});
    }
    const handle = await fs.open(file, 'r');
    const { size } = await handle.stat();
    return new ByteSource(
      async (into) => (await handle.read(into, 0, into.length, null)).bytesRead,
      size,
      () => handle.close(),
    );
  }

  /** Bytes buffered from the cursor on: at least `n` unless the file ends first. */
  async need(n: number): Promise<Buffer> {
    while (this.buffer.length - this.cursor < n && !this.ended) {
      const rest = this.buffer.subarray(this.cursor);
      const chunk = Math.min(4 << 20, this.size ?? 4 << 20);
      const fill = Buffer.allocUnsafe(rest.length + Math.max(n, chunk));
      rest.copy(fill);
      const got = await this.read(fill.subarray(rest.length));
      if (got === 0) this.ended = true;
      this.buffer = fill.subarray(0, rest.length + got);
      this.cursor = 0;
    }
    return this.buffer.subarray(this.cursor);
  }

  advance(n: number): void {
    this.cursor += n;
    this.consumed += n;
  }

  close(): Promise<void> {
    return this.closeSource();
  }
}
