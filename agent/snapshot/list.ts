// Which files a snapshot holds: git's view of the project (tracked + untracked not ignored), minus
// `.codevfignore`, the never-share list, links leaving the project and size limits. Every file left out
// except gitignored ones is reported with its reason.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { PROJECT_CONFIG_DIR } from '../../protocol/project.js';
import { runGitBuffer } from '../project/git-exec.js';
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
  included: FileList;
  excluded: ExcludedFile[];
  /** Sum of the included files' sizes (before compression). */
  totalBytes: number;
}

/**
 * The included files, kept compact: their names stay in git's output and each file costs about 20 bytes
 * of typed arrays, not an object and a string. A manifest of 100k files would otherwise fill V8's young
 * generation with survivors and grow the heap by tens of MiB. `at(i)` makes an IncludedFile on demand.
 */
export class FileList implements Iterable<IncludedFile> {
  private count = 0;
  private starts = new Uint32Array(256);
  private ends = new Uint32Array(256);
  private sizes = new Float64Array(256);
  private modes = new Uint32Array(256);
  private readonly links = new Map<number, string>();

  constructor(private readonly names: Buffer) {}

  get length(): number { return this.count; }

  at(i: number): IncludedFile {
    const f: IncludedFile = { path: this.path(i), size: this.sizes[i], mode: this.modes[i] };
    const target = this.links.get(i);
    if (target !== undefined) f.linkTarget = target;
    return f;
  }

  path(i: number): string { return this.names.toString('utf8', this.starts[i], this.ends[i]); }

  size(i: number): number { return this.sizes[i]; }

  *[Symbol.iterator](): Iterator<IncludedFile> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }

  /** Adds the file whose name is `names[start, end)`. */
  add(start: number, end: number, size: number, mode: number, linkTarget?: string): void {
    if (this.count === this.starts.length) this.grow();
    const i = this.count++;
    [this.starts[i], this.ends[i], this.sizes[i], this.modes[i]] = [start, end, size, mode];
    if (linkTarget !== undefined) this.links.set(i, linkTarget);
  }

  /** The same list less the files at `paths`. */
  without(paths: Set<string>): FileList {
    const out = new FileList(this.names);
    for (let i = 0; i < this.count; i++) {
      if (!paths.has(this.path(i))) out.add(this.starts[i], this.ends[i], this.sizes[i], this.modes[i], this.links.get(i));
    }
    return out;
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const bigger = <T extends Uint32Array | Float64Array>(a: T, make: new (n: number) => T): T => { const b = new make(n); b.set(a); return b; };
    this.starts = bigger(this.starts, Uint32Array);
    this.ends = bigger(this.ends, Uint32Array);
    this.sizes = bigger(this.sizes, Float64Array);
    this.modes = bigger(this.modes, Uint32Array);
  }
}

export interface ListOptions {
  maxFileBytes?: number;
  maxTotalBytes?: number;
}

/** `git ls-files -z` output as it came: NUL-terminated names. */
async function gitList(root: string, args: string[]): Promise<Buffer> {
  const r = await runGitBuffer(['-c', 'core.quotePath=false', 'ls-files', '-z', ...args], root,
    { env: { LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' }, maxBuffer: 512 * 1024 * 1024 });
  if (r.exitCode !== 0) {
    const err = r.stderr.toString('utf8').trim().split('\n')[0];
    throw new RpcError(ErrorCode.Conflict, `Cannot list the project's files with git: ${err}`, /not a git repository/i.test(err) ? 'not_a_git_repository' : 'git_failed');
  }
  return r.stdout;
}

/** `git ls-files` with `.codevfignore` read like `.gitignore` in every folder: exact git semantics, nested files, `!`. */
async function listCandidates(root: string): Promise<{ names: Buffer; ignored: Set<string> }> {
  const names = await gitList(root, ['--cached', '--others', '--exclude-standard']);
  // Most projects have no .codevfignore: then the second git run (a process, and on a big tree a full walk) is skipped.
  if (!hasCodevfIgnore(root, names)) return { names, ignored: new Set() };
  const ignored = await gitList(root, ['--cached', '--others', '--ignored', `--exclude-per-directory=${CODEVF_IGNORE}`]);
  return { names, ignored: new Set(ignored.toString('utf8').split('\0').filter((p) => p !== '')) };
}

/**
 * Whether a `.codevfignore` sits in any folder that holds a listed file (or above it). One anywhere else
 * can only concern files git already leaves out.
 */
function hasCodevfIgnore(root: string, names: Buffer): boolean {
  const seen = new Set<string>();
  for (let start = 0; start < names.length;) {
    let end = names.indexOf(0, start);
    if (end < 0) end = names.length;
    const slash = names.subarray(start, end).lastIndexOf(0x2f);
    let dir = slash >= 0 ? names.toString('utf8', start, start + slash) : '';
    start = end + 1;
    for (;;) {
      if (seen.has(dir)) break;
      seen.add(dir);
      if (fs.existsSync(path.join(root, dir, CODEVF_IGNORE))) return true;
      if (dir === '') break;
      const up = dir.lastIndexOf('/');
      dir = up < 0 ? '' : dir.slice(0, up);
    }
  }
  return false;
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

/** Decides, without reading any content, which files go into the snapshot of `root`. */
export async function listSnapshotFiles(rootIn: string, opts: ListOptions = {}): Promise<SnapshotManifest> {
  const root = await fsp.realpath(rootIn);
  const maxFile = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxTotal = opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const { names, ignored } = await listCandidates(root);
  // Per-file credential checks only when the project and CodeVF's credentials folder overlap.
  const inCreds = credentialsDirs().some((d) => isInside(d, root) || isInside(root, d));
  // The agent's own folder (config, audit log, session state) is CodeVF's, not the project's code: left out like a gitignored one.
  const own = `${PROJECT_CONFIG_DIR}/`;
  const manifest: SnapshotManifest = { root, included: new FileList(names), excluded: [], totalBytes: 0 };
  let previous = '';
  for (let start = 0, n = 0; start < names.length; n++) {
    let end = names.indexOf(0, start);
    if (end < 0) end = names.length;
    const rel = names.toString('utf8', start, end);
    const at = start;
    start = end + 1;
    if (n % 512 === 511) await new Promise((resolve) => setImmediate(resolve));
    // A conflicted file is listed once per stage, one after the other.
    if (rel === '' || rel === previous || rel.startsWith(own)) continue;
    previous = rel;
    let v: Verdict;
    if (ignored.has(rel)) v = { path: rel, reason: 'codevfignore', detail: `matched by ${CODEVF_IGNORE}` };
    else if (inCreds && isInCredentialsDir(path.join(root, rel))) v = { path: rel, reason: 'never_share', detail: "CodeVF's credentials folder" };
    else {
      const j = judge(root, rel, maxFile);
      v = j instanceof Promise ? await j : j; // only links need the thread pool
    }
    if ('reason' in v) manifest.excluded.push(v);
    else if (manifest.totalBytes + v.size > maxTotal) {
      manifest.excluded.push({ path: v.path, reason: 'total_size_limit', detail: `would pass the ${maxTotal}-byte limit for the whole snapshot` });
    } else {
      manifest.totalBytes += v.size;
      manifest.included.add(at, end, v.size, v.mode, v.linkTarget);
    }
  }
  return manifest;
}
