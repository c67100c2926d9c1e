// The init wizard in a real terminal (tmux): questions with detected defaults, typed answers, Ctrl+C cancels.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TTY_BIN } from '../helpers/agent.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { cleanEnv, codevf, git, nodeRepo, tempHome } from './helpers.js';
import { hasTmux, Tmux } from './tmux.js';

let sb: Sandbox;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let term: Tmux | undefined;
const project = () => nodeRepo(home.dir);

test.before(async () => {
  if (!hasTmux()) throw new Error('tmux is needed for the terminal tests: apt-get install -y tmux');
  sb = await startSandbox();
  home = await tempHome();
  env = cleanEnv(home.dir, { CODEVF_HOST: sb.url, TERM: 'xterm-256color', PATH: process.env.PATH });
  assert.is((await codevf(['login', '--with-token'], { env, input: sb.customerToken })).code, 0);
});
test.after.each(() => { term?.kill(); term = undefined; });
test.after(async () => { await sb?.stop(); await home?.done(); });

test('the wizard asks each question with its default, takes typed answers and writes them', async () => {
  const cwd = await project();
  term = new Tmux();
  term.start(`${process.execPath} ${TTY_BIN} init`, env, cwd);
  await term.waitFor('Detected a node project (npm) from package.json');
  await term.waitFor('The type gives the default test and build commands.\n? Is this a node project? (Y/n):');
  term.send('', true);
  await term.waitFor('Engineers run it to check a fix; none if there is none.\n? Test command (npm test):');
  term.send('npm run test:unit', true);
  await term.waitFor('? Build command (npm run build):');
  term.send('', true);
  await term.waitFor('AI assistants the engineer may use on your code: claude, gemini, gpt, opencode, qwen, goose, or none.\n? Allowed AI tools (none):');
  term.send('copilot', true);
  await term.waitFor('Unknown AI tool "copilot"');
  term.send('claude, gemini', true);
  await term.waitFor('Upload code for faster debugging? (y/N):');
  term.send('maybe', true);
  await term.waitFor('Please answer y or n.');
  term.send('n', true);
  await term.waitFor("Allow engineers access to the 'codevf' branch only? (Y/n):");
  term.send('', true);
  const screen = await term.waitFor('[exit=0]');
  assert.match(screen, 'Test:         npm run test:unit');
  assert.match(screen, 'AI tools:     claude, gemini');
  const config = JSON.parse(await readFile(join(cwd, '.codevf/config.json'), 'utf8'));
  assert.equal([config.testCommand, config.buildCommand, config.allowedTools, config.repoUploaded, config.branchMode],
    ['npm run test:unit', 'npm run build', ['claude', 'gemini'], false, 'codevf']);
});

test('questions given as flags are not asked', async () => {
  const cwd = await project();
  term = new Tmux();
  term.start(`${process.execPath} ${TTY_BIN} init --test-command 'npm t' --build-command none --ai-tools none --no-upload`, env, cwd);
  await term.waitFor("Allow engineers access to the 'codevf' branch only? (Y/n):");
  term.send('n', true);
  const screen = await term.waitFor('[exit=0]');
  assert.not.match(screen, 'Test command');
  assert.not.match(screen, 'Is this a node project?');
  assert.is(JSON.parse(await readFile(join(cwd, '.codevf/config.json'), 'utf8')).branchMode, 'any');
});

test('init --upload in a terminal draws a progress bar on stderr, then clears it for the result', async () => {
  const cwd = await project();
  await writeFile(join(cwd, 'big.txt'), 'x'.repeat(2_000_000));
  const log = join(home.dir, `bar${Date.now()}.log`);
  term = new Tmux();
  term.start(`sleep 0.3; ${process.execPath} ${TTY_BIN} init --yes --upload`, env, cwd);
  term.record(log);
  const screen = await term.waitFor('[exit=0]', 30_000);
  assert.match(screen, /✓ Uploaded a snapshot: \d+ files/);
  assert.not.match(screen, 'Uploading snapshot');
  const raw = await readFile(log, 'utf8');
  assert.match(raw, /\r\x1b\[2KUploading snapshot .*\d+%/);
  assert.match(raw, /\d+% [\d.]+ [KM]?B of 1\.9 MB/); // bytes, not files
});

test('init run again offers the current answers: Enter on every question keeps them', async () => {
  const cwd = await project();
  const first = await codevf(['init', '--test-command', 'make check', '--build-command', 'none', '--ai-tools', 'claude,gpt', '--no-upload', '--branch-mode', 'any'], { env, cwd });
  assert.is(first.code, 0, first.stderr);
  term = new Tmux();
  term.start(`${process.execPath} ${TTY_BIN} init`, env, cwd, { cols: 80, rows: 24 });
  await term.waitFor('This project is set up already: Enter keeps each current answer.');
  await term.waitFor('? Test command (make check):');
  term.send('', true);
  await term.waitFor('? Build command (none):');
  term.send('', true);
  await term.waitFor('? Allowed AI tools (claude, gpt):');
  term.send('', true);
  await term.waitFor('? Upload code for faster debugging? (y/N):');
  term.send('', true);
  await term.waitFor("? Allow engineers access to the 'codevf' branch only? (y/N):");
  term.send('', true);
  const screen = await term.waitFor('[exit=0]');
  assert.not.match(screen, 'Is this a node project?');
  const config = JSON.parse(await readFile(join(cwd, '.codevf/config.json'), 'utf8'));
  assert.equal([config.testCommand, config.buildCommand, config.allowedTools, config.repoUploaded, config.branchMode],
    ['make check', null, ['claude', 'gpt'], false, 'any']);
  // --yes keeps them too.
  assert.is((await codevf(['init', '--yes'], { env, cwd })).code, 0);
  assert.equal(JSON.parse(await readFile(join(cwd, '.codevf/config.json'), 'utf8')).allowedTools, ['claude', 'gpt']);
});

test('sync refuses a never-share file committed on the codevf branch, naming it; --force does not override', async () => {
  const cwd = await project();
  assert.is((await codevf(['init', '--yes'], { env, cwd })).code, 0);
  await writeFile(join(cwd, '.env'), 'API_KEY=abc\n');
  git(cwd, 'add', '.');
  git(cwd, 'commit', '-q', '-m', 'everything');
  for (const [cols, rows] of [[40, 20], [80, 24], [160, 50]]) {
    term = new Tmux();
    term.start(`${process.execPath} ${TTY_BIN} sync --force`, env, cwd, { cols, rows });
    const screen = await term.waitFor('[exit=1]');
    assert.match(screen, "Error: The 'codevf' branch holds files that are never shared with engineers:\n  .env  (environment file (.env))", screen);
    assert.match(screen, "git rm --cached -- '.env'");
    assert.not.match(screen, 'Synced');
    term.kill();
    term = undefined;
  }
});

test('Ctrl+C in the wizard cancels: "Cancelled.", exit 2, no config written', async () => {
  const cwd = await project();
  term = new Tmux();
  term.start(`${process.execPath} ${TTY_BIN} init`, env, cwd);
  await term.waitFor('Is this a node project? (Y/n):');
  term.key('C-c');
  const screen = await term.waitFor('[exit=2]');
  assert.match(screen, 'Cancelled.');
  assert.not.ok(existsSync(join(cwd, '.codevf/config.json')));
});

test.run();
