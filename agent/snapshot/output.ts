// Where the zip's bytes go: gathered into a few fixed chunks, hashed, and written to the destination.
// For a file, socket or HTTP request, a chunk is reused once its write has called back (the bytes have
// left), so the zip allocates nothing per byte. Any other Writable may hold on to what it is given, so
// it gets copies. A destination that fails, or closes before it has everything, fails the zip.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { finished, type Writable } from 'node:stream';

export interface OutputOptions {
  /** Size of each chunk written to the destination (default 256 KiB). */
  chunkBytes?: number;
  /** Bytes written and not yet called back before `room()` waits (default 1 MiB). */
  maxInFlight?: number;
}

/** Destinations that are done with a buffer when its write calls back. */
function releasesOnCallback(dest: Writable): boolean {
  return dest instanceof fs.WriteStream || dest instanceof net.Socket || dest instanceof http.OutgoingMessage;
}

const closedEarly = () => new Error('The snapshot stream was closed before the zip was complete.');

export class ZipOutput {
  /** Bytes of zip so far: the offset of whatever comes next. */
  offset = 0;
  /** Whether chunks go to the destination as they are and are reused (true), or as copies. */
  readonly reusesChunks: boolean;
  private readonly hash = createHash('sha256');
  private readonly chunkBytes: number;
  private readonly maxInFlight: number;
  private readonly spare: Buffer[] = [];
  private chunk: Buffer;
  private pos = 0;
  private inFlight = 0;
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  private onFail: ((err: Error) => void) | null = null;
  private done = false;
  private readonly onError = (err: Error) => this.fail(err);
  private readonly onClose = () => { if (!this.done && !this.dest.writableFinished) this.fail(closedEarly()); };
  private readonly onDrain = () => this.wakeUp();

  constructor(private readonly dest: Writable, opts: OutputOptions = {}) {
    this.chunkBytes = opts.chunkBytes ?? 256 * 1024;
    this.maxInFlight = opts.maxInFlight ?? 1024 * 1024;
    this.reusesChunks = releasesOnCallback(dest);
    this.chunk = Buffer.allocUnsafeSlow(this.chunkBytes);
    dest.on('error', this.onError);
    dest.on('close', this.onClose);
    dest.on('drain', this.onDrain);
    if (dest.destroyed || dest.writableEnded) this.fail(closedEarly());
  }

  /** Set when the destination failed or went away, or `fail` was called: nothing more should be zipped. */
  get failed(): Error | null { return this.failure; }

  fail(err: Error): void {
    if (this.failure || this.done) return;
    this.failure = err;
    this.wakeUp();
    this.onFail?.(err);
  }

  /** Copies `data` into the zip (the caller may reuse `data` right after). */
  write(data: Buffer): void {
    let at = 0;
    while (at < data.length) {
      const n = data.copy(this.chunk, this.pos, at);
      this.pos += n;
      at += n;
      if (this.pos === this.chunkBytes) this.send();
    }
    this.offset += data.length;
  }

  /** Whether the zip should wait for `room()` before adding more. */
  get full(): boolean {
    return this.reusesChunks ? this.inFlight >= this.maxInFlight : this.dest.writableNeedDrain;
  }

  /** Resolves when there is room for more (or the output failed). */
  async room(): Promise<void> {
    while (this.full && !this.failure) await new Promise<void>((resolve) => { this.wake = resolve; });
  }

  /**
   * Writes what is left and waits until the destination has taken every byte; with `end`, ends it and
   * waits until it has finished. Returns the zip's SHA-256.
   */
  async finish(end: boolean): Promise<string> {
    try {
      if (this.pos > 0) this.send();
      while (this.inFlight > 0 && !this.failure) await new Promise<void>((resolve) => { this.wake = resolve; });
      if (this.failure) throw this.failure;
      if (end) {
        await new Promise<void>((resolve, reject) => {
          finished(this.dest, { readable: false }, (err) => (err ? reject(err) : resolve()));
          this.onFail = reject; // an abort (or error) while the destination finishes
          this.dest.end();
        });
      } else if (this.dest.destroyed) {
        throw this.dest.errored ?? closedEarly();
      }
      this.done = true;
      return this.hash.digest('hex');
    } finally {
      this.detach();
    }
  }

  /** Stops listening to the destination (the zip is over, or failed). */
  detach(): void {
    this.dest.off('error', this.onError);
    this.dest.off('close', this.onClose);
    this.dest.off('drain', this.onDrain);
    // A destination that errors later, with nobody else listening, must not bring the process down.
    if (this.dest.listenerCount('error') === 0) this.dest.on('error', () => undefined);
  }

  private send(): void {
    const full = this.pos === this.chunkBytes ? this.chunk : this.chunk.subarray(0, this.pos);
    this.hash.update(full);
    this.pos = 0;
    if (this.failure) return; // the bytes count for the offset but go nowhere
    const written = (err?: Error | null) => {
      if (err) this.fail((err as NodeJS.ErrnoException).code === 'ERR_STREAM_DESTROYED' ? closedEarly() : err);
      this.wakeUp();
    };
    if (!this.reusesChunks) {
      this.dest.write(Buffer.from(full), written);
      return;
    }
    const chunk = this.chunk;
    this.inFlight += full.length;
    this.dest.write(full, (err) => {
      this.inFlight -= full.length;
      this.spare.push(chunk);
      written(err);
    });
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.chunkBytes);
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
