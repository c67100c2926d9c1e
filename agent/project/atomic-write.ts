// Writes a file so that readers see the old content or the new one, never a torn mix:
// a temp file in the same folder (same file system), fsync'd, then renamed over the target.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** `openTmp` creates the temp file (default: 'wx' with `mode`); `.codevf/` passes its own checked open. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644,
  openTmp: (tmp: string) => Promise<FileHandle> = (tmp) => open(tmp, 'wx', mode)): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx' refuses to follow a planted file or symlink at the temp name; mode applies at creation.
  const fh = await openTmp(tmp);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
