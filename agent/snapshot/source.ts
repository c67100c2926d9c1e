// Opens the manifest's files for the zip, as they are now: each file is opened without following links,
// from its folder's real path (checked to be inside the project), and checked again with fstat. What
// changed since the listing is reported as skipped, never followed. Synchronous calls: a file costs
// three system calls this way instead of three thread-pool round trips.
import fs from 'node:fs';
import path from 'node:path';
import { isInside } from '../security/paths.js';
import type { ExcludedFile, IncludedFile } from './list.js';

export type Opened =
  | { kind: 'file'; fd: number; size: number; mtime: Date }
  | { kind: 'skip'; excluded: ExcludedFile };

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

export class FileSource {
  private readonly dirs = new Map<string, string | null>();

  constructor(private readonly root: string, private readonly maxFileBytes: number) {}

  /** Opens a regular file of the manifest; the caller closes `fd`. */
  open(file: IncludedFile): Opened {
    const dir = this.realDir(file.path);
    if (dir === '') return skip(file, 'missing', 'its folder was deleted');
    if (dir === null) return skip(file, 'symlink_outside_project', 'its folder now leads outside the project');
    let fd: number;
    try {
      fd = fs.openSync(path.join(dir, path.posix.basename(file.path)), OPEN_FLAGS);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return skip(file, code === 'ENOENT' ? 'missing' : 'unreadable', code === 'ELOOP' ? 'became a symbolic link' : `cannot open (${code})`);
    }
    let st: fs.Stats;
    try {
      st = fs.fstatSync(fd);
    } catch (err) {
      fs.closeSync(fd);
      return skip(file, 'unreadable', `cannot stat (${(err as NodeJS.ErrnoException).code})`);
    }
    const bad = !st.isFile() ? skip(file, 'not_a_regular_file', 'changed into a special file')
      : st.size > this.maxFileBytes ? skip(file, 'too_large', `grew to ${st.size} bytes`) : null;
    if (bad) { fs.closeSync(fd); return bad; }
    return { kind: 'file', fd, size: st.size, mtime: st.mtime };
  }

  /** The real path of the file's folder; null if it now leads outside the project, '' if it is gone. Cached. */
  private realDir(rel: string): string | null {
    const dir = path.posix.dirname(rel);
    let real = this.dirs.get(dir);
    if (real === undefined) {
      try {
        const r = fs.realpathSync.native(path.join(this.root, dir));
        real = isInside(this.root, r) ? r : null;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        real = code === 'ENOENT' || code === 'ENOTDIR' ? '' : null;
      }
      this.dirs.set(dir, real);
    }
    return real;
  }
}

/** Reads from `fd` at `pos` until `buf` is full or the file ends; returns the bytes read. */
export function readAt(fd: number, buf: Buffer, pos: number): number {
  let n = 0;
  while (n < buf.length) {
    const got = fs.readSync(fd, buf, n, buf.length - n, pos + n);
    if (got === 0) break;
    n += got;
  }
  return n;
}

function skip(file: IncludedFile, reason: ExcludedFile['reason'], detail: string): Opened {
  return { kind: 'skip', excluded: { path: file.path, reason, detail } };
}
