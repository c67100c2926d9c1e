// Git state for `sync` (through git-exec.ts: dugite's git or the one on PATH): branch, HEAD commit, dirty tree.
// Each way a repository can be unfit for sync is its own error with the fix in the message.
import { ErrorCode, RpcError, type ErrorReason } from '../../protocol/errors.js';
import { PROJECT_CONFIG_DIR } from '../../protocol/project.js';
import { runGit } from './git-exec.js';
import { neverShareReason } from '../security/never-share.js';

export const SYNC_BRANCH = 'codevf';
const MAX_LISTED = 50;

// Spec section 4.4, except `git add .`: it committed an untracked .env. `git add -u` takes only tracked files;
// untracked ones are listed to be added by name.
export const WRONG_BRANCH_MESSAGE = `Please commit your changes to the '${SYNC_BRANCH}' branch.

To create and switch:
  git checkout -b ${SYNC_BRANCH}
  git add -u
  git commit -m "Your changes"
  codevf sync`;

/** The untracked files, each never-share one marked, for advice that must not say "add everything". */
export function untrackedAdvice(untracked: string[]): string {
  if (!untracked.length) return '';
  const width = Math.min(40, Math.max(...untracked.map((p) => p.length)));
  const lines = untracked.map((p) => {
    const why = neverShareReason(p);
    return `  ${why ? `${p.padEnd(width)}  never share: ${why}; do not add it` : p}`;
  });
  return `\n\nUntracked files (not added by the steps above; add only the ones engineers need, by name: git add PATH):\n${lines.join('\n')}${untracked.length >= MAX_LISTED ? '\n  ... maybe more: git status lists them all' : ''}`;
}

// Spec section 9, word for word.
export const DIRTY_TREE_MESSAGE = `Working directory has uncommitted changes.
Please commit or stash changes before syncing.

Use --force to sync anyway (not recommended)`;

export interface GitState {
  /** Top level of the working tree. */
  root: string;
  branch: string;
  headCommit: string;
  dirty: boolean;
  /** Changed or untracked paths (relative to root), at most MAX_LISTED. */
  changes: string[];
  /** The untracked ones among them. */
  untracked: string[];
}

async function git(args: string[], cwd: string): Promise<{ out: string; err: string; code: number }> {
  try {
    // LC_ALL=C keeps git's messages in English so that they can be recognised.
    const r = await runGit(args, cwd, { env: { LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' } });
    return { out: r.stdout, err: r.stderr, code: r.exitCode };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? `${cwd} does not exist, or git is not installed` : `git could not run (${code ?? 'error'})`;
    throw new RpcError(ErrorCode.Conflict, `Cannot read the git repository: ${what}.`, 'git_unavailable');
  }
}

function gitError(reason: ErrorReason, message: string, extra: Record<string, unknown> = {}): RpcError {
  return new RpcError(ErrorCode.Conflict, message, reason, extra);
}

/** Reads the state of the repository containing `cwd`, without judging it. */
export async function readGitState(cwd: string): Promise<GitState> {
  const top = await git(['rev-parse', '--show-toplevel'], cwd);
  if (top.code !== 0) {
    if (/not a git repository/i.test(top.err)) {
      throw gitError('not_a_git_repository',
        `${cwd} is not inside a git repository. Create one with: git init, then commit your code to the '${SYNC_BRANCH}' branch.`);
    }
    throw gitError('git_failed', `git could not read the repository: ${top.err.trim().split('\n')[0]}`);
  }
  const root = top.out.trim();
  const head = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], root);
  if (head.code !== 0) {
    const { untracked } = await changedPaths(root);
    throw gitError('no_commits', `The repository has no commits yet. Commit the files engineers need, by name:\n  git checkout -b ${SYNC_BRANCH}\n  git add PATH...\n  git commit -m "Your changes"\n  codevf sync${untrackedAdvice(untracked)}`,
      { untracked });
  }
  const sym = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], root);
  if (sym.code !== 0) {
    throw gitError('detached_head',
      `HEAD is detached (not on any branch). Switch to the '${SYNC_BRANCH}' branch:\n  git switch ${SYNC_BRANCH}\nor create it here:\n  git switch -c ${SYNC_BRANCH}`,
      { headCommit: head.out.trim() });
  }
  const { changes, untracked } = await changedPaths(root);
  return { root, branch: sym.out.trim(), headCommit: head.out.trim(), dirty: changes.length > 0, changes, untracked };
}

// `.codevf/` is excluded: init writes it and sync updates last_sync.json, which would make every tree dirty.
// Lists at most MAX_LISTED of each.
async function changedPaths(root: string): Promise<{ changes: string[]; untracked: string[] }> {
  const st = await git(['status', '--porcelain=v1', '-z', '--untracked-files=normal', '--', '.', `:(exclude)${PROJECT_CONFIG_DIR}`], root);
  if (st.code !== 0) throw gitError('git_failed', `git status failed: ${st.err.trim().split('\n')[0]}`);
  const changes: string[] = [];
  const untracked: string[] = [];
  const fields = st.out.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.length < 4) continue;
    if (changes.length < MAX_LISTED) changes.push(f.slice(3));
    if (f.startsWith('??') && untracked.length < MAX_LISTED) untracked.push(f.slice(3));
    if (f[0] === 'R' || f[0] === 'C') i++; // a rename is followed by its source path
  }
  return { changes, untracked };
}

/** Never-share files (security.md section 4) in the HEAD commit: whoever reads the branch reads them. */
export async function trackedNeverShare(root: string): Promise<Array<{ path: string; reason: string }>> {
  const ls = await git(['ls-tree', '-r', '-z', '--name-only', 'HEAD'], root);
  if (ls.code !== 0) throw gitError('git_failed', `git ls-tree failed: ${ls.err.trim().split('\n')[0]}`);
  const found: Array<{ path: string; reason: string }> = [];
  for (const path of ls.out.split('\0')) {
    const reason = path ? neverShareReason(path) : null;
    if (reason) found.push({ path, reason });
  }
  return found;
}

function neverShareTrackedError(files: Array<{ path: string; reason: string }>): RpcError {
  const shown = files.slice(0, MAX_LISTED);
  const quoted = shown.map((f) => `'${f.path.replace(/'/g, `'\\''`)}'`).join(' ');
  return new RpcError(ErrorCode.Forbidden, [
    `The '${SYNC_BRANCH}' branch holds files that are never shared with engineers:`,
    ...shown.map((f) => `  ${f.path}  (${f.reason})`),
    ...(files.length > shown.length ? [`  ... and ${files.length - shown.length} more`] : []),
    'Sync refuses while they are on the branch (--force does not change this). Take them off it; the files stay on disk:',
    `  git rm --cached -- ${quoted}`,
    '  git commit -m "Stop tracking secrets"',
    '  codevf sync',
    'They stay in earlier commits: if they hold real secrets, change those secrets.',
  ].join('\n'), 'never_share_tracked', { files });
}

/** The state, if `sync` may go ahead: on the `codevf` branch, no never-share file committed, and clean unless `force`. */
export async function checkSyncable(cwd: string, opts: { force?: boolean } = {}): Promise<GitState> {
  const state = await readGitState(cwd);
  if (state.branch !== SYNC_BRANCH) {
    throw gitError('wrong_branch', WRONG_BRANCH_MESSAGE + untrackedAdvice(state.untracked),
      { branch: state.branch, expected: SYNC_BRANCH, untracked: state.untracked });
  }
  const secrets = await trackedNeverShare(state.root);
  if (secrets.length) throw neverShareTrackedError(secrets);
  if (state.dirty && !opts.force) {
    throw gitError('dirty_tree', DIRTY_TREE_MESSAGE, { changes: state.changes });
  }
  return state;
}
