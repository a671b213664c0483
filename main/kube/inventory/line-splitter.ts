/**
 * Splits a WATCH response into its JSON lines. The API server writes one event per line, but
 * TCP chunks cut anywhere — mid-line and mid-UTF-8-character — so we join bytes, not strings.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingLength = 0;

  /** `maxLine` guards memory against a stream that never sends a newline. */
  constructor(private readonly maxLine = 16 * 1024 * 1024) {}

  /** The complete lines in `chunk` (with what was pending before it), without empty lines. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      const tail = chunk.subarray(start, newline);
      const line = this.pendingLength
        ? Buffer.concat([...this.pending, tail], this.pendingLength + tail.length).toString('utf8')
        : tail.toString('utf8');
      this.pending = [];
      this.pendingLength = 0;
      if (line.trim()) lines.push(line);
      start = newline + 1;
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingLength += chunk.length - start;
      if (this.pendingLength > this.maxLine)
        throw new Error(`watch stream line longer than ${this.maxLine} bytes without a newline`);
    }
    return lines;
  }

  /** What is left when the stream ends: a last line without a newline, if any. */
  end(): string[] {
    const rest = Buffer.concat(this.pending, this.pendingLength).toString('utf8');
    this.pending = [];
    this.pendingLength = 0;
    return rest.trim() ? [rest] : [];
  }
}
