// Which git the agent runs: dugite's own when that optional package is installed with its git, else the git
// on PATH. The exec path is asked from that git once and given to each child, never set on process.env.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { currentSignal } from '../cancel.js';

export interface GitInfo {
  source: 'dugite' | 'path';
  /** The binary run (`git` when found on PATH by the OS). */
  binary: string;
  /** GIT_EXEC_PATH given to every run. */
  execPath: string;
  /** `git --version` output, e.g. `git version 2.39.5`. */
  version: string;
}

export interface GitRun { stdout: string; stderr: string; exitCode: number }
export interface GitRunBuffer { stdout: Buffer; stderr: Buffer; exitCode: number }
interface RunOptions { env?: NodeJS.ProcessEnv; maxBuffer?: number }

/** dugite's embedded git directory, when the package and its downloaded git are both there. */
export function dugiteGitDir(): string | null {
  try {
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('dugite/package.json')), 'git');
    return existsSync(path.join(dir, 'bin', process.platform === 'win32' ? 'git.exe' : 'git')) ? dir : null;
  } catch {
    return null;
  }
}

function raw(binary: string, args: string[], env: NodeJS.ProcessEnv, encoding: 'utf8' | 'buffer', cwd?: string, maxBuffer = 64 * 1024 * 1024) {
  return new Promise<{ stdout: string | Buffer; stderr: string | Buffer; exitCode: number }>((resolve, reject) => {
    // A cancelled request kills the git it started (execFile rejects with an AbortError).
    execFile(binary, args, { cwd, env, encoding, maxBuffer, windowsHide: true, signal: currentSignal(), killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ stdout, stderr, exitCode: typeof err?.code === 'number' ? err.code : 0 });
    });
  });
}

async function locate(env: NodeJS.ProcessEnv): Promise<GitInfo> {
  const dugite = dugiteGitDir();
  const binary = dugite ? path.join(dugite, 'bin', process.platform === 'win32' ? 'git.exe' : 'git') : 'git';
  const base = { ...env, LC_ALL: 'C' };
  const execPath = dugite ? path.join(dugite, 'libexec', 'git-core') : String((await raw(binary, ['--exec-path'], base, 'utf8')).stdout).trim();
  const version = String((await raw(binary, ['--version'], { ...base, GIT_EXEC_PATH: execPath }, 'utf8')).stdout).trim();
  return { source: dugite ? 'dugite' : 'path', binary, execPath, version };
}

let found: Promise<GitInfo> | undefined;

/** The git in use, found once per process; rejects (ENOENT) when there is none. */
export function gitInfo(env: NodeJS.ProcessEnv = process.env): Promise<GitInfo> {
  found ??= locate(env).catch((err) => { found = undefined; throw err; });
  return found;
}

function childEnv(info: GitInfo, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // dugite's git looks for its config and templates beside itself, as dugite's own exec arranges.
  const own = info.source === 'dugite'
    ? { GIT_CONFIG_SYSTEM: path.join(info.execPath, '..', '..', 'etc', 'gitconfig'), PREFIX: path.join(info.execPath, '..', '..') }
    : {};
  return { ...process.env, ...own, GIT_EXEC_PATH: info.execPath, ...extra };
}

/** Runs git in `cwd`; a non-zero exit is a result, a missing git or cwd rejects with the spawn error. */
export async function runGit(args: string[], cwd: string, opts: RunOptions = {}): Promise<GitRun> {
  const info = await gitInfo();
  return raw(info.binary, args, childEnv(info, opts.env), 'utf8', cwd, opts.maxBuffer) as Promise<GitRun>;
}

/** runGit with stdout and stderr as bytes (file names are not always UTF-8). */
export async function runGitBuffer(args: string[], cwd: string, opts: RunOptions = {}): Promise<GitRunBuffer> {
  const info = await gitInfo();
  return raw(info.binary, args, childEnv(info, opts.env), 'buffer', cwd, opts.maxBuffer) as Promise<GitRunBuffer>;
}
