// Git state for `sync` (through git-exec.ts: dugite's git or the one on PATH): branch, HEAD commit, dirty tree.
// Each way a repository can be unfit for sync is its own error with the fix in the message.
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { PROJECT_CONFIG_DIR } from '../../protocol/project.js';
import { runGit } from './git-exec.js';

export const SYNC_BRANCH = 'codevf';

// Spec section 4.4, word for word.
export const WRONG_BRANCH_MESSAGE = `Please commit your changes to the '${SYNC_BRANCH}' branch.

To create and switch:
  git checkout -b ${SYNC_BRANCH}
  git add .
  git commit -m "Your changes"
  codevf sync`;

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
}

const MAX_LISTED = 50;

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

function gitError(reason: string, message: string, extra: Record<string, unknown> = {}): RpcError {
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
    throw gitError('no_commits', `The repository has no commits yet. Commit your code first:\n  git checkout -b ${SYNC_BRANCH}\n  git add .\n  git commit -m "Your changes"\n  codevf sync`);
  }
  const sym = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], root);
  if (sym.code !== 0) {
    throw gitError('detached_head',
      `HEAD is detached (not on any branch). Switch to the '${SYNC_BRANCH}' branch:\n  git switch ${SYNC_BRANCH}\nor create it here:\n  git switch -c ${SYNC_BRANCH}`,
      { headCommit: head.out.trim() });
  }
  const changes = await changedPaths(root);
  return { root, branch: sym.out.trim(), headCommit: head.out.trim(), dirty: changes.length > 0, changes: changes.slice(0, MAX_LISTED) };
}

// `.codevf/` is excluded: init writes it and sync updates last_sync.json, which would make every tree dirty.
async function changedPaths(root: string): Promise<string[]> {
  const st = await git(['status', '--porcelain=v1', '-z', '--untracked-files=normal', '--', '.', `:(exclude)${PROJECT_CONFIG_DIR}`], root);
  if (st.code !== 0) throw gitError('git_failed', `git status failed: ${st.err.trim().split('\n')[0]}`);
  const paths: string[] = [];
  const fields = st.out.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.length < 4) continue;
    paths.push(f.slice(3));
    if (f[0] === 'R' || f[0] === 'C') i++; // a rename is followed by its source path
  }
  return paths;
}

/** The state, if `sync` may go ahead: on the `codevf` branch, and clean unless `force`. */
export async function checkSyncable(cwd: string, opts: { force?: boolean } = {}): Promise<GitState> {
  const state = await readGitState(cwd);
  if (state.branch !== SYNC_BRANCH) {
    throw gitError('wrong_branch', WRONG_BRANCH_MESSAGE, { branch: state.branch, expected: SYNC_BRANCH });
  }
  if (state.dirty && !opts.force) {
    throw gitError('dirty_tree', DIRTY_TREE_MESSAGE, { changes: state.changes });
  }
  return state;
}
