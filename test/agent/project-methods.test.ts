import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DetectProject, Init, Sync } from '../../protocol/index.js';
import { typedAgent } from '../helpers/agent.js';
import { api, tempEnv } from '../helpers/env.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';

const t = suite('project methods');
let sb: Sandbox;
t.before(async () => { sb = await startSandbox(); });
t.after(async () => { await sb.stop(); });

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e) => e);
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }, stdio: 'pipe' }).toString().trim();
function repo(files: Record<string, string> = { 'package.json': '{"scripts":{"test":"uvu","build":"tsc"}}' }) {
  const dir = mkdtempSync(join(tmpdir(), 'cvf-repo-'));
  for (const [f, c] of Object.entries(files)) writeFileSync(join(dir, f), c);
  return dir;
}

t('init detects the project, registers it once, writes .codevf/config.json, and is idempotent', async () => {
  const e = tempEnv(sb.url, { CODEVF_TOKEN: sb.customerToken });
  const dir = repo();
  const a = await typedAgent({ env: e.env, cwd: dir });
  const det = await a.request(DetectProject, {});
  assert.equal([det.type, det.testCommand], ['node', 'npm test']);
  const first = await a.request(Init, { uploadCode: true });
  assert.equal([first.created, first.config.version, first.config.repoUploaded, first.config.testCommand], [true, '1', true, 'npm test']);
  assert.equal(JSON.parse(readFileSync(join(dir, '.codevf/config.json'), 'utf8')), first.config);
  const again = await a.request(Init, { testCommand: 'npm run test:ci' });
  assert.equal([again.created, again.config.projectId, again.config.createdAt, again.config.testCommand],
    [false, first.config.projectId, first.config.createdAt, 'npm run test:ci']);
  const onServer = await api(sb.url, 'GET', `/api/cli/project/${first.config.projectId}`, sb.customerToken);
  assert.is(onServer.body.projectId, first.config.projectId);
  await a.close(); e.cleanup();
});

t('init refuses to overwrite an invalid config and names the bad field', async () => {
  const e = tempEnv(sb.url, { CODEVF_TOKEN: sb.customerToken });
  const dir = repo();
  const a = await typedAgent({ env: e.env, cwd: dir });
  await a.request(Init, {});
  const path = join(dir, '.codevf/config.json');
  const broken = { ...JSON.parse(readFileSync(path, 'utf8')), allowedTools: ['claude', 'sky net; rm -rf ~'] }; // not a tool name (custom names are allowed now)
  writeFileSync(path, JSON.stringify(broken));
  const err = await fail(a.request(Init, {}));
  assert.equal([err.code, err.data.reason], [-31008, 'invalid_config']);
  assert.match(err.message, 'allowedTools');
  assert.equal(JSON.parse(readFileSync(path, 'utf8')), broken);
  await a.close(); e.cleanup();
});

t('init without a sign-in is auth_required and writes nothing', async () => {
  const e = tempEnv(sb.url);
  const dir = repo();
  const a = await typedAgent({ env: e.env, cwd: dir });
  const err = await fail(a.request(Init, {}));
  assert.equal([err.code, err.data.reason], [-31001, 'auth_required']);
  assert.throws(() => readFileSync(join(dir, '.codevf/config.json')));
  await a.close(); e.cleanup();
});

t('sync: each git state is its own error; on a clean codevf branch it records HEAD with the backend', async () => {
  const e = tempEnv(sb.url, { CODEVF_TOKEN: sb.customerToken });
  const dir = repo();
  const a = await typedAgent({ env: e.env, cwd: dir });
  assert.is((await fail(a.request(Sync, {}))).data.reason, 'no_project');
  const { config } = await a.request(Init, {});
  assert.is((await fail(a.request(Sync, {}))).data.reason, 'not_a_git_repository');
  git(dir, 'init', '-q', '-b', 'main');
  assert.is((await fail(a.request(Sync, {}))).data.reason, 'no_commits');
  git(dir, 'add', 'package.json'); git(dir, 'commit', '-qm', 'one');
  const wrong = await fail(a.request(Sync, {}));
  assert.is(wrong.data.reason, 'wrong_branch');
  assert.match(wrong.message, "Please commit your changes to the 'codevf' branch.");
  assert.match(wrong.message, 'git checkout -b codevf');
  git(dir, 'checkout', '-q', '--detach');
  assert.is((await fail(a.request(Sync, {}))).data.reason, 'detached_head');
  git(dir, 'checkout', '-q', '-b', 'codevf');
  writeFileSync(join(dir, 'dirty.txt'), 'x');
  const dirty = await fail(a.request(Sync, {}));
  assert.is(dirty.data.reason, 'dirty_tree');
  assert.match(dirty.message, 'Use --force to sync anyway (not recommended)');
  const forced = await a.request(Sync, { force: true });
  const head = git(dir, 'rev-parse', 'HEAD');
  assert.equal([forced.branch, forced.headCommit, forced.dirty], ['codevf', head, true]);
  const onServer = await api(sb.url, 'GET', `/api/cli/project/${config.projectId}`, sb.customerToken);
  assert.equal([onServer.body.lastSync.branch, onServer.body.lastSync.headCommit], ['codevf', head]);
  assert.equal(JSON.parse(readFileSync(join(dir, '.codevf/last_sync.json'), 'utf8')).headCommit, head);
  await a.close(); e.cleanup();
});

t.run();
