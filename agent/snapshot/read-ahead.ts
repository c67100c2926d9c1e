// Reads snapshot files ahead of the zip writer: several at once, bounded in bytes, in the manifest's order.
// Each file is opened without following links, from its folder's real path, and checked with fstat.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../security/paths.js';
import type { Arena, Slice } from './arena.js';
import { Budget } from './budget.js';
import type { ExcludedFile, IncludedFile } from './list.js';

export type Loaded =
  | { kind: 'buffer'; file: IncludedFile; data: Buffer; mtime: Date; cost: number; release: () => void }
  | { kind: 'stream'; file: IncludedFile; fh: fsp.FileHandle; size: number; mtime: Date; cost: number }
  | { kind: 'link'; file: IncludedFile; cost: number }
  | { kind: 'skip'; file: IncludedFile; excluded: ExcludedFile; cost: 0 };

export interface ReadAheadOptions {
  root: string;
  concurrency: number;
  bytes: Budget;
  /** Files larger than this are streamed from disk when their turn comes instead of read whole. */
  streamAbove: number;
  /** Files up to this size are read with synchronous calls. */
  syncBelow: number;
  /** Where file content goes; null: a fresh Buffer per file (content that leaves by reference). */
  arenaFor: (file: IncludedFile) => Arena | null;
  maxFileBytes: number;
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

async function readAll(fh: fsp.FileHandle, buf: Buffer): Promise<Buffer> {
  let n = 0;
  while (n < buf.length) {
    const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  return n === buf.length ? buf : buf.subarray(0, n);
}

function readAllSync(fd: number, buf: Buffer): Buffer {
  let n = 0;
  while (n < buf.length) {
    const got = fs.readSync(fd, buf, n, buf.length - n, n);
    if (got === 0) break;
    n += got;
  }
  return n === buf.length ? buf : buf.subarray(0, n);
}

/** Bytes a file holds while read ahead: its size, capped for streamed files, and a floor so counts stay bounded. */
export function costOf(file: IncludedFile, streamAbove: number): number {
  return file.linkTarget !== undefined ? 256 : Math.max(256, Math.min(file.size, streamAbove));
}

export class ReadAhead {
  private readonly dirs = new Map<string, string | null>();
  private readonly slots: Budget;

  constructor(private readonly o: ReadAheadOptions) {
    this.slots = new Budget(o.concurrency);
  }

  /** Yields each file's content (or why it was skipped) in order; at most `concurrency` reads run at once. */
  async *load(files: IncludedFile[]): AsyncGenerator<Loaded> {
    const queue: (Promise<Loaded> | undefined)[] = [];
    let wake = null as (() => void) | null;
    let failed = null as unknown;
    let stopped = false;
    // The launcher runs ahead of the consumer as far as the byte budget and read slots allow.
    const launcher = (async () => {
      for (const file of files) {
        const cost = costOf(file, this.o.streamAbove);
        await this.o.bytes.take(cost);
        await this.slots.take(1);
        if (stopped) return;
        queue.push(this.loadOne(file, cost).finally(() => this.slots.release(1)));
        wake?.();
        if (queue.length % 64 === 0) await new Promise((resolve) => setImmediate(resolve)); // let I/O callbacks in
      }
    })().catch((err) => { failed = err; wake?.(); });
    let i = 0;
    try {
      for (; i < files.length; i++) {
        while (queue.length <= i && failed === null) await new Promise<void>((resolve) => { wake = resolve; });
        if (failed !== null) throw failed;
        const loaded = await queue[i]!;
        queue[i] = undefined;
        yield loaded;
      }
      await launcher;
    } finally {
      // Stopped early (error, abort): read no more, close the handles of files read ahead but never written.
      stopped = true;
      for (const p of queue.slice(i + 1)) void p?.then((l) => (l.kind === 'stream' ? l.fh.close() : undefined), () => undefined);
    }
  }

  /** The real path of the file's folder; null if it now leads outside the project, '' if it is gone. Cached. */
  private realDir(rel: string): string | null {
    const dir = path.posix.dirname(rel);
    let real = this.dirs.get(dir);
    if (real === undefined) {
      try {
        const r = fs.realpathSync.native(path.join(this.o.root, dir));
        real = isInside(this.o.root, r) ? r : null;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        real = code === 'ENOENT' || code === 'ENOTDIR' ? '' : null;
      }
      this.dirs.set(dir, real);
    }
    return real;
  }

  private async loadOne(file: IncludedFile, cost: number): Promise<Loaded> {
    if (file.linkTarget !== undefined) return { kind: 'link', file, cost };
    const dir = this.realDir(file.path);
    if (dir === '') return this.skip(file, cost, 'missing', 'its folder was deleted');
    if (dir === null) return this.skip(file, cost, 'symlink_outside_project', 'its folder now leads outside the project');
    const abs = path.join(dir, path.posix.basename(file.path));
    // Small files: synchronous calls cost far less than four thread-pool round trips, and leave the pool to zlib.
    if (file.size <= this.o.syncBelow) return this.loadSync(file, abs, cost);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(abs, OPEN_FLAGS);
    } catch (err) {
      return this.openFailed(file, cost, err);
    }
    const st = await fh.stat();
    const bad = this.checkStat(file, cost, st);
    if (bad) { await fh.close(); return bad; }
    if (st.size > this.o.streamAbove) return { kind: 'stream', file, fh, size: st.size, mtime: st.mtime, cost };
    const slice = this.slice(file, st.size);
    try {
      return { kind: 'buffer', file, data: await readAll(fh, slice.data), mtime: st.mtime, cost, release: slice.release };
    } catch (err) {
      slice.release();
      return this.openFailed(file, cost, err);
    } finally {
      await fh.close();
    }
  }

  private slice(file: IncludedFile, size: number): Slice {
    return this.o.arenaFor(file)?.alloc(size) ?? { data: Buffer.allocUnsafe(size), release: () => undefined };
  }

  private loadSync(file: IncludedFile, abs: string, cost: number): Loaded {
    let fd: number;
    try {
      fd = fs.openSync(abs, OPEN_FLAGS);
    } catch (err) {
      return this.openFailed(file, cost, err);
    }
    try {
      const st = fs.fstatSync(fd);
      const bad = this.checkStat(file, cost, st);
      if (bad) return bad;
      const slice = this.slice(file, st.size);
      try {
        return { kind: 'buffer', file, data: readAllSync(fd, slice.data), mtime: st.mtime, cost, release: slice.release };
      } catch (err) {
        slice.release();
        return this.openFailed(file, cost, err);
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  private checkStat(file: IncludedFile, cost: number, st: fs.Stats): Loaded | null {
    if (!st.isFile()) return this.skip(file, cost, 'not_a_regular_file', 'changed into a special file');
    if (st.size > this.o.maxFileBytes) return this.skip(file, cost, 'too_large', `grew to ${st.size} bytes`);
    return null;
  }

  private openFailed(file: IncludedFile, cost: number, err: unknown): Loaded {
    const code = (err as NodeJS.ErrnoException).code;
    return this.skip(file, cost, code === 'ENOENT' ? 'missing' : 'unreadable', code === 'ELOOP' ? 'became a symbolic link' : `cannot open (${code})`);
  }

  private skip(file: IncludedFile, cost: number, reason: ExcludedFile['reason'], detail: string): Loaded {
    this.o.bytes.release(cost);
    return { kind: 'skip', file, excluded: { path: file.path, reason, detail }, cost: 0 };
  }
}
