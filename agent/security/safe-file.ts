// Serving one project file to the engineer: every check of security.md section 6, in order.
// Modelled on modelcontextprotocol/servers src/filesystem/path-validation.ts, plus fd-level checks.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RpcError, type ErrorReason } from '../../protocol/errors.js';
import { containerReason, isInCredentialsDir, neverShareReason } from './never-share.js';
import { checkPathSyntax } from './path-syntax.js';
import { isInside } from './paths.js';
import { redact } from './redact.js';
import { redactBytes } from './redact-bytes.js';

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
const SYSTEM_DIRS = ['/proc', '/dev', '/sys'];

export interface ReadFileOptions {
  /** Size cap in bytes (default 1 MiB). */
  maxBytes?: number;
  /** The customer explicitly shares this one file although it is on the never-share list. */
  overrideNeverShare?: boolean;
  /** Called after the checks, before open: lets tests swap the file for a link (the race we defend). */
  beforeOpen?: (realPath: string) => Promise<void> | void;
}

export interface SharedFile {
  /** Path relative to the project root, `/`-separated, after resolving links. */
  path: string;
  size: number;
  binary: boolean;
  encoding: 'utf8' | 'base64';
  content: string;
  redactions: { count: number; kinds: string[] };
}

const forbidden = (message: string, reason: ErrorReason, extra: Record<string, unknown> = {}) =>
  new RpcError(ErrorCode.Forbidden, message, reason, extra);

/** A project root, realpath'd once, that serves files under it. */
export class ProjectFiles {
  private constructor(readonly root: string) {}

  static async open(root: string): Promise<ProjectFiles> {
    return new ProjectFiles(await fsp.realpath(root));
  }

  /** Steps 1-3: the real absolute path and its project-relative form, or an RpcError. */
  async resolve(requested: string, opts: Pick<ReadFileOptions, 'overrideNeverShare'> = {}): Promise<{ real: string; rel: string }> {
    const parts = checkPathSyntax(requested);
    let real: string;
    try {
      real = await fsp.realpath(path.resolve(this.root, ...parts));
    } catch (err) {
      throw notFoundOr(err, parts.join('/'));
    }
    if (!isInside(this.root, real)) {
      throw forbidden(`"${requested}" resolves outside the project folder.`, 'path_outside_project');
    }
    const rel = path.relative(this.root, real).split(path.sep).join('/');
    if (rel === '') throw forbidden('The path names the project root, not a file.', 'not_a_regular_file');
    if (SYSTEM_DIRS.some((d) => isInside(d, real))) throw forbidden(`"${requested}" is a system file.`, 'not_a_regular_file');
    if (isInCredentialsDir(real)) throw forbidden("CodeVF's own credentials are never shared.", 'never_share');
    if (!opts.overrideNeverShare) {
      const why = neverShareReason(rel) ?? neverShareReason(parts.join('/'));
      if (why) {
        throw forbidden(`"${rel}" is on the never-share list: ${why}. The customer may share it explicitly.`, 'never_share', { detail: why });
      }
    }
    return { real, rel };
  }

  /**
   * Every check of `read` without reading: what the customer would be asked about. Throws what `read` would
   * throw, except for the never-share list, which is reported (from the file that would be served) instead.
   */
  async check(requested: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<{ path: string; size: number; neverShare: string | null }> {
    const { real, rel } = await this.resolve(requested, { overrideNeverShare: true });
    const fh = await openNoFollow(real, rel);
    let size: number;
    let head: Buffer;
    try {
      await verifyHandle(fh, real, rel, maxBytes);
      size = (await fh.stat()).size;
      head = await readHead(fh);
    } finally {
      await fh.close();
    }
    return { path: rel, size, neverShare: neverShareReason(rel) ?? neverShareReason(checkPathSyntax(requested).join('/')) ?? containerReason(head) };
  }

  /** Steps 1-5: checks, opens without following links, verifies the handle, reads, redacts. */
  async read(requested: string, opts: ReadFileOptions = {}): Promise<SharedFile> {
    const { real, rel } = await this.resolve(requested, opts);
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
    await opts.beforeOpen?.(real);
    const fh = await openNoFollow(real, rel);
    try {
      await verifyHandle(fh, real, rel, maxBytes);
      const data = await readCapped(fh, maxBytes, rel);
      const container = opts.overrideNeverShare ? null : containerReason(data.subarray(0, HEAD_BYTES));
      if (container) {
        throw forbidden(`"${rel}" is on the never-share list: ${container}. The customer may share it explicitly.`, 'never_share', { detail: container });
      }
      return encode(rel, data);
    } finally {
      await fh.close();
    }
  }
}

function notFoundOr(err: unknown, rel: string): RpcError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new RpcError(ErrorCode.NotFound, `"${rel}" does not exist in the project.`, 'file_not_found');
  }
  if (code === 'ELOOP') return forbidden(`"${rel}" is a symbolic link loop.`, 'path_outside_project');
  return forbidden(`"${rel}" cannot be read (${code ?? 'error'}).`, 'unreadable');
}

async function openNoFollow(real: string, rel: string): Promise<fsp.FileHandle> {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);
  try {
    return await fsp.open(real, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw forbidden(`"${rel}" changed into a link while being opened.`, 'file_changed');
    if (code === 'ENXIO') throw forbidden(`"${rel}" is not a regular file.`, 'not_a_regular_file');
    throw notFoundOr(err, rel);
  }
}

/** Step 4: the open handle is the checked file (same dev/ino, same path), a regular file, and not too big. */
async function verifyHandle(fh: fsp.FileHandle, real: string, rel: string, maxBytes: number): Promise<void> {
  const st = await fh.stat();
  if (!st.isFile()) throw forbidden(`"${rel}" is not a regular file.`, 'not_a_regular_file');
  const now = await fsp.stat(real).catch(() => null);
  if (!now || now.dev !== st.dev || now.ino !== st.ino) throw forbidden(`"${rel}" changed while being opened.`, 'file_changed');
  // A parent folder swapped for a link between realpath and open is invisible to O_NOFOLLOW: ask the kernel.
  const fdPath = await fsp.readlink(`/proc/self/fd/${fh.fd}`).catch(() => null);
  if (fdPath !== null && fdPath !== real) throw forbidden(`"${rel}" changed while being opened.`, 'file_changed');
  if (st.size > maxBytes) {
    throw forbidden(`"${rel}" is ${st.size} bytes, over the ${maxBytes}-byte limit for one file.`, 'too_large', { size: st.size, maxBytes });
  }
}

const HEAD_BYTES = 4096;

/** The first bytes of the file, for content checks (compressed containers). */
async function readHead(fh: fsp.FileHandle): Promise<Buffer> {
  const buf = Buffer.alloc(HEAD_BYTES);
  const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
  return buf.subarray(0, bytesRead);
}

async function readCapped(fh: fsp.FileHandle, maxBytes: number, rel: string): Promise<Buffer> {
  const buf = Buffer.alloc(maxBytes + 1);
  let n = 0;
  while (n < buf.length) {
    const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  if (n > maxBytes) throw forbidden(`"${rel}" grew over the ${maxBytes}-byte limit while being read.`, 'too_large', { maxBytes });
  return buf.subarray(0, n);
}

/** Text is valid UTF-8 without NUL bytes; anything else goes as base64 with `binary: true`. */
export function isBinary(data: Buffer): boolean {
  if (data.subarray(0, 8192).includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return false;
  } catch {
    return true;
  }
}

function encode(rel: string, data: Buffer): SharedFile {
  if (isBinary(data)) {
    const r = redactBytes(data);
    return { path: rel, size: data.length, binary: true, encoding: 'base64', content: r.data.toString('base64'), redactions: { count: r.count, kinds: r.kinds } };
  }
  const r = redact(data.toString('utf8'));
  return { path: rel, size: data.length, binary: false, encoding: 'utf8', content: r.text, redactions: { count: r.count, kinds: r.kinds } };
}
