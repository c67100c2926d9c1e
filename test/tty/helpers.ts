// Runs the built `codevf` as a process (pipes: not a terminal) with its own HOME, against a sandbox.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TTY_BIN, withTimeout } from '../helpers/agent.js';

export interface Run { code: number | null; stdout: string; stderr: string }

/** The environment of a fresh user: own HOME and config folder, no token, no colour settings. */
export function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share') };
  for (const k of ['CODEVF_TOKEN', 'CODEVF_HOST', 'NO_COLOR', 'CLICOLOR_FORCE', 'FORCE_COLOR', 'BROWSER', 'DBUS_SESSION_BUS_ADDRESS']) delete env[k];
  // No update check against the real release site; the notice has its own test.
  return { ...env, CODEVF_NO_UPDATE_NOTIFIER: '1', ...extra };
}

export function codevf(args: string[], opts: { env: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number }): Promise<Run> {
  const p = spawn(process.execPath, [TTY_BIN, ...args], { env: opts.env, cwd: opts.cwd, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  p.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  p.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  p.stdin.end(opts.input ?? '');
  const done = new Promise<Run>((r) => p.on('close', (code) => r({ code, stdout, stderr })));
  return withTimeout(done, opts.timeoutMs ?? 30_000, `codevf ${args.join(' ')}`).catch((e) => { p.kill('SIGKILL'); throw e; });
}

/** A temporary HOME; `done()` removes it. A terminal's agent may still be flushing into it after the terminal
 *  was killed (ENOTEMPTY): rm retries rather than failing the whole run from an after hook. */
export async function tempHome(prefix = 'cvf-tty-'): Promise<{ dir: string; done: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, done: () => rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 }) };
}

export const ESC = '\x1b[';

export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

let repos = 0;
/** A new node project folder under `base`: a git repo on `branch`, with one commit when `commit`. */
export async function nodeRepo(base: string, opts: { branch?: string; commit?: boolean } = {}): Promise<string> {
  const dir = join(base, `repo${++repos}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', scripts: { test: 'node -e 1', build: 'node -e 2' } }));
  await writeFile(join(dir, 'index.js'), 'console.log(1)\n');
  git(dir, 'init', '-q', '-b', opts.branch ?? 'codevf');
  if (opts.commit) { git(dir, 'add', '.'); git(dir, 'commit', '-q', '-m', 'first'); }
  return dir;
}
