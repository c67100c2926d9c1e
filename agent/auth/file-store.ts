// `$XDG_CONFIG_HOME/codevf/auth.json`: one record per backend host, folder 0700, file 0600,
// replaced atomically. A record either holds the token (store `file`) or says the keyring holds it.
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from '../project/atomic-write.js';

export const Secrets = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().optional(),
});
export type Secrets = z.infer<typeof Secrets>;

export const HostRecord = Secrets.partial().extend({
  store: z.enum(['file', 'keyring']),
  expiresAt: z.string().optional(),
  userId: z.string().optional(),
  login: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  /** Orders copies when the keyring and the file both hold one (a failed delete leaves a stale copy). */
  savedAt: z.string(),
  /** Why the keyring was not used although one exists. */
  keyringError: z.string().optional(),
});
export type HostRecord = z.infer<typeof HostRecord>;

const LOCK_WAIT_MS = 5000;
const STALE_LOCK_MS = 10_000;

const AuthFile = z.object({ version: z.literal(1), hosts: z.record(z.string(), HostRecord) });
type AuthFile = z.infer<typeof AuthFile>;

/** `$XDG_CONFIG_HOME/codevf` (an XDG path must be absolute), else `~/.config/codevf`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.config');
  return join(base, 'codevf');
}

export class AuthFileStore {
  readonly path: string;
  constructor(readonly dir: string) {
    this.path = join(dir, 'auth.json');
  }

  /** All records; a missing file is empty, an unreadable or invalid one throws. */
  async read(): Promise<AuthFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, hosts: {} };
      throw err;
    }
    return AuthFile.parse(JSON.parse(text));
  }

  async get(host: string): Promise<HostRecord | null> {
    return (await this.read()).hosts[host] ?? null;
  }

  /** Sets (or with null removes) one host's record, keeping the others. */
  async put(host: string, record: HostRecord | null): Promise<void> {
    await this.ensureDir();
    await this.locked(() => this.update(host, record));
  }

  private async update(host: string, record: HostRecord | null): Promise<void> {
    let file: AuthFile;
    try {
      file = await this.read();
    } catch {
      // A corrupt file must not block saving a fresh token: keep it aside for the user, start anew.
      await rename(this.path, `${this.path}.corrupt-${Date.now()}`).catch(() => {});
      file = { version: 1, hosts: {} };
    }
    if (record) file.hosts[host] = record;
    else if (host in file.hosts) delete file.hosts[host];
    else return;
    await writeFileAtomic(this.path, JSON.stringify(file, null, 2) + '\n', 0o600);
  }

  // Two agents (two terminals) saving at once must not drop each other's host: read-modify-write under
  // an exclusive lock file; a lock older than STALE_LOCK_MS is a crashed writer's and is broken.
  private async locked<T>(f: () => Promise<T>): Promise<T> {
    const lock = `${this.path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await (await open(lock, 'wx', 0o600)).close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const since = await stat(lock).then((st) => Date.now() - st.mtimeMs, () => 0);
        if (since > STALE_LOCK_MS) await unlink(lock).catch(() => {});
        else if (Date.now() > deadline) throw Object.assign(new Error(`${lock} is held by another process`), { code: 'ELOCKED' });
        else await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      }
    }
    try {
      return await f();
    } finally {
      await unlink(lock).catch(() => {});
    }
  }

  private async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // The folder may predate us with looser bits; it holds only our secrets.
    if (((await stat(this.dir)).mode & 0o777) !== 0o700) await chmod(this.dir, 0o700);
  }
}
