// `.codevf/`, the agent's own folder in a project, which a cloned repository controls: every file in it is
// opened without following links (O_NOFOLLOW), created 0600 in a 0700 folder owned by this user. A `.codevf`
// that is a link or another user's, or a file in it that is a link or another user's, is refused by name
// before anything is written.
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, readlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { PROJECT_CONFIG_DIR } from '../../protocol/project.js';
import { writeFileAtomic } from './atomic-write.js';

const { O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY } = constants;
const uid = () => process.getuid?.() ?? null;

/** Kept out of the repository: session state, audit log, last sync. `config.json` stays committable. */
const GITIGNORE = "# CodeVF's own state (session, audit log, last sync) and this file: not for the repository. config.json is.\n*\n!config.json\n";

const unsafe = (path: string, why: string) =>
  new RpcError(ErrorCode.Forbidden, `Refusing to use ${path}: ${why}. Nothing was written. Remove it (or fix its owner) and try again.`,
    'unsafe_codevf_path', { path });

export const ownDir = (root: string) => join(root, PROJECT_CONFIG_DIR);

async function lstatOrNull(path: string) {
  try { return await lstat(path); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function checkEntry(path: string, st: { isSymbolicLink(): boolean; uid: number }, what: string): void {
  if (st.isSymbolicLink()) throw unsafe(path, `it is a symbolic link (a ${what} must be a real one)`);
  const me = uid();
  if (me !== null && st.uid !== me) throw unsafe(path, `it belongs to another user (uid ${st.uid})`);
}

/**
 * Checks `.codevf` and everything in it without changing anything: no link, nothing another user owns.
 * Returns false when there is no `.codevf` yet.
 */
export async function inspectOwnDir(root: string): Promise<boolean> {
  const dir = ownDir(root);
  const st = await lstatOrNull(dir);
  if (!st) return false;
  checkEntry(dir, st, 'folder');
  if (!st.isDirectory()) throw unsafe(dir, 'it is not a folder');
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const e = await lstatOrNull(path);
    if (e) checkEntry(path, e, 'file');
  }
  return true;
}

/** `.codevf` checked and ready for writing: created 0700 with its `.gitignore` when missing, made 0700 when looser. */
export async function ensureOwnDir(root: string): Promise<string> {
  const dir = ownDir(root);
  if (!await inspectOwnDir(root)) {
    await mkdir(dir, { mode: 0o700 });
    await inspectOwnDir(root); // the folder made now, not one planted in the meantime
  }
  const st = await lstat(dir);
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
  try {
    const fh = await open(join(dir, '.gitignore'), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try { await fh.writeFile(GITIGNORE); } finally { await fh.close(); }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return dir;
}

/** Opens `path` (in a checked `.codevf`) without following a link, and checks what was opened. */
async function openChecked(path: string, flags: number): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, flags | O_NOFOLLOW, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw unsafe(path, 'it is a symbolic link');
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw unsafe(path, 'it is not a regular file');
    checkEntry(path, { isSymbolicLink: () => false, uid: st.uid }, 'file');
    // The folder swapped for a link after it was checked is invisible to O_NOFOLLOW: ask the kernel (Linux).
    const real = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => null);
    if (real !== null && real !== path && !real.endsWith(`/${PROJECT_CONFIG_DIR}/${path.split('/').pop()}`)) {
      throw unsafe(path, `it resolves to ${real}`);
    }
    if ((flags & O_WRONLY) && (st.mode & 0o077) !== 0) await fh.chmod(0o600);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The content of `.codevf/<name>`, or null when it does not exist; a link or another user's file is refused. */
export async function readOwnFile(root: string, name: string): Promise<string | null> {
  if (!await inspectOwnDir(root)) return null;
  let fh: FileHandle;
  try {
    fh = await openChecked(join(ownDir(root), name), O_RDONLY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try { return await fh.readFile('utf8'); } finally { await fh.close(); }
}

/** Appends to `.codevf/<name>` (created 0600). */
export async function appendOwnFile(root: string, name: string, data: string): Promise<void> {
  await ensureOwnDir(root);
  const fh = await openChecked(join(ownDir(root), name), O_WRONLY | O_APPEND | O_CREAT);
  try { await fh.writeFile(data); } finally { await fh.close(); }
}

/** Replaces `.codevf/<name>` atomically (a 0600 temp file renamed over it); an existing link is refused, not replaced. */
export async function writeOwnFile(root: string, name: string, data: string): Promise<void> {
  const dir = await ensureOwnDir(root);
  const path = join(dir, name);
  const existing = await lstatOrNull(path);
  if (existing) checkEntry(path, existing, 'file');
  await writeFileAtomic(path, data, 0o600, (tmp) => openChecked(tmp, O_WRONLY | O_CREAT | O_EXCL));
}
