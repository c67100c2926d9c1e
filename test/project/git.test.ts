import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSyncable, DIRTY_TREE_MESSAGE, readGitState, WRONG_BRANCH_MESSAGE } from '../../agent/project/git.js';
import { ErrorCode } from '../../protocol/errors.js';
import { rejection, tempDirs } from './helpers.js';

const tmp = tempDirs('codevf-git-');
test.after(tmp.cleanup);

// Isolated from the user's git config so that hooks, signing or templates cannot interfere.
const GIT_ENV = {
  ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com',
};
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

async function repo(opts: { branch?: string; commit?: boolean } = {}): Promise<string> {
  const dir = await tmp.make();
  git(dir, 'init', '-q', '-b', opts.branch ?? 'codevf');
  if (opts.commit ?? true) {
    await writeFile(join(dir, 'a.txt'), 'a\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'first');
  }
  return dir;
}

test('a clean codevf branch gives branch, full HEAD commit and a clean tree', async () => {
  const dir = await repo();
  await mkdir(join(dir, 'sub'));
  const state = await checkSyncable(join(dir, 'sub'));
  assert.equal(state, { root: dir, branch: 'codevf', headCommit: git(dir, 'rev-parse', 'HEAD'), dirty: false, changes: [], untracked: [] });
  assert.match(state.headCommit, /^[0-9a-f]{40}$/);
});

test('a folder outside any repository is not_a_git_repository', async () => {
  const dir = await tmp.make();
  const err = await rejection(readGitState(dir));
  assert.equal([err.code, err.data.reason], [ErrorCode.Conflict, 'not_a_git_repository']);
  assert.match(err.message, /not inside a git repository/);
});

test('a repository without commits is no_commits', async () => {
  const err = await rejection(readGitState(await repo({ commit: false })));
  assert.is(err.data.reason, 'no_commits');
  assert.match(err.message, /no commits yet/);
});

test('a detached HEAD is detached_head with the commit', async () => {
  const dir = await repo();
  git(dir, 'checkout', '-q', '--detach');
  const err = await rejection(readGitState(dir));
  assert.is(err.data.reason, 'detached_head');
  assert.is(err.data.headCommit, git(dir, 'rev-parse', 'HEAD'));
});

test('another branch is wrong_branch with the spec wording and fix commands', async () => {
  const err = await rejection(checkSyncable(await repo({ branch: 'main' })));
  assert.equal(err.toJSON(), {
    code: ErrorCode.Conflict, message: WRONG_BRANCH_MESSAGE,
    data: { reason: 'wrong_branch', retryable: false, branch: 'main', expected: 'codevf', untracked: [] },
  });
  assert.match(err.message, /^Please commit your changes to the 'codevf' branch\.\n\nTo create and switch:\n  git checkout -b codevf\n  git add -u\n/);
});

test('on another branch the advice lists untracked files by name, marks a never-share one, and never says git add .', async () => {
  const dir = await repo({ branch: 'main' });
  await writeFile(join(dir, '.env'), 'API_KEY=abc\n');
  await writeFile(join(dir, 'new.js'), 'x\n');
  const err = await rejection(checkSyncable(dir));
  assert.is(err.data.reason, 'wrong_branch');
  assert.equal(err.data.untracked, ['.env', 'new.js']);
  assert.not.match(err.message, 'git add .');
  assert.match(err.message, /\n  \.env +never share: environment file \(\.env\); do not add it\n  new\.js$/);
});

test('a never-share file committed on the codevf branch is refused by name, with force too', async () => {
  const dir = await repo();
  await mkdir(join(dir, 'config'));
  await writeFile(join(dir, '.env'), 'API_KEY=abc\n');
  await writeFile(join(dir, 'config', 'deploy.pem'), 'key\n');
  await writeFile(join(dir, '.env.example'), 'API_KEY=\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'oops');
  for (const force of [false, true]) {
    const err = await rejection(checkSyncable(dir, { force }));
    assert.equal([err.code, err.data.reason], [ErrorCode.Forbidden, 'never_share_tracked']);
    assert.equal(err.data.files, [
      { path: '.env', reason: 'environment file (.env)' },
      { path: 'config/deploy.pem', reason: 'key or certificate (deploy.pem)' },
    ]);
    assert.match(err.message, "  git rm --cached -- '.env' 'config/deploy.pem'\n");
  }
  git(dir, 'rm', '-q', '--cached', '.env', 'config/deploy.pem');
  git(dir, 'commit', '-q', '-m', 'untrack');
  assert.is((await checkSyncable(dir, { force: true })).branch, 'codevf');
});

test('a dirty tree is refused with the spec wording and the changed paths', async () => {
  const dir = await repo();
  await writeFile(join(dir, 'a.txt'), 'changed\n');
  await writeFile(join(dir, 'new.txt'), 'untracked\n');
  const err = await rejection(checkSyncable(dir));
  assert.is(err.data.reason, 'dirty_tree');
  assert.is(err.message, DIRTY_TREE_MESSAGE);
  assert.match(err.message, /Use --force to sync anyway \(not recommended\)$/);
  assert.equal(err.data.changes, ['a.txt', 'new.txt']);
});

test('a dirty tree is accepted with force and reported dirty', async () => {
  const dir = await repo();
  git(dir, 'mv', 'a.txt', 'b.txt');
  const state = await checkSyncable(dir, { force: true });
  assert.equal([state.dirty, state.changes], [true, ['b.txt']]);
});

test('files under .codevf/ and ignored files do not make the tree dirty', async () => {
  const dir = await repo();
  await mkdir(join(dir, '.codevf'));
  await writeFile(join(dir, '.codevf', 'config.json'), '{}');
  await writeFile(join(dir, '.gitignore'), 'build/\n');
  git(dir, 'add', '.gitignore');
  git(dir, 'commit', '-q', '-m', 'ignore');
  await mkdir(join(dir, 'build'));
  await writeFile(join(dir, 'build', 'out.js'), 'x');
  assert.is((await checkSyncable(dir)).dirty, false);
});

test('a folder that does not exist is a clear error', async () => {
  const err = await rejection(readGitState(join(tmpdir(), 'codevf-does-not-exist-' + process.pid)));
  assert.is(err.data.reason, 'git_unavailable');
  assert.match(err.message, /does not exist/);
});

test.run();
