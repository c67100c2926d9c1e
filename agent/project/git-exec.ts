// Which git the agent runs: dugite's own when that optional package is installed with its git, else the git
// on PATH. The exec path is asked from that git once and given to each child, never set on process.env.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { outsideRequest } from '../cancel.js';
import { runChild } from '../child.js';

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

async function locate(env: NodeJS.ProcessEnv): Promise<GitInfo> {
  const dugite = dugiteGitDir();
  const binary = dugite ? path.join(dugite, 'bin', process.platform === 'win32' ? 'git.exe' : 'git') : 'git';
  const base = { ...env, LC_ALL: 'C' };
  const execPath = dugite ? path.join(dugite, 'libexec', 'git-core') : (await runChild(binary, ['--exec-path'], { env: base, encoding: 'utf8' })).stdout.trim();
  const version = (await runChild(binary, ['--version'], { env: { ...base, GIT_EXEC_PATH: execPath }, encoding: 'utf8' })).stdout.trim();
  return { source: dugite ? 'dugite' : 'path', binary, execPath, version };
}

let found: Promise<GitInfo> | undefined;

/** The git in use, found once per process; rejects (ENOENT) when there is none. */
export function gitInfo(env: NodeJS.ProcessEnv = process.env): Promise<GitInfo> {
  // Found for every caller: one request's cancel must not fail the others waiting on it.
  found ??= outsideRequest(() => locate(env)).catch((err) => { found = undefined; throw err; });
  return found;
}

function childEnv(info: GitInfo, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // dugite's git looks for its config and templates beside itself, as dugite's own exec arranges.
  const own = info.source === 'dugite'
    ? { GIT_CONFIG_SYSTEM: path.join(info.execPath, '..', '..', 'etc', 'gitconfig'), PREFIX: path.join(info.execPath, '..', '..') }
    : {};
  return { ...process.env, ...own, GIT_EXEC_PATH: info.execPath, ...extra };
}

/** Runs git in `cwd`; a non-zero exit is a result, a missing git or cwd rejects with the spawn error, a cancel
 *  of the request kills git with its hooks and filters (its own process group). */
export async function runGit(args: string[], cwd: string, opts: RunOptions = {}): Promise<GitRun> {
  const info = await gitInfo();
  return runChild(info.binary, args, { cwd, env: childEnv(info, opts.env), encoding: 'utf8', maxBuffer: opts.maxBuffer });
}

/** runGit with stdout and stderr as bytes (file names are not always UTF-8). */
export async function runGitBuffer(args: string[], cwd: string, opts: RunOptions = {}): Promise<GitRunBuffer> {
  const info = await gitInfo();
  return runChild(info.binary, args, { cwd, env: childEnv(info, opts.env), encoding: 'buffer', maxBuffer: opts.maxBuffer });
}
