// codevf as a process: version, help on every command, usage errors, exit codes, and what --help does not load.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cp, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { VERSION } from '../../protocol/version.js';
import { TTY_BIN } from '../helpers/agent.js';
import { cleanEnv, codevf, tempHome } from './helpers.js';

const HELP_FOR = [
  'login', 'logout', 'auth', 'auth login', 'auth status', 'auth logout', 'auth token', 'init', 'fix', 'sync', 'status',
  'balance', 'rates', 'topup', 'tokens', 'tokens list', 'tokens create', 'tokens revoke', 'sandbox',
];
const EXIT_LINE = 'Exit codes: 0 ok, 1 error, 2 usage or cancelled, 4 authentication required.';

let home: Awaited<ReturnType<typeof tempHome>>;
test.before(async () => { home = await tempHome(); });
test.after(async () => { await home.done(); });

test('--version prints the version (with its commit and build date) on stdout and exits 0', async () => {
  for (const args of [['--version'], ['-v']]) {
    const r = await codevf(args, { env: cleanEnv(home.dir) });
    assert.equal([r.code, r.stderr], [0, '']);
    assert.match(r.stdout, new RegExp(`^codevf version ${VERSION.replace(/\./g, '\\.')} \\(commit [0-9a-f]{12}, built \\d{4}-\\d\\d-\\d\\d\\)\n$`));
  }
});

test('every command answers --help with its usage and the exit codes, on stdout, exit 0', async () => {
  for (const name of HELP_FOR) {
    const r = await codevf([...name.split(' '), '--help'], { env: cleanEnv(home.dir) });
    assert.is(r.code, 0, name);
    assert.is(r.stderr, '', name);
    assert.match(r.stdout, `Usage: codevf ${name}`, name);
    assert.match(r.stdout, EXIT_LINE, name);
  }
});

test('codevf alone and "codevf help fix" print help', async () => {
  const top = await codevf([], { env: cleanEnv(home.dir) });
  assert.is(top.code, 0);
  for (const name of ['login', 'init', 'fix', 'sync', 'status', 'balance', 'rates', 'topup', 'tokens', 'sandbox']) assert.match(top.stdout, `  ${name} `);
  const fix = await codevf(['help', 'fix'], { env: cleanEnv(home.dir) });
  assert.match(fix.stdout, 'Usage: codevf fix "<issue description>"');
});

test('an unknown command, an unknown option and a missing subcommand are usage errors (exit 2, stderr only)', async () => {
  const env = cleanEnv(home.dir);
  const bogus = await codevf(['bogus'], { env });
  assert.equal(bogus, { code: 2, stdout: '', stderr: 'Unknown command "bogus" for "codevf".\n\nRun: codevf --help\n' });
  const opt = await codevf(['rates', '--frobnicate'], { env });
  assert.equal(opt, { code: 2, stdout: '', stderr: 'Unknown option --frobnicate for "codevf rates".\nRun: codevf rates --help\n' });
  const group = await codevf(['auth'], { env });
  assert.is(group.code, 2);
  assert.match(group.stderr, '"codevf auth" needs a subcommand: login|status|logout|refresh|token.');
});

test('a usage error with --json is one JSON document on stdout', async () => {
  const r = await codevf(['bogus', '--json'], { env: cleanEnv(home.dir) });
  assert.is(r.code, 2);
  assert.equal(JSON.parse(r.stdout), { error: { reason: 'usage', message: 'Unknown command "bogus" for "codevf".\n\nRun: codevf --help', exitCode: 2 } });
});

test('--version and --help work from a copy of codevf.js without the agent beside it (they never start it)', async () => {
  const dir = join(home.dir, 'bin-only');
  await mkdir(dir, { recursive: true });
  await cp(TTY_BIN, join(dir, 'codevf.js'));
  await cp(join(dirname(TTY_BIN), 'chunks'), join(dir, 'chunks'), { recursive: true });
  const bin = join(dir, 'codevf.js');
  const { spawnSync } = await import('node:child_process');
  for (const args of [['--version'], ['--help'], ['fix', '--help']]) {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: cleanEnv(home.dir), timeout: 10_000 });
    assert.is(r.status, 0, args.join(' '));
    assert.is(r.stderr, '');
  }
});

test('fix refuses to run without a terminal, naming why, exit 2', async () => {
  const r = await codevf(['fix', 'users cannot log in'], { env: cleanEnv(home.dir) });
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.match(r.stderr, 'codevf fix is a live session: run it in a terminal');
});

test('fix --json is a usage error: a live session is not a JSON document', async () => {
  const r = await codevf(['fix', 'x', '--json'], { env: cleanEnv(home.dir) });
  assert.is(r.code, 2);
  assert.is(JSON.parse(r.stdout).error.reason, 'usage');
  assert.match(r.stderr, '--json is not available for it');
});

test.run();
