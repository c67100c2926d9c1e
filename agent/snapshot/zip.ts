// Streams the manifest's files into a zip with yazl. Small files go in as buffers (yazl deflates them on
// the thread pool, several at once); big ones stream from disk. Memory is bounded by a byte budget:
// yazl writes entries in order, so when it asks for a lazily added entry, every entry before it is out.
import type { Readable } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';
import yazl from 'yazl';
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
  /** Bytes read ahead and not yet written out (default 16 MiB). */
  maxBytesInFlight?: number;
  /** Files above this size stream from disk (default 1 MiB). */
  streamAbove?: number;
  /** zlib level, 6 like `git archive` (default). */
  compressionLevel?: number;
  onProgress?: (p: SnapshotProgress) => void;
  /** At most one progress call per interval, plus the last (default 100 ms). */
  progressIntervalMs?: number;
}

// Formats that are already compressed: deflating them again costs time and gains nothing.
const STORED = /\.(png|jpe?g|gif|webp|avif|ico|mp[34]|m4a|mov|webm|ogg|zip|gz|tgz|bz2|xz|zst|7z|rar|jar|war|woff2?|pdf|whl|docx|xlsx|pptx)$/i;
const OUTPUT_HIGH_WATER = 4 * 1024 * 1024;

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

async function feed(zip: yazl.ZipFile, output: Readable & NodeJS.WritableStream, root: string, files: IncludedFile[],
  maxFileBytes: number, opts: ZipOptions): Promise<ExcludedFile[]> {
  const bytes = new Budget(opts.maxBytesInFlight ?? 16 * 1024 * 1024);
  const streamAbove = opts.streamAbove ?? 1024 * 1024;
  const groupMax = Math.max(streamAbove, (opts.maxBytesInFlight ?? 16 * 1024 * 1024) / 4);
  const reader = new ReadAhead({ root, concurrency: opts.concurrency ?? 16, bytes, streamAbove, maxFileBytes });
  const progress = progressReporter(files, opts);
  const skipped: ExcludedFile[] = [];
  let pending = 0; // bytes of buffer entries added since the last lazy entry
  for await (const l of reader.load(files)) {
    if (l.kind === 'skip') { skipped.push(l.excluded); progress(l.file, true); continue; }
    await outputRoom(output);
    if ((output as Readable).destroyed) break;
    const level = opts.compressionLevel ?? 6;
    const entry = { mode: l.file.mode, compressionLevel: STORED.test(l.file.path) ? 0 : level };
    if (l.kind === 'link') {
      zip.addBuffer(Buffer.from(l.file.linkTarget!), l.file.path, { ...entry, compressionLevel: 0 });
      pending += l.cost;
    } else if (l.kind === 'buffer' && pending + l.cost <= groupMax) {
      zip.addBuffer(l.data, l.file.path, { ...entry, mtime: l.mtime });
      pending += l.cost;
    } else {
      addLazy(zip, l, entry, bytes, pending);
      pending = 0;
    }
    progress(l.file, false);
  }
  zip.end();
  progress(null, true);
  return skipped;
}

/** Adds an entry whose data yazl asks for when its turn comes: the moment to free the entries before it. */
function addLazy(zip: yazl.ZipFile, l: Extract<Loaded, { kind: 'buffer' | 'stream' }>, entry: { mode: number; compressionLevel: number },
  bytes: Budget, before: number): void {
  zip.addReadStreamLazy(l.file.path, { ...entry, mtime: l.mtime }, (cb) => {
    bytes.release(before);
    const stream = l.kind === 'stream'
      ? l.fh.createReadStream({ highWaterMark: 1024 * 1024, start: 0, end: Math.max(0, l.size - 1), autoClose: true })
      : ReadableStream.from([l.data], { objectMode: false });
    stream.once('close', () => bytes.release(l.cost));
    cb(null, stream);
  });
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
