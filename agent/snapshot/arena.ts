// A ring of memory that files are read into and freed from in order (zip entries are written in order).
// Reusing one slab instead of a fresh Buffer per file keeps garbage, and so peak memory, low.
export interface Slice {
  data: Buffer;
  release: () => void;
}

interface Span { start: number; end: number; freed: boolean }

export class Arena {
  private readonly buf: Buffer;
  private spans: Span[] = [];
  private first = 0; // index of the oldest live span
  private head = 0; // next free offset
  private wrapped = false; // live data runs from the tail to the end, then from 0 to head

  constructor(readonly size: number) {
    this.buf = Buffer.allocUnsafeSlow(size);
  }

  /** `n` bytes from the ring, or a fresh Buffer when no contiguous room is left. */
  alloc(n: number): Slice {
    const start = this.place(n);
    if (start < 0) return { data: Buffer.allocUnsafe(n), release: () => undefined };
    const span: Span = { start, end: start + n, freed: false };
    this.spans.push(span);
    this.head = span.end;
    return { data: this.buf.subarray(start, start + n), release: () => this.free(span) };
  }

  private tail(): number {
    return this.first < this.spans.length ? this.spans[this.first].start : this.head;
  }

  private place(n: number): number {
    if (n === 0) return -1;
    const tail = this.tail();
    if (!this.wrapped) {
      if (this.size - this.head >= n) return this.head;
      if (tail >= n) { this.wrapped = true; return 0; }
      return -1;
    }
    return tail - this.head >= n ? this.head : -1;
  }

  private free(span: Span): void {
    span.freed = true;
    while (this.first < this.spans.length && this.spans[this.first].freed) {
      const prev = this.spans[this.first++];
      const next = this.spans[this.first];
      if (next && next.start < prev.start) this.wrapped = false; // the tail crossed the end of the ring
    }
    if (this.first === this.spans.length) { // empty: start over at 0
      this.spans = [];
      this.first = 0;
      this.head = 0;
      this.wrapped = false;
    } else if (this.first > 1024) {
      this.spans = this.spans.slice(this.first);
      this.first = 0;
    }
  }
}
