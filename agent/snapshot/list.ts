// Which files a snapshot holds: git's view of the project (tracked + untracked not ignored), minus
// `.codevfignore`, the never-share list, links leaving the project and size limits. Every file left out
// except gitignored ones is reported with its reason.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { exec } from 'dugite';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { PROJECT_CONFIG_DIR } from '../../protocol/project.js';
import { credentialsDirs, isInCredentialsDir, neverShareReason } from '../security/never-share.js';
import { isInside } from '../security/paths.js';

export const CODEVF_IGNORE = '.codevfignore';
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_TOTAL_BYTES = 500 * 1024 * 1024;

export interface IncludedFile {
  /** Relative to the root, `/`-separated. */
  path: string;
  size: number;
  mode: number;
  /** Set for a symbolic link that stays inside the project: stored as a link, like `git archive`. */
  linkTarget?: string;
}

export type ExclusionReason = 'never_share' | 'codevfignore' | 'symlink_outside_project' | 'too_large' | 'total_size_limit'
  | 'not_a_regular_file' | 'missing' | 'unreadable' | 'unsupported_name';

export interface ExcludedFile {
  path: string;
  reason: ExclusionReason;
  detail: string;
}

export interface SnapshotManifest {
  root: string;
  included: IncludedFile[];
  excluded: ExcludedFile[];
  /** Sum of the included files' sizes (before compression). */
  totalBytes: number;
}

export interface ListOptions {
  maxFileBytes?: number;
  maxTotalBytes?: number;
}

function useSystemGit(): void {
  process.env.LOCAL_GIT_DIRECTORY ??= '/usr';
  process.env.GIT_EXEC_PATH ??= '/usr/lib/git-core';
}

async function gitPaths(root: string, args: string[]): Promise<string[]> {
  useSystemGit();
  const r = await exec(['-c', 'core.quotePath=false', 'ls-files', '-z', ...args], root,
    { encoding: 'buffer', env: { LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' }, maxBuffer: 512 * 1024 * 1024 });
  if (r.exitCode !== 0) {
    const err = r.stderr.toString('utf8').trim().split('\n')[0];
    throw new RpcError(ErrorCode.Conflict, `Cannot list the project's files with git: ${err}`, /not a git repository/i.test(err) ? 'not_a_git_repository' : 'git_failed');
  }
  return r.stdout.toString('utf8').split('\0').filter((p) => p !== '');
}

/** `git ls-files` with `.codevfignore` read like `.gitignore` in every folder: exact git semantics, nested files, `!`. */
async function listCandidates(root: string): Promise<{ paths: string[]; ignored: Set<string> }> {
  const [all, ignored] = await Promise.all([
    gitPaths(root, ['--cached', '--others', '--exclude-standard']),
    gitPaths(root, ['--cached', '--others', '--ignored', `--exclude-per-directory=${CODEVF_IGNORE}`]),
  ]);
  // The agent's own folder (config, audit log, session state) is CodeVF's, not the project's code: left out like a gitignored one.
  const own = `${PROJECT_CONFIG_DIR}/`;
  return { paths: [...new Set(all)].filter((p) => !p.startsWith(own)), ignored: new Set(ignored) };
}

type Verdict = IncludedFile | ExcludedFile;

async function linkVerdict(root: string, rel: string, abs: string, mode: number): Promise<Verdict> {
  const target = await fsp.readlink(abs);
  const lexical = path.resolve(path.dirname(abs), target);
  const real = await fsp.realpath(abs).catch(() => null);
  if (!isInside(root, lexical) || (real !== null && !isInside(root, real))) {
    return { path: rel, reason: 'symlink_outside_project', detail: `symbolic link to ${target}, outside the project` };
  }
  return { path: rel, size: Buffer.byteLength(target), mode, linkTarget: target };
}

// lstatSync: ~50x less overhead than a thread-pool round trip per file, and the listing yields regularly.
function judge(root: string, rel: string, maxFileBytes: number): Verdict | Promise<Verdict> {
  const why = neverShareReason(rel);
  if (why) return { path: rel, reason: 'never_share', detail: why };
  // Zip paths use `/`: a `\\` in a Linux file name would become a folder (or `..`) when unzipped on Windows.
  if (rel.includes('\\') || /^[a-zA-Z]:/.test(rel)) return { path: rel, reason: 'unsupported_name', detail: 'a backslash or drive prefix in the name' };
  const abs = path.join(root, rel);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    return { path: rel, reason: missing ? 'missing' : 'unreadable', detail: missing ? 'deleted from the working tree' : String(code) };
  }
  if (st.isSymbolicLink()) return linkVerdict(root, rel, abs, st.mode);
  if (!st.isFile()) return { path: rel, reason: 'not_a_regular_file', detail: st.isDirectory() ? 'folder (submodule?)' : 'special file' };
  if (st.size > maxFileBytes) return { path: rel, reason: 'too_large', detail: `${st.size} bytes, over the ${maxFileBytes}-byte limit per file` };
  return { path: rel, size: st.size, mode: st.mode };
}

async function judgeAll(root: string, paths: string[], ignored: Set<string>, maxFile: number): Promise<Verdict[]> {
  // Per-file credential checks only when the project and CodeVF's credentials folder overlap.
  const inCreds = credentialsDirs().some((d) => isInside(d, root) || isInside(root, d));
  const out: Verdict[] = [];
  for (let i = 0; i < paths.length; i++) {
    const rel = paths[i];
    if (ignored.has(rel)) out.push({ path: rel, reason: 'codevfignore', detail: `matched by ${CODEVF_IGNORE}` });
    else if (inCreds && isInCredentialsDir(path.join(root, rel))) out.push({ path: rel, reason: 'never_share', detail: "CodeVF's credentials folder" });
    else {
      const v = judge(root, rel, maxFile);
      out.push(v instanceof Promise ? await v : v); // only links need the thread pool
    }
    if (i % 512 === 511) await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

/** Decides, without reading any content, which files go into the snapshot of `root`. */
export async function listSnapshotFiles(rootIn: string, opts: ListOptions = {}): Promise<SnapshotManifest> {
  const root = await fsp.realpath(rootIn);
  const maxFile = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxTotal = opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const { paths, ignored } = await listCandidates(root);
  const verdicts = await judgeAll(root, paths, ignored, maxFile);
  const manifest: SnapshotManifest = { root, included: [], excluded: [], totalBytes: 0 };
  for (const v of verdicts) {
    if ('reason' in v) { manifest.excluded.push(v); continue; }
    if (manifest.totalBytes + v.size > maxTotal) {
      manifest.excluded.push({ path: v.path, reason: 'total_size_limit', detail: `would pass the ${maxTotal}-byte limit for the whole snapshot` });
      continue;
    }
    manifest.totalBytes += v.size;
    manifest.included.push(v);
  }
  return manifest;
}
