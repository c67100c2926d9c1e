// init (flags and --yes, no terminal), sync and status as a process, in temporary git repositories.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { cleanEnv, codevf, git, nodeRepo, tempHome } from './helpers.js';

let sb: Sandbox;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
const repo = (branch = 'codevf') => nodeRepo(home.dir, { branch, commit: true });

test.before(async () => {
  sb = await startSandbox();
  home = await tempHome();
  env = cleanEnv(home.dir, { CODEVF_HOST: sb.url });
  const r = await codevf(['login', '--with-token'], { env, input: sb.customerToken });
  assert.is(r.code, 0, r.stderr);
});
test.after(async () => { await sb?.stop(); await home?.done(); });

test('init without a terminal and without answers fails naming the flag, exit 2, and writes nothing', async () => {
  const cwd = await repo();
  const r = await codevf(['init'], { env, cwd });
  assert.is(r.code, 2);
  assert.match(r.stderr, '"Test command" needs an answer and there is no terminal to ask it on.\nPass --test-command CMD (or --yes to keep the current or detected answers).');
  assert.throws(() => execFileSync('test', ['-e', join(cwd, '.codevf/config.json')]));
});

test('init --yes takes the detected defaults, writes the config and prints a summary on stdout', async () => {
  const cwd = await repo();
  const r = await codevf(['init', '--yes'], { env, cwd });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, 'Detected a node project (npm) from package.json');
  assert.match(r.stdout, 'Test:         npm test');
  assert.match(r.stdout, "Branch:       engineers see only the 'codevf' branch");
  const config = JSON.parse(await readFile(join(cwd, '.codevf/config.json'), 'utf8'));
  assert.equal([config.testCommand, config.buildCommand, config.allowedTools, config.repoUploaded, config.branchMode],
    ['npm test', 'npm run build', [], false, 'codevf']);
});

test('-y is --yes', async () => {
  const cwd = await repo();
  const r = await codevf(['init', '-y', '--json'], { env, cwd });
  assert.is(r.code, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).config.testCommand, 'npm test');
});

test('every init question is a flag; --json prints the one result document', async () => {
  const cwd = await repo();
  const r = await codevf(['init', '--json', '--test-command', 'make check', '--build-command', 'none', '--ai-tools', 'claude,gpt',
    '--no-upload', '--branch-mode', 'any'], { env, cwd });
  assert.is(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal([doc.created, doc.config.testCommand, doc.config.buildCommand, doc.config.allowedTools, doc.config.repoUploaded, doc.config.branchMode],
    [true, 'make check', null, ['claude', 'gpt'], false, 'any']);
  const bad = await codevf(['init', '--yes', '--ai-tools', 'copilot'], { env, cwd });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, 'Unknown AI tool "copilot"');
});

test('init --upload uploads a snapshot (no progress bar when stderr is not a terminal)', async () => {
  const cwd = await repo();
  await writeFile(join(cwd, '.env'), 'SECRET=1\n');
  const r = await codevf(['init', '--yes', '--upload', '--json'], { env, cwd });
  assert.is(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.is(doc.config.repoUploaded, true);
  assert.ok(doc.snapshot.files >= 2, JSON.stringify(doc.snapshot));
  assert.not.match(r.stderr, '\r');
});

test('sync outside a project says: Please run: codevf init', async () => {
  const cwd = await repo();
  const r = await codevf(['sync'], { env, cwd });
  assert.equal([r.code, r.stdout], [1, '']);
  assert.is(r.stderr, 'Error: No CodeVF project found.\nPlease run: codevf init\n');
});

test('sync on another branch prints the way to the codevf branch once, listing untracked files (never git add .)', async () => {
  const cwd = await repo('main');
  assert.is((await codevf(['init', '--yes'], { env, cwd })).code, 0);
  await writeFile(join(cwd, '.env'), 'API_KEY=abc\n');
  const r = await codevf(['sync'], { env, cwd });
  assert.is(r.code, 1);
  assert.match(r.stderr, "Error: Please commit your changes to the 'codevf' branch.\n\nTo create and switch:\n  git checkout -b codevf\n  git add -u\n");
  assert.is(r.stderr.split('Please commit your changes').length - 1, 1, r.stderr);
  assert.not.match(r.stderr, 'git add .');
  assert.match(r.stderr, /\n  \.env +never share: environment file \(\.env\); do not add it\n/);
  const j = await codevf(['sync', '--json'], { env, cwd });
  const doc = JSON.parse(j.stdout).error;
  assert.equal([doc.reason, doc.exitCode], ['wrong_branch', 1]);
  assert.ok(doc.message.startsWith("Please commit your changes to the 'codevf' branch."), doc.message);
  assert.is(doc.message.split('Please commit your changes').length - 1, 1);
});

test('sync with uncommitted changes refuses with the spec message; --force syncs anyway', async () => {
  const cwd = await repo();
  assert.is((await codevf(['init', '--yes'], { env, cwd })).code, 0);
  await writeFile(join(cwd, 'index.js'), 'console.log(2)\n');
  const r = await codevf(['sync'], { env, cwd });
  assert.is(r.code, 1);
  assert.is(r.stderr, 'Error: Working directory has uncommitted changes.\nPlease commit or stash changes before syncing.\n\nUse --force to sync anyway (not recommended)\n');
  const f = await codevf(['sync', '--force', '--json'], { env, cwd });
  assert.is(f.code, 0, f.stderr);
  const doc = JSON.parse(f.stdout);
  assert.equal([doc.branch, doc.dirty, doc.headCommit], ['codevf', true, git(cwd, 'rev-parse', 'HEAD').trim()]);
});

test('sync on a clean codevf branch prints the branch and commit on stdout', async () => {
  const cwd = await repo();
  assert.is((await codevf(['init', '--yes'], { env, cwd })).code, 0);
  const r = await codevf(['sync'], { env, cwd });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `codevf ${git(cwd, 'rev-parse', 'HEAD').trim()}\n`);
});

test('status shows the account and the project', async () => {
  const cwd = await repo();
  const r = await codevf(['status'], { env, cwd });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'Account:  Demo Customer');
  assert.match(r.stdout, 'node (npm)');
  const j = JSON.parse((await codevf(['status', '--json'], { env, cwd })).stdout);
  assert.equal([j.auth.signedIn, j.project.type], [true, 'node']);
});

test.run();
