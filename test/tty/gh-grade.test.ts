// The command line as gh users expect it: completion from the command table, "Did you mean", examples on
// every --help, `tokens` alone, --json field lists, CLICOLOR=0, errors naming the flag typed (exit 2),
// every signed-in host in `auth status`, and `auth refresh`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { allNames } from '../../frontends/tty/cli/commands.js';
import { colorEnabled } from '../../frontends/tty/cli/io.js';
import { TTY_BIN, withTimeout } from '../helpers/agent.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { cleanEnv, codevf, tempHome } from './helpers.js';
import { Tmux } from './tmux.js';

let sb: Sandbox;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;

test.before(async () => {
  sb = await startSandbox({ args: ['--device-interval', '1'] });
  home = await tempHome('cvf-gh-');
  env = cleanEnv(home.dir, { CODEVF_HOST: sb.url });
  const r = await codevf(['login', '--with-token'], { env, input: sb.customerToken });
  assert.is(r.code, 0, r.stderr);
});
test.after(async () => { await sb?.stop(); await home?.done(); });

/** What bash completes for the words typed so far (the last one being completed). */
async function bashComplete(words: string[]): Promise<string[]> {
  const script = join(home.dir, 'codevf.bash');
  writeFileSync(script, (await codevf(['completion', '-s', 'bash'], { env })).stdout);
  const line = `source ${script}; COMP_WORDS=(codevf ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _codevf; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return spawnSync('bash', ['--norc', '-c', line], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort();
}

test('completion -s bash completes commands, subcommands and flags from the command table', async () => {
  assert.equal(await bashComplete(['to']), ['tokens', 'topup']);
  assert.equal(await bashComplete(['tokens', 'c']), ['create']);
  assert.equal(await bashComplete(['tokens', 'create', '--ex']), ['--expires-days']);
  assert.equal(await bashComplete(['self-update', '--c']), ['--check']);
  const bad = await codevf(['completion', '-s', 'tcsh'], { env });
  assert.equal([bad.code, bad.stderr], [2, '-s must be bash, zsh or fish (got "tcsh").\n']);
});

/** What fish completes for the command line typed so far (`complete -C`), without the descriptions. */
async function fishComplete(line: string): Promise<string[]> {
  const script = join(home.dir, 'codevf.fish');
  writeFileSync(script, (await codevf(['completion', '-s', 'fish'], { env })).stdout);
  const r = spawnSync('fish', ['--no-config', '-c', `source ${script}; complete -C ${JSON.stringify(line)}`], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]).sort();
}

test('completion -s fish completes commands, subcommands and flags in a real fish', async () => {
  assert.equal(await fishComplete('codevf to'), ['tokens', 'topup']);
  assert.equal(await fishComplete('codevf tokens c'), ['create']);
  assert.equal(await fishComplete('codevf tokens create --ex'), ['--expires-days']);
  assert.equal(await fishComplete('codevf self-update --c'), ['--check']);
});

test('completion -s zsh completes commands, subcommands and flags in a real zsh (tmux)', async () => {
  // zsh completes only at a real prompt: compinit loads _codevf from fpath, as a user's install would.
  const fpath = join(home.dir, 'zfunc');
  mkdirSync(fpath, { recursive: true });
  writeFileSync(join(fpath, '_codevf'), (await codevf(['completion', '-s', 'zsh'], { env })).stdout);
  const tmux = new Tmux();
  try {
    tmux.start('zsh -f', { HOME: home.dir, TERM: 'xterm', PATH: process.env.PATH }, home.dir);
    tmux.send(`fpath=(${fpath} $fpath); autoload -Uz compinit; compinit -u; PS1='ready> '; clear`, true);
    await tmux.waitFor('ready> ');
    const complete = async (typed: string, want: RegExp) => {
      tmux.key('C-u');
      tmux.send(typed);
      tmux.key('Tab');
      return tmux.waitFor(want);
    };
    const listed = await complete('codevf to', /topup +-- Buy credits/);
    assert.match(listed, /tokens +-- List, create and revoke personal access tokens/);
    await complete('codevf tokens cr', /ready> codevf tokens create\s*$/m);
    await complete('codevf tokens create --ex', /ready> codevf tokens create --expires-days\s*$/m);
    await complete('codevf self-update --ch', /ready> codevf self-update --check\s*$/m);
  } finally {
    tmux.kill();
  }
});

test('a mistyped command or subcommand says "Did you mean", exit 2', async () => {
  const r = await codevf(['tokns'], { env });
  assert.equal([r.code, r.stderr], [2, 'Unknown command "tokns" for "codevf".\n\nDid you mean this?\n  codevf tokens\n\nRun: codevf --help\n']);
  const s = await codevf(['auth', 'stauts'], { env });
  assert.is(s.code, 2);
  assert.match(s.stderr, 'Did you mean this?\n  codevf auth status\n');
});

test('every command\'s --help shows examples', async () => {
  for (const name of allNames()) {
    const r = await codevf([...name.split(' '), '--help'], { env });
    assert.is(r.code, 0, name);
    assert.match(r.stdout, new RegExp(`\\nExamples:\\n  \\$ codevf ${name.split(' ')[0]}`), name);
  }
});

test('tokens alone lists the tokens, as tokens list does', async () => {
  const alone = await codevf(['tokens'], { env });
  assert.is(alone.code, 0, alone.stderr);
  assert.equal(alone, await codevf(['tokens', 'list'], { env }));
  assert.match(alone.stdout, /^ID +NAME/);
});

test('--json takes a field list; an unknown field exits 2 naming the fields there are, and loses nothing', async () => {
  const one = await codevf(['balance', '--json', 'balance'], { env });
  assert.equal(JSON.parse(one.stdout), { balance: JSON.parse((await codevf(['balance', '--json'], { env })).stdout).balance });
  const eq = await codevf(['rates', '--json=creditsPerMinute,usdPerCredit'], { env });
  assert.equal(Object.keys(JSON.parse(eq.stdout)), ['creditsPerMinute', 'usdPerCredit']);
  const bad = await codevf(['tokens', 'create', '--name', 'jf', '--json', 'tokn'], { env });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, 'Unknown JSON field: "tokn"\nAvailable fields:\n');
  assert.match(JSON.parse(bad.stdout).token, /^cvf_/);
});

test('CLICOLOR=0 turns colours off on a terminal; CLICOLOR_FORCE still wins', () => {
  assert.equal([colorEnabled({ isTTY: true }, { CLICOLOR: '0' }), colorEnabled({ isTTY: true }, {}), colorEnabled({ isTTY: true }, { CLICOLOR: '0', CLICOLOR_FORCE: '1' })], [false, true, true]);
});

test('a refused value names the flag typed, not the wire field, and exits 2', async () => {
  const r = await codevf(['tokens', 'create', '--name', 'long', '--expires-days', '1000'], { env });
  assert.equal([r.code, r.stdout, r.stderr], [2, '', 'Error: --expires-days must be at most 365 days\n']);
});

test('auth status lists every host with a token, the active one marked; auth refresh with a PAT says why not', async () => {
  const other = sb.url.replace('127.0.0.1', 'localhost');
  const env2 = { ...env, CODEVF_HOST: undefined };
  assert.is((await codevf(['login', '--with-token', '--host', other], { env: env2, input: sb.customerToken })).code, 0);
  const st = JSON.parse((await codevf(['auth', 'status', '--json', 'host,hosts'], { env: env2 })).stdout);
  assert.is(st.host, other);
  assert.equal(st.hosts.map((h: { host: string; active: boolean; signedIn: boolean }) => [h.host, h.active, h.signedIn]), [[other, true, true], [sb.url, false, true]]);
  const text = await codevf(['auth', 'status'], { env: env2 });
  assert.match(text.stdout, `${sb.url}\n  ✓ Token stored for demo@codevf.test`);
  const pat = await codevf(['auth', 'refresh'], { env: env2 });
  assert.is(pat.code, 1);
  assert.match(pat.stderr, 'cannot be refreshed: it has no refresh token');
});

test('auth refresh after a device sign-in gets a new access token', async () => {
  const devHome = await tempHome('cvf-gh-dev-');
  const denv = cleanEnv(devHome.dir, { CODEVF_HOST: sb.url });
  try {
    const p = spawn(process.execPath, [TTY_BIN, 'login', '--no-browser'], { env: denv, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const code = await withTimeout(new Promise<string>((resolve) => p.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
      const m = /one-time code: ([A-Z]{4}-[A-Z]{4})/.exec(err);
      if (m) resolve(m[1]);
    })), 15_000, 'the user code');
    await api(sb.url, 'POST', routes.auth.deviceApprove.path(), { token: sb.customerToken, body: { user_code: code, decision: 'approve' } });
    assert.is(await withTimeout(new Promise((r) => p.on('close', r)), 30_000, 'login'), 0);
    const before = (await codevf(['auth', 'token'], { env: denv })).stdout;
    const r = await codevf(['auth', 'refresh'], { env: denv });
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, `Refreshed the token for ${sb.url}; it expires `);
    const after = (await codevf(['auth', 'token'], { env: denv })).stdout;
    assert.is.not(after, before);
    assert.is((await codevf(['auth', 'status'], { env: denv })).code, 0);
  } finally { await devHome.done(); }
});

test.run();
