// Writes the manifest's files as a zip into a destination, one entry after another on the calling
// thread, in short slices that give the event loop back. Memory stays flat whatever the project's size:
// one read buffer, one deflate context, one packed-entry buffer and a few output chunks, all reused;
// only the central directory (about 100 bytes per file) grows.
//
// A file up to `streamAbove` bytes is read whole, its secrets masked, deflated (or stored when that is
// not smaller) and written with its sizes in the local header. A bigger file is read and deflated in
// chunks, never past the size it had when opened, and its sizes follow in a data descriptor; a big file
// in an already-compressed format goes through deflate's level 0 (stored blocks, one pass).
import { containerReason } from '../security/never-share.js';
import { ByteStreamRedactor, looksBinary, redactBytes, utf16OrderOf, type TextBytes } from '../security/redact-bytes.js';
import { isUtf8 } from 'node:buffer';
import { crc32, createDeflater, type Deflater } from './deflate.js';
import type { ExcludedFile, FileList, IncludedFile } from './list.js';
import { ZipOutput, type OutputOptions } from './output.js';
import { FileSource, readAt } from './source.js';
import { centralBound, dataDescriptor, DEFLATE, endRecords, localHeader, MAX32, SIZES_AFTER, STORE, writeCentral, type EntryHead, type EntryTail } from './zip-format.js';
import fs from 'node:fs';
import type { Writable } from 'node:stream';

export interface SnapshotProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface ZipOptions {
  /**
   * Files above this size are read and deflated in chunks (default 256 KiB). Smaller files are read whole,
   * and masking secrets turns each into a string of its size: bigger ones would leave big garbage behind.
   */
  streamAbove?: number;
  /** zlib level (default 5: ~15% less CPU than `git archive`'s 6 for under 1% more bytes on source code). */
  compressionLevel?: number;
  onProgress?: (p: SnapshotProgress) => void;
  /** Called for each entry whose secrets were masked before it went into the zip. */
  onRedacted?: (path: string, count: number, kinds: string[]) => void;
  /** At most one progress call per interval, plus the last (default 100 ms). */
  progressIntervalMs?: number;
  /** Longest stretch of zipping before the event loop gets a turn (default 8 ms). */
  sliceMs?: number;
  output?: OutputOptions;
  /** 'portable' forces the public-zlib path (tests). */
  deflater?: 'auto' | 'portable';
  /** Zip64 records even where classic ones fit (tests). */
  forceZip64?: boolean;
}

export interface ZipResult {
  sha256: string;
  /** Size of the zip. */
  bytes: number;
  /** Files that vanished or changed between the listing and the zip. */
  skipped: ExcludedFile[];
}

// Formats that are already compressed: deflating them again costs time and gains nothing.
const STORED = /\.(png|jpe?g|gif|webp|avif|ico|mp[34]|m4a|mov|webm|ogg|zip|gz|tgz|bz2|xz|zst|7z|rar|jar|war|woff2?|pdf|whl|docx|xlsx|pptx)$/i;
export const cancelled = () => new Error('The snapshot was cancelled.');
const TEXT_PROBE = 64 * 1024;
const TEXT_CHUNK = 64 * 1024;

/** Writes the zip of `files` (under `root`) into `dest`; ends `dest` when `end` is set. */
export async function writeZip(root: string, files: FileList, maxFileBytes: number, dest: Writable,
  opts: ZipOptions = {}, end = true, signal?: AbortSignal): Promise<ZipResult> {
  const out = new ZipOutput(dest, opts.output);
  const onAbort = () => out.fail(signal!.reason instanceof Error ? signal!.reason : cancelled());
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const level = opts.compressionLevel ?? 5;
  const z = new Zipper(out, new FileSource(root, maxFileBytes), createDeflater(level, opts.deflater), files, opts, level);
  try {
    await z.run();
    const sha256 = await out.finish(end);
    return { sha256, bytes: out.offset, skipped: z.skipped };
  } catch (err) {
    out.fail(err as Error);
    throw err;
  } finally {
    z.close();
    out.detach();
    signal?.removeEventListener('abort', onAbort);
  }
}

class Zipper {
  readonly skipped: ExcludedFile[] = [];
  private readonly streamAbove: number;
  private readonly sliceMs: number;
  private readonly progress: (file: IncludedFile | null, force: boolean) => void;
  private readonly started = new Date();
  /** File content, read whole (small files) or chunk by chunk. */
  private slab: Buffer;
  /** A small file's deflated bytes, until we know whether they beat storing it. */
  private packed: Buffer;
  private central: Buffer;
  private centralLength = 0;
  private count = 0;
  private sliceStart = performance.now();
  /** Level 0, for big files in compressed formats. */
  private storer: Deflater | null = null;

  constructor(private readonly out: ZipOutput, private readonly source: FileSource, private readonly deflater: Deflater,
    private readonly files: FileList, private readonly opts: ZipOptions, private readonly level: number) {
    this.streamAbove = Math.max(opts.streamAbove ?? 256 * 1024, 1024);
    this.sliceMs = opts.sliceMs ?? 8;
    let largest = 0;
    for (let i = 0; i < files.length; i++) largest = Math.max(largest, files.size(i));
    this.slab = Buffer.allocUnsafeSlow(Math.max(TEXT_PROBE, Math.min(largest, this.streamAbove)));
    this.packed = Buffer.allocUnsafeSlow(this.slab.length);
    this.central = Buffer.allocUnsafeSlow(Math.min(centralBound(files.length, 0) + files.length * 64, 1 << 20));
    this.progress = progressReporter(files, opts);
  }

  async run(): Promise<void> {
    for (let i = 0; i < this.files.length; i++) {
      const file = this.files.at(i);
      if (this.mustPause()) await this.turn();
      if (file.linkTarget !== undefined) this.link(file);
      else {
        const big = this.file(file);
        if (big) await big; // small files are done synchronously: no promise per file
      }
      this.progress(file, false);
    }
    await this.finishCentral();
    this.progress(null, true);
  }

  close(): void {
    this.deflater.close();
    this.storer?.close();
  }

  /** Between pieces of work: stop if the output failed, wait for room, and give the event loop a turn now and then. */
  /** Whether `turn()` has anything to do: most files need no pause at all. */
  private mustPause(): boolean {
    if (this.out.failed) throw this.out.failed;
    return this.out.full || performance.now() - this.sliceStart >= this.sliceMs;
  }

  private async turn(): Promise<void> {
    if (this.out.failed) throw this.out.failed;
    if (this.out.full) await this.out.room();
    if (performance.now() - this.sliceStart >= this.sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.sliceStart = performance.now();
    }
    if (this.out.failed) throw this.out.failed;
  }

  private head(file: IncludedFile, method: number, flags: number, mtime: Date): EntryHead {
    return { name: Buffer.from(file.path, 'utf8'), method, flags, mtime, mode: file.mode };
  }

  private link(file: IncludedFile): void {
    const target = Buffer.from(file.linkTarget!, 'utf8');
    this.whole(this.head(file, STORE, 0, this.started), target, target, crc32(target));
  }

  /** An entry whose bytes are all known: sizes in the local header. */
  private whole(h: EntryHead, body: Buffer, original: Buffer, crc: number): void {
    const tail = { crc, compressed: body.length, size: original.length, offset: this.out.offset };
    h.local64 = this.opts.forceZip64;
    this.out.write(localHeader(h, tail, h.local64));
    this.out.write(body);
    this.addCentral(h, tail);
  }

  /** Zips a regular file: synchronously when it is small, else through the returned promise. */
  private file(file: IncludedFile): Promise<void> | undefined {
    const o = this.source.open(file);
    if (o.kind === 'skip') { this.skipped.push(o.excluded); return undefined; }
    const failed = (err: unknown): never => {
      const code = (err as NodeJS.ErrnoException).code;
      if (!code || this.out.failed) throw err;
      throw Object.assign(new Error(`Cannot read ${file.path} for the snapshot (${code}).`), { code });
    };
    if (o.size > this.streamAbove) return this.big(file, o.fd, o.size, o.mtime).catch(failed).finally(() => fs.closeSync(o.fd));
    try {
      this.small(file, o.fd, o.size, o.mtime);
    } catch (err) {
      failed(err);
    } finally {
      fs.closeSync(o.fd);
    }
    return undefined;
  }

  /** A compressed container (by its bytes) would carry its content past the redactor: left out, reported. */
  private container(file: IncludedFile, head: Buffer): boolean {
    const why = containerReason(head.subarray(0, 4096));
    if (why) this.skipped.push({ path: file.path, reason: 'never_share', detail: why });
    return why !== null;
  }

  private small(file: IncludedFile, fd: number, size: number, mtime: Date): void {
    if (this.slab.length < size) this.slab = Buffer.allocUnsafeSlow(size);
    let data: Buffer;
    try {
      data = this.slab.subarray(0, readAt(fd, this.slab.subarray(0, size), 0));
    } catch (err) { // nothing of the entry is written yet: leave it out, reported
      this.skipped.push({ path: file.path, reason: 'unreadable', detail: `cannot read (${(err as NodeJS.ErrnoException).code})` });
      return;
    }
    if (this.container(file, data)) return;
    // Secrets are masked before anything leaves the machine, snapshots included (security.md section 5).
    if (data.length > 0 && !looksBinary(data)) {
      const r = redactBytes(data);
      if (r.count) { data = r.data; this.opts.onRedacted?.(file.path, r.count, r.kinds); }
    }
    const crc = crc32(data);
    if (this.level === 0 || data.length === 0 || STORED.test(file.path)) {
      this.whole(this.head(file, STORE, 0, mtime), data, data, crc);
      return;
    }
    if (this.packed.length < data.length) this.packed = Buffer.allocUnsafeSlow(data.length);
    let packed = 0;
    let bigger = false;
    this.deflater.write(data, true, (c) => {
      if (bigger || packed + c.length >= data.length) { bigger = true; return; }
      packed += c.copy(this.packed, packed);
    });
    if (bigger) this.whole(this.head(file, STORE, 0, mtime), data, data, crc);
    else this.whole(this.head(file, DEFLATE, 0, mtime), this.packed.subarray(0, packed), data, crc);
  }

  private async big(file: IncludedFile, fd: number, size: number, mtime: Date): Promise<void> {
    const probe = this.slab.subarray(0, readAt(fd, this.slab.subarray(0, TEXT_PROBE), 0));
    if (this.container(file, probe)) return;
    const text = !looksBinary(probe);
    const chunk = this.slab.subarray(0, Math.min(this.slab.length, this.streamAbove, text ? TEXT_CHUNK : Infinity));
    // Text is masked like small files are, its bytes kept: UTF-8 as UTF-8, UTF-16 (either order, with or
    // without a mark) as UTF-16, anything else byte for byte as Latin-1 (secrets are ASCII). Binary goes in
    // unchanged, an already-compressed format through level 0.
    const order = text ? utf16OrderOf(probe, size) : null;
    const enc: TextBytes | null = !text ? null : order ? `utf16${order}` : await this.utf8File(fd, size, chunk) ? 'utf8' : 'latin1';
    const deflater = !text && STORED.test(file.path) ? (this.storer ??= createDeflater(0, this.opts.deflater)) : this.deflater;
    // Zip64 sizes when the entry may pass 4 GiB (masking can lengthen text, deflate can add a little).
    const zip64 = Boolean(this.opts.forceZip64) || size >= MAX32 - 64 * 1024 * 1024;
    const h = { ...this.head(file, DEFLATE, SIZES_AFTER, mtime), local64: zip64 };
    const offset = this.out.offset;
    this.out.write(localHeader(h, null, zip64));
    const redactor = enc ? new ByteStreamRedactor(enc) : null;
    let crc = 0;
    let length = 0;
    let compressed = 0;
    const emit = (c: Buffer) => { compressed += c.length; this.out.write(c); };
    const feed = (piece: Buffer, last: boolean) => {
      crc = crc32(piece, crc);
      length += piece.length;
      deflater.write(piece, last, emit);
    };
    // Up to the size it had when opened: a file still being written can neither stall the zip nor pass the limits.
    for (let pos = 0; pos < size;) {
      const n = readAt(fd, chunk.subarray(0, Math.min(chunk.length, size - pos)), pos);
      if (n === 0) break;
      pos += n;
      const piece = chunk.subarray(0, n);
      feed(redactor ? redactor.push(piece) : piece, false);
      await this.turn();
    }
    feed(redactor ? redactor.flush() : Buffer.alloc(0), true);
    if (redactor?.count) this.opts.onRedacted?.(file.path, redactor.count, redactor.kinds);
    const tail = { crc, compressed, size: length, offset };
    this.out.write(dataDescriptor(tail, zip64));
    this.addCentral(h, tail);
  }

  /** Whether the file's first `size` bytes are valid UTF-8 (a first pass, `chunk` at a time). */
  private async utf8File(fd: number, size: number, chunk: Buffer): Promise<boolean> {
    let carry = 0; // the start of a character cut at the end of the last piece, moved to the front
    for (let pos = 0; pos < size;) {
      const n = readAt(fd, chunk.subarray(carry, carry + Math.min(chunk.length - carry, size - pos)), pos);
      if (n === 0) break;
      pos += n;
      const end = carry + n;
      const cut = pos < size ? wholeCharacters(chunk, end) : end;
      if (!isUtf8(chunk.subarray(0, cut))) return false;
      chunk.copy(chunk, 0, cut, end);
      carry = end - cut;
      await this.turn();
    }
    return true;
  }

  private addCentral(h: EntryHead, t: EntryTail): void {
    const need = 46 + h.name.length + 9 + 28;
    if (this.centralLength + need > this.central.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.central.length * 2, this.centralLength + need));
      this.central.copy(grown, 0, 0, this.centralLength);
      this.central = grown;
    }
    this.centralLength = writeCentral(this.central, this.centralLength, h, t, this.opts.forceZip64);
    this.count++;
  }

  private async finishCentral(): Promise<void> {
    const at = this.out.offset;
    const step = 256 * 1024;
    for (let i = 0; i < this.centralLength; i += step) {
      this.out.write(this.central.subarray(i, Math.min(i + step, this.centralLength)));
      await this.turn();
    }
    this.out.write(endRecords(this.count, at, this.centralLength, this.opts.forceZip64));
  }
}

/** Where the last whole UTF-8 character of `buf[0, end)` ends (a lead byte whose sequence is cut stays out). */
function wholeCharacters(buf: Buffer, end: number): number {
  for (let i = end - 1; i >= Math.max(0, end - 4); i--) {
    const b = buf[i];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + length > end ? i : end;
  }
  return end;
}

function progressReporter(files: FileList, opts: ZipOptions): (file: IncludedFile | null, force: boolean) => void {
  let bytesTotal = 0;
  for (let i = 0; i < files.length; i++) bytesTotal += files.size(i);
  const p: SnapshotProgress = { filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal };
  const every = opts.progressIntervalMs ?? 100;
  let last = 0;
  let lastDone = -1;
  return (file, force) => {
    if (file) { p.filesDone++; p.bytesDone += file.size; }
    const now = Date.now();
    if (!opts.onProgress || p.filesDone === lastDone || (!force && now - last < every && p.filesDone < p.filesTotal)) return;
    [last, lastDone] = [now, p.filesDone];
    opts.onProgress({ ...p });
  };
}
