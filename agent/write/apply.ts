// Writing one project file for an allowed write request. A write goes only to a regular file (or a new
// one) inside the project, reached without any symbolic link on the way, never to a never-share file,
// CodeVF's own folder or credentials; the old content must be what the customer was shown (else
// `file_changed`), and the new content replaces it atomically (temp file in the same folder, fsync, rename).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RpcError, type ErrorReason } from '../../protocol/errors.js';
import { isInCredentialsDir, neverShareReason } from '../security/never-share.js';
import { checkPathSyntax } from '../security/path-syntax.js';
import { isInside } from '../security/paths.js';

export const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const forbidden = (message: string, reason: ErrorReason) => new RpcError(ErrorCode.Forbidden, message, reason);

export interface WriteTarget {
  /** Project-relative, `/`-separated. */
  rel: string;
  abs: string;
  /** Current text, or null for a new file. */
  before: string | null;
}

/** Every check that needs no answer: syntax, no link anywhere on the path, inside the project, not protected. */
export async function writeTarget(root: string, requested: string, maxBytes: number): Promise<WriteTarget> {
  const parts = checkPathSyntax(requested);
  const rel = parts.join('/');
  if (parts[0].toLowerCase() === '.codevf' || parts[0].toLowerCase() === '.git') {
    throw forbidden(`"${rel}" is inside ${parts[0]}/, which requesters never write.`, 'never_share');
  }
  const why = neverShareReason(rel);
  if (why) throw forbidden(`"${rel}" is on the never-share list (${why}); it is never written for a requester.`, 'never_share');
  // Walk each component with lstat: a link anywhere (folder or file) refuses the write.
  let at = root;
  for (let i = 0; i < parts.length; i++) {
    at = path.join(at, parts[i]);
    const st = await fsp.lstat(at).catch((e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return null; throw e; });
    if (!st) {
      if (i < parts.length - 1) throw new RpcError(ErrorCode.NotFound, `The folder "${parts.slice(0, i + 1).join('/')}" does not exist.`, 'file_not_found');
      break;
    }
    if (st.isSymbolicLink()) throw forbidden(`"${parts.slice(0, i + 1).join('/')}" is a symbolic link; writes never go through links.`, 'path_outside_project');
    if (i < parts.length - 1 && !st.isDirectory()) throw forbidden(`"${parts.slice(0, i + 1).join('/')}" is not a folder.`, 'not_a_regular_file');
    if (i === parts.length - 1 && !st.isFile()) throw forbidden(`"${rel}" is not a regular file.`, 'not_a_regular_file');
    if (i === parts.length - 1 && st.nlink > 1) throw forbidden(`"${rel}" has other hard links; writing it would change files elsewhere.`, 'path_outside_project');
  }
  const abs = path.join(root, ...parts);
  if (!isInside(root, abs) || isInCredentialsDir(abs)) throw forbidden(`"${rel}" is outside the project.`, 'path_outside_project');
  const before = await readText(abs, rel, maxBytes);
  return { rel, abs, before };
}

async function readText(abs: string, rel: string, maxBytes: number): Promise<string | null> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(abs, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw forbidden(`"${rel}" cannot be opened (${(e as NodeJS.ErrnoException).code}).`, 'file_changed');
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw forbidden(`"${rel}" is not a regular file.`, 'not_a_regular_file');
    if (st.size > maxBytes) throw forbidden(`"${rel}" is ${st.size} bytes, over the ${maxBytes}-byte limit.`, 'too_large');
    const buf = await fh.readFile();
    const text = buf.toString('utf8');
    if (buf.includes(0) || Buffer.from(text, 'utf8').compare(buf) !== 0) throw forbidden(`"${rel}" is not UTF-8 text; only text files are written.`, 'not_a_regular_file');
    return text;
  } finally {
    await fh.close();
  }
}

/** Applies an allowed write: the target is checked again and must still hold what was shown, then replaced atomically. */
export async function applyWrite(root: string, requested: string, expectBefore: string | null, after: string, maxBytes: number): Promise<void> {
  const t = await writeTarget(root, requested, maxBytes);
  if (t.before !== expectBefore) {
    throw new RpcError(ErrorCode.Conflict, `"${t.rel}" changed since the change was proposed; nothing was written.`, 'file_changed');
  }
  const dir = path.dirname(t.abs);
  const tmp = path.join(dir, `.${path.basename(t.abs)}.codevf-${randomBytes(6).toString('hex')}.tmp`);
  const mode = t.before === null ? 0o644 : (await fsp.stat(t.abs)).mode & 0o777;
  const fh = await fsp.open(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), mode);
  try {
    await fh.writeFile(after);
    await fh.sync();
    // The folder written into must still be the checked one (not swapped for a link meanwhile).
    const fdPath = await fsp.readlink(`/proc/self/fd/${fh.fd}`).catch(() => null);
    if (fdPath !== null && fdPath !== tmp) throw forbidden(`The folder of "${t.rel}" changed while writing; nothing was written.`, 'file_changed');
  } catch (e) {
    await fh.close().catch(() => {});
    await fsp.unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  try { await fsp.rename(tmp, t.abs); } catch (e) { await fsp.unlink(tmp).catch(() => {}); throw e; }
}
