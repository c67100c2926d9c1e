// What of a command's output goes to the backend: everything up to a cap, streamed as it comes; past the
// cap only a rolling tail is kept and sent when the command ends, marked truncated. Memory stays bounded.

export type StreamName = 'stdout' | 'stderr';
export type SendChunk = (stream: StreamName, index: number, data: string) => void;

/** The backend takes at most 256 Ki chars per chunk. */
const MAX_CHUNK = 64 * 1024;

export class CappedOutput {
  private index = 0;
  private sent = 0;
  private omitted = 0;
  private tail: Array<{ stream: StreamName; text: string }> = [];
  private tailSize = 0;
  bytesSent = 0;

  constructor(private cap: number, private tailMax: number, private send: SendChunk) {}

  get truncated(): boolean { return this.omitted > 0; }

  write(stream: StreamName, text: string): void {
    if (!text) return;
    const room = this.cap - this.sent;
    if (room > 0) {
      const head = text.length <= room ? text : text.slice(0, room);
      this.emit(stream, head);
      this.sent += head.length;
      text = text.slice(head.length);
      if (!text) return;
    }
    this.keepTail(stream, text);
  }

  /** Sends the kept tail (after a marker saying how much was left out). */
  finish(): { truncated: boolean; omitted: number } {
    if (this.omitted > 0) {
      this.emit('stdout', `\n[codevf: ${this.omitted} characters of output left out; the last ${this.tailSize} follow]\n`);
    }
    for (const t of this.tail) this.emit(t.stream, t.text);
    this.tail = [];
    this.tailSize = 0;
    return { truncated: this.omitted > 0, omitted: this.omitted };
  }

  private keepTail(stream: StreamName, text: string): void {
    this.tail.push({ stream, text });
    this.tailSize += text.length;
    while (this.tailSize > this.tailMax && this.tail.length) {
      const first = this.tail[0];
      const over = this.tailSize - this.tailMax;
      if (first.text.length <= over) {
        this.tail.shift();
        this.tailSize -= first.text.length;
        this.omitted += first.text.length;
      } else {
        first.text = first.text.slice(over);
        this.tailSize -= over;
        this.omitted += over;
      }
    }
  }

  private emit(stream: StreamName, text: string): void {
    for (let i = 0; i < text.length; i += MAX_CHUNK) {
      const part = text.slice(i, i + MAX_CHUNK);
      this.bytesSent += Buffer.byteLength(part);
      this.send(stream, this.index++, part);
    }
  }
}
