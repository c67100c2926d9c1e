// Short-lived helper processes a request starts (git, the keyring probe): each in its own process group, so a
// cancelled request, a timeout or the agent's exit kills the whole tree (a git hook or filter included), not
// only the process the agent started. Approved commands have their own runner (session/runner.ts).
import { spawn } from 'node:child_process';
import { currentSignal } from './cancel.js';

export interface ChildResult<T extends string | Buffer> { stdout: T; stderr: T; exitCode: number }
export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes kept per stream; more kills the group and rejects (ERR_CHILD_PROCESS_STDIO_MAXBUFFER). */
  maxBuffer?: number;
  /** Kills the group and rejects (ETIMEDOUT) after this long. */
  timeoutMs?: number;
  /** Default: the signal of the request being served (cancel.ts). */
  signal?: AbortSignal;
}

const live = new Set<number>();
let exitHook = false;

/** SIGKILL (or `signal`) to the process group of `pid`; on Windows, taskkill of the tree. */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (process.platform === 'win32') {
    spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => {});
    return;
  }
  try { process.kill(-pid, signal); } catch { /* the group is gone */ }
}

function failure(message: string, code: string, name = 'Error'): Error {
  return Object.assign(new Error(message), { code, name });
}

/** Runs `file args`; a non-zero exit is a result; a spawn error, cancel, timeout or signal death rejects. */
export function runChild(file: string, args: string[], opts: ChildOptions & { encoding: 'utf8' }): Promise<ChildResult<string>>;
export function runChild(file: string, args: string[], opts: ChildOptions & { encoding: 'buffer' }): Promise<ChildResult<Buffer>>;
export function runChild(file: string, args: string[], opts: ChildOptions & { encoding: 'utf8' | 'buffer' }): Promise<ChildResult<string | Buffer>> {
  const signal = opts.signal ?? currentSignal();
  const maxBuffer = opts.maxBuffer ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(failure('The operation was aborted', 'ABORT_ERR', 'AbortError'));
    const child = spawn(file, args, {
      cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, detached: process.platform !== 'win32',
    });
    const out: Buffer[][] = [[], []];
    const size = [0, 0];
    let settled = false;
    // Answered at once: a grandchild that left the group could hold the pipes open long after.
    const stop = (err: Error) => {
      if (settled) return;
      if (child.pid) killTree(child.pid);
      finish();
      reject(err);
    };
    const finish = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => stop(failure('The operation was aborted', 'ABORT_ERR', 'AbortError'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = opts.timeoutMs ? setTimeout(() => stop(failure(`${file} timed out after ${opts.timeoutMs} ms`, 'ETIMEDOUT')), opts.timeoutMs) : undefined;
    const pid = child.pid;
    if (pid) {
      live.add(pid);
      child.once('exit', () => live.delete(pid));
      if (!exitHook) { exitHook = true; process.once('exit', () => { for (const p of live) killTree(p); }); }
    }
    [child.stdout, child.stderr].forEach((s, i) => s.on('data', (c: Buffer) => {
      size[i] += c.length;
      if (size[i] > maxBuffer) stop(failure(`${file}: output exceeds ${maxBuffer} bytes`, 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'));
      else out[i].push(c);
    }));
    const done = (err: Error | null, code: number | null, sig: NodeJS.Signals | null) => {
      if (settled) return;
      finish();
      if (err) return reject(err);
      if (code === null) return reject(failure(`${file} was killed by ${sig}`, 'ERR_CHILD_KILLED'));
      const text = (b: Buffer[]) => (opts.encoding === 'utf8' ? Buffer.concat(b).toString('utf8') : Buffer.concat(b));
      resolve({ stdout: text(out[0]), stderr: text(out[1]), exitCode: code });
    };
    child.once('error', (err) => done(err, null, null));
    child.once('close', (code, sig) => done(null, code, sig));
  });
}
