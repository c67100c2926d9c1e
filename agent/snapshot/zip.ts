// Streams the manifest's files into a zip with yazl. Small files go in as buffers (yazl deflates them on
// the thread pool, several at once); big ones stream from disk. Memory is bounded by a byte budget that
// a file's bytes hold from the moment it is read until yazl has written its entry out.
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import { looksBinary, redactBytes } from '../security/redact-bytes.js';
import { createRedactStream } from '../security/redact.js';
import { Arena } from './arena.js';
import { Budget } from './budget.js';
import type { ExcludedFile, IncludedFile } from './list.js';
import { ReadAhead, type Loaded } from './read-ahead.js';

export interface SnapshotProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface ZipOptions {
  /** Files read at once (default 16). */
  concurrency?: number;
  /** Bytes read ahead and not yet written out (default 8 MiB). */
  maxBytesInFlight?: number;
  /** Files above this size stream from disk (default 1 MiB). */
  streamAbove?: number;
  /** Files up to this size are read with synchronous calls, bigger ones concurrently (default 64 KiB). */
  syncBelow?: number;
  /** Entries added to yazl and not yet written out (default 16). */
  entriesInFlight?: number;
  /** zlib level (default 5: ~15% less CPU than `git archive`'s 6 for under 1% more bytes on source code). */
  compressionLevel?: number;
  onProgress?: (p: SnapshotProgress) => void;
  /** Called for each entry whose secrets were masked before it went into the zip. */
  onRedacted?: (path: string, count: number, kinds: string[]) => void;
  /** At most one progress call per interval, plus the last (default 100 ms). */
  progressIntervalMs?: number;
}

// Formats that are already compressed: deflating them again costs time and gains nothing.
const STORED = /\.(png|jpe?g|gif|webp|avif|ico|mp[34]|m4a|mov|webm|ogg|zip|gz|tgz|bz2|xz|zst|7z|rar|jar|war|woff2?|pdf|whl|docx|xlsx|pptx)$/i;
const OUTPUT_HIGH_WATER = 1024 * 1024;

/** Waits while the zip output holds more than OUTPUT_HIGH_WATER bytes nobody has read yet. */
async function outputRoom(out: NodeJS.WritableStream & Readable): Promise<void> {
  const w = out as unknown as { writableLength: number; destroyed: boolean };
  while (w.writableLength > OUTPUT_HIGH_WATER && !w.destroyed) {
    await new Promise<void>((resolve) => {
      const done = () => { out.off('drain', done); out.off('close', done); resolve(); };
      out.on('drain', done);
      out.on('close', done);
    });
  }
}

export interface ZipRun {
  output: Readable;
  /** Resolves when every entry was handed to yazl, with the files that had to be skipped while reading. */
  done: Promise<ExcludedFile[]>;
}

/** Starts zipping at once: pipe `output` somewhere in the same tick. */
export function zipFiles(root: string, files: IncludedFile[], maxFileBytes: number, opts: ZipOptions = {}): ZipRun {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as unknown as Readable & NodeJS.WritableStream;
  zip.on('error', (err: Error) => (output as Readable).destroy(err));
  const done = feed(zip, output, root, files, maxFileBytes, opts).catch((err: Error) => {
    (output as Readable).destroy(err);
    throw err;
  });
  done.catch(() => undefined); // surfaced through `output`'s error as well
  return { output, done };
}

interface YazlEntry { state: number; doFileDataPump?: unknown }
const ENTRY_DONE = 3; // yazl's Entry.FILE_DATA_DONE

/**
 * Frees what yazl holds for entries it has written: their budget, and the compressed buffer that its
 * per-entry closure would otherwise keep until the zip ends (memory would grow with the repository).
 * Relies on yazl 3 internals (`entries`, `state`, `doFileDataPump`); the tests fail if they change.
 */
class WrittenEntries {
  private queue: ({ entry: YazlEntry; cost: number; release?: () => void } | undefined)[] = [];
  private head = 0;
  private scheduled = false;

  constructor(private readonly zip: yazl.ZipFile & { entries?: YazlEntry[] }, private readonly bytes: Budget, private readonly slots: Budget) {
    if (!Array.isArray(zip.entries)) throw new Error('yazl internals changed: ZipFile.entries is missing');
    // Checked after each output chunk, once yazl has marked the entry done.
    zip.outputStream.on('data', () => this.schedule());
  }

  /** Tracks the entry just added. */
  track(cost: number, release?: () => void): void {
    this.queue.push({ entry: this.zip.entries![this.zip.entries!.length - 1], cost, release });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.sweep(); });
  }

  private sweep(): void {
    while (this.head < this.queue.length && this.queue[this.head]!.entry.state >= ENTRY_DONE) {
      const { entry, cost, release } = this.queue[this.head]!;
      entry.doFileDataPump = undefined;
      release?.();
      this.bytes.release(cost);
      this.slots.release(1);
      this.queue[this.head++] = undefined;
    }
    if (this.head > 4096) { this.queue = this.queue.slice(this.head); this.head = 0; }
  }
}

async function feed(zip: yazl.ZipFile, output: Readable & NodeJS.WritableStream, root: string, files: IncludedFile[],
  maxFileBytes: number, opts: ZipOptions): Promise<ExcludedFile[]> {
  const bytes = new Budget(opts.maxBytesInFlight ?? 8 * 1024 * 1024);
  const streamAbove = opts.streamAbove ?? 1024 * 1024;
  const syncBelow = Math.min(opts.syncBelow ?? 64 * 1024, streamAbove);
  // Content that yazl only deflates can live in a reused ring; stored content is written out by reference.
  const arena = new Arena(bytes.max + streamAbove);
  const level = opts.compressionLevel ?? 5;
  const levelFor = (f: IncludedFile) => (STORED.test(f.path) ? 0 : level);
  const reader = new ReadAhead({ root, concurrency: opts.concurrency ?? 16, bytes, streamAbove, syncBelow, maxFileBytes,
    arenaFor: (f) => (levelFor(f) > 0 ? arena : null) });
  // Each entry being deflated holds ~300 KiB of zlib state: bound how many are added but not yet written.
  const slots = new Budget(opts.entriesInFlight ?? 16);
  const written = new WrittenEntries(zip, bytes, slots);
  // Nobody reads any more: wake every wait so the loop sees it and the read-ahead closes its files.
  output.once('close', () => { slots.release(1e9); bytes.release(1e12); });
  const progress = progressReporter(files, opts);
  const skipped: ExcludedFile[] = [];
  for await (const l of reader.load(files)) {
    if (l.kind === 'skip') { skipped.push(l.excluded); progress(l.file, true); continue; }
    await outputRoom(output);
    await slots.take(1);
    if ((output as Readable).destroyed) { // nobody reads any more
      if (l.kind === 'stream') await l.fh.close();
      return skipped;
    }
    const entry = { mode: l.file.mode, compressionLevel: levelFor(l.file) };
    if (l.kind === 'link') {
      zip.addBuffer(Buffer.from(l.file.linkTarget!), l.file.path, { ...entry, compressionLevel: 0 });
      written.track(l.cost);
    } else if (l.kind === 'buffer') {
      // Secrets are masked before anything leaves the machine, snapshots included (security.md section 5).
      let data = l.data;
      if (!looksBinary(data)) {
        const r = redactBytes(data);
        if (r.count) { data = r.data; opts.onRedacted?.(l.file.path, r.count, r.kinds); }
      }
      zip.addBuffer(data, l.file.path, { ...entry, mtime: l.mtime });
      written.track(l.cost, l.release);
    } else {
      addStream(zip, l, entry, bytes, slots, opts.onRedacted);
    }
    progress(l.file, false);
  }
  zip.end();
  progress(null, true);
  return skipped;
}

/** A big file: yazl opens the stream when its turn comes; its budget returns when the stream closes. */
function addStream(zip: yazl.ZipFile, l: Extract<Loaded, { kind: 'stream' }>, entry: { mode: number; compressionLevel: number },
  bytes: Budget, slots: Budget, onRedacted?: ZipOptions['onRedacted']): void {
  zip.addReadStreamLazy(l.file.path, { ...entry, mtime: l.mtime }, (cb) => {
    void utf8Text(l.fh).then((text) => {
      const stream = l.fh.createReadStream({ highWaterMark: 1024 * 1024, start: 0, end: l.size - 1, autoClose: true });
      stream.once('close', () => { bytes.release(l.cost); slots.release(1); });
      stream.once('error', (err) => zip.emit('error', err)); // yazl does not watch lazy streams for errors
      if (!text) return cb(null, stream); // binary, or not UTF-8: its bytes go in unchanged
      // A big text file streams through the redactor; its size in the zip is what comes out.
      const red = createRedactStream();
      red.once('end', () => { if (red.redactor.count) onRedacted?.(l.file.path, red.redactor.count, red.redactor.kinds); });
      cb(null, stream.pipe(red));
    }, (err) => zip.emit('error', err));
  });
}

/** Whether a big file reads as UTF-8 text: no NUL and valid UTF-8 in its first 64 KiB. */
async function utf8Text(fh: import('node:fs/promises').FileHandle): Promise<boolean> {
  const head = Buffer.alloc(64 * 1024);
  const { bytesRead } = await fh.read(head, 0, head.length, 0);
  const part = head.subarray(0, bytesRead);
  if (looksBinary(part)) return false;
  try { new TextDecoder('utf-8', { fatal: true }).decode(part, { stream: true }); return true; } catch { return false; }
}

function progressReporter(files: IncludedFile[], opts: ZipOptions): (file: IncludedFile | null, force: boolean) => void {
  const p: SnapshotProgress = { filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: files.reduce((n, f) => n + f.size, 0) };
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
