// Reads snapshot files ahead of the zip writer: several at once, bounded in bytes, in the manifest's order.
// Each file is opened without following links, from its folder's real path, and checked with fstat.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../security/paths.js';
import { Budget } from './budget.js';
import type { ExcludedFile, IncludedFile } from './list.js';

export type Loaded =
  | { kind: 'buffer'; file: IncludedFile; data: Buffer; mtime: Date; cost: number }
  | { kind: 'stream'; file: IncludedFile; fh: fsp.FileHandle; size: number; mtime: Date; cost: number }
  | { kind: 'link'; file: IncludedFile; cost: number }
  | { kind: 'skip'; file: IncludedFile; excluded: ExcludedFile; cost: 0 };

export interface ReadAheadOptions {
  root: string;
  concurrency: number;
  bytes: Budget;
  /** Files larger than this are streamed from disk when their turn comes instead of read whole. */
  streamAbove: number;
  maxFileBytes: number;
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

async function readAll(fh: fsp.FileHandle, size: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(size);
  let n = 0;
  while (n < size) {
    const { bytesRead } = await fh.read(buf, n, size - n, n);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  return n === size ? buf : buf.subarray(0, n);
}

/** Bytes a file holds while read ahead: its size, capped for streamed files, and a floor so counts stay bounded. */
export function costOf(file: IncludedFile, streamAbove: number): number {
  return file.linkTarget !== undefined ? 256 : Math.max(256, Math.min(file.size, streamAbove));
}

export class ReadAhead {
  private readonly dirs = new Map<string, Promise<string | null>>();
  private readonly slots: Budget;

  constructor(private readonly o: ReadAheadOptions) {
    this.slots = new Budget(o.concurrency);
  }

  /** Yields each file's content (or why it was skipped) in order; at most `concurrency` reads run at once. */
  async *load(files: IncludedFile[]): AsyncGenerator<Loaded> {
    const queue: (Promise<Loaded> | undefined)[] = [];
    let wake = null as (() => void) | null;
    let failed = null as unknown;
    // The launcher runs ahead of the consumer as far as the byte budget and read slots allow.
    const launcher = (async () => {
      for (const file of files) {
        const cost = costOf(file, this.o.streamAbove);
        await this.o.bytes.take(cost);
        await this.slots.take(1);
        queue.push(this.loadOne(file, cost).finally(() => this.slots.release(1)));
        wake?.();
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
      // Stopped early (error, abort): close the handles of files read ahead but never written.
      for (const p of queue.slice(i + 1)) void p?.then((l) => (l.kind === 'stream' ? l.fh.close() : undefined), () => undefined);
    }
  }

  private async realDir(rel: string): Promise<string | null> {
    const dir = path.posix.dirname(rel);
    let p = this.dirs.get(dir);
    if (!p) {
      p = fsp.realpath(path.join(this.o.root, dir)).then((r) => (isInside(this.o.root, r) ? r : null), () => null);
      this.dirs.set(dir, p);
    }
    return p;
  }

  private async loadOne(file: IncludedFile, cost: number): Promise<Loaded> {
    const skip = (reason: ExcludedFile['reason'], detail: string): Loaded => {
      this.o.bytes.release(cost);
      return { kind: 'skip', file, excluded: { path: file.path, reason, detail }, cost: 0 };
    };
    if (file.linkTarget !== undefined) return { kind: 'link', file, cost };
    const dir = await this.realDir(file.path);
    if (dir === null) return skip('symlink_outside_project', 'its folder now leads outside the project');
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(path.join(dir, path.posix.basename(file.path)), OPEN_FLAGS);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return skip(code === 'ENOENT' ? 'missing' : 'unreadable', code === 'ELOOP' ? 'became a symbolic link' : `cannot open (${code})`);
    }
    const st = await fh.stat();
    if (!st.isFile() || st.size > this.o.maxFileBytes) {
      await fh.close();
      return st.isFile() ? skip('too_large', `grew to ${st.size} bytes`) : skip('not_a_regular_file', 'changed into a special file');
    }
    if (st.size > this.o.streamAbove) return { kind: 'stream', file, fh, size: st.size, mtime: st.mtime, cost };
    try {
      return { kind: 'buffer', file, data: await readAll(fh, st.size), mtime: st.mtime, cost };
    } finally {
      await fh.close();
    }
  }
}
