/**
 * The packet numbers a display filter shows, ascending, 4 bytes each: a growable Uint32Array
 * whose head moves forward when the ring drops old packets (compacted only when half is dead).
 */
export class DisplayIndex {
  private numbers = new Uint32Array(1024);
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  get memoryBytes(): number {
    return this.numbers.byteLength;
  }

  push(number: number): void {
    if (this.tail === this.numbers.length) this.grow();
    this.numbers[this.tail++] = number;
  }

  /** The packet number shown on row `row` (0-based), or undefined past the end. */
  at(row: number): number | undefined {
    return row >= 0 && row < this.length ? this.numbers[this.head + row] : undefined;
  }

  /** The row showing packet `number`, or -1 when the filter hides it (binary search). */
  rowOf(number: number): number {
    const at = this.lowerBound(number);
    return at < this.tail && this.numbers[at] === number ? at - this.head : -1;
  }

  /** Forgets numbers below `first` (packets the ring dropped). */
  dropBefore(first: number): void {
    this.head = this.lowerBound(first);
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  /** Index of the first number >= `number`. */
  private lowerBound(number: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.numbers[mid] as number) < number) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Row numbers as an array view, for exports of what is displayed. */
  view(): Uint32Array {
    return this.numbers.subarray(this.head, this.tail);
  }

  private grow(): void {
    const live = this.length;
    if (this.head >= this.numbers.length / 2) {
      this.numbers.copyWithin(0, this.head, this.tail);
    } else {
      const next = new Uint32Array(this.numbers.length * 2);
      next.set(this.numbers.subarray(this.head, this.tail));
      this.numbers = next;
    }
    this.head = 0;
    this.tail = live;
  }
}
