// Account commands as a process against the real sandbox: login, auth status, logout, rates, balance, topup,
// tokens; output on the right stream, --json documents, exit codes, colours, section 9 error messages.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { cleanEnv, codevf, ESC, tempHome } from './helpers.js';

let sb: Sandbox;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;

test.before(async () => {
  sb = await startSandbox();
  home = await tempHome();
  env = cleanEnv(home.dir, { CODEVF_HOST: sb.url });
});
test.after(async () => { await sb?.stop(); await home?.done(); });

const login = () => codevf(['login', '--with-token'], { env, input: `${sb.customerToken}\n` });

test('signed out: a command that needs an account prints the spec message and exits 4', async () => {
  const r = await codevf(['balance'], { env });
  assert.equal(r, { code: 4, stdout: '', stderr: 'Error: Authentication failed.\nPlease run: codevf login\n' });
  const j = await codevf(['balance', '--json'], { env });
  assert.is(j.code, 4);
  assert.equal(JSON.parse(j.stdout).error, { reason: 'auth_required', message: 'Authentication failed.\nPlease run: codevf login', exitCode: 4 });
});

test('auth status when signed out says so on stdout and exits 4; --json is the status document', async () => {
  const r = await codevf(['auth', 'status'], { env });
  assert.is(r.code, 4);
  assert.match(r.stdout, 'Not logged in. Run: codevf login');
  const j = await codevf(['auth', 'status', '--json'], { env });
  assert.is(j.code, 4);
  const doc = JSON.parse(j.stdout);
  assert.equal([doc.signedIn, doc.host, doc.user], [false, sb.url, null]);
});

test('login --with-token reads the token from stdin, stores it, and never prints it', async () => {
  const r = await login();
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, `Logged in to ${sb.url} as Demo Customer`);
  assert.not.match(r.stdout + r.stderr, sb.customerToken);
  const st = await codevf(['auth', 'status'], { env });
  assert.is(st.code, 0);
  assert.match(st.stdout, 'Logged in as Demo Customer');
  assert.match(st.stdout, /Token: cvf_\*\*\*\*\S+ from file/);
  assert.not.match(st.stdout, sb.customerToken);
});

test('login --with-token with an empty stdin is a usage error', async () => {
  const r = await codevf(['login', '--with-token'], { env, input: '' });
  assert.is(r.code, 2);
  assert.match(r.stderr, 'No token on stdin.');
});

test('--token is accepted with a warning that command lines are visible', async () => {
  const r = await codevf(['rates', '--token', sb.customerToken], { env });
  assert.is(r.code, 0);
  assert.match(r.stderr, 'Warning: --token is visible to other users of this machine');
});

test('login --token warns, then stores the token (the stored copy is the source, not the environment)', async () => {
  const r = await codevf(['login', '--token', sb.customerToken], { env });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, 'Warning: --token is visible to other users of this machine');
  const st = JSON.parse((await codevf(['auth', 'status', '--json'], { env })).stdout);
  assert.equal([st.signedIn, st.tokenSource], [true, 'file']);
});

test('rates and balance print data on stdout; --json prints exactly one document', async () => {
  await login();
  const rates = await codevf(['rates'], { env });
  assert.is(rates.code, 0);
  assert.match(rates.stdout, 'Rate:           1 credit/min');
  const j = await codevf(['balance', '--json'], { env });
  assert.is(j.code, 0);
  const doc = JSON.parse(j.stdout);
  assert.equal(Object.keys(doc), ['balance', 'rates']);
  assert.is(typeof doc.balance, 'number');
});

test('colours: none when not a terminal or with NO_COLOR; CLICOLOR_FORCE forces them', async () => {
  await login();
  const plain = await codevf(['auth', 'status'], { env });
  assert.not.match(plain.stdout, ESC);
  const forced = await codevf(['auth', 'status'], { env: { ...env, CLICOLOR_FORCE: '1' } });
  assert.match(forced.stdout, ESC);
  const both = await codevf(['auth', 'status'], { env: { ...env, CLICOLOR_FORCE: '1', NO_COLOR: '1' } });
  assert.not.match(both.stdout, ESC);
});

test('topup prints the checkout URL alone on stdout; a bad amount exits 2 with an example', async () => {
  await login();
  const r = await codevf(['topup', '5'], { env });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${sb.url}/checkout/\\S+\\n$`));
  const bad = await codevf(['topup', '2'], { env });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, 'For example: codevf topup 10');
  const missing = await codevf(['topup'], { env });
  assert.is(missing.code, 2);
});

test('topup --open runs $BROWSER with the URL; when no browser opens it warns and the URL is still printed', async () => {
  await login();
  const seen = join(home.dir, 'opened.txt');
  const browser = join(home.dir, 'browser.sh');
  await writeFile(browser, `#!/bin/sh\necho "$1" > ${seen}\n`);
  await chmod(browser, 0o755);
  const r = await codevf(['topup', '$10', '--open'], { env: { ...env, BROWSER: browser } });
  assert.is(r.code, 0, r.stderr);
  assert.is((await readFile(seen, 'utf8')).trim(), r.stdout.trim());
  assert.match(r.stderr, 'Opened the checkout in your browser.');
  const none = await codevf(['topup', '10', '--open'], { env: { ...env, BROWSER: join(home.dir, 'no-such-browser') } });
  assert.is(none.code, 0);
  assert.match(none.stdout, `${sb.url}/checkout/`);
  assert.match(none.stderr, 'Could not open a browser');
});

test('tokens create prints the new token alone on stdout; list shows it; revoke revokes it', async () => {
  await login();
  const c = await codevf(['tokens', 'create', '--name', 'ci', '--scopes', 'tasks,projects', '--json'], { env });
  assert.is(c.code, 0, c.stderr);
  const created = JSON.parse(c.stdout);
  assert.equal([created.name, created.scopes], ['ci', ['tasks', 'projects']]);
  const plain = await codevf(['tokens', 'create', '--name', 'ci2', '--scopes', 'tasks'], { env });
  assert.match(plain.stdout, /^cvf_\S+\n$/);
  const list = await codevf(['tokens', 'list'], { env });
  assert.match(list.stdout, /ID\s+NAME\s+KIND/);
  assert.match(list.stdout, created.id);
  const rv = await codevf(['tokens', 'revoke', created.id], { env });
  assert.is(rv.code, 0, rv.stderr);
  assert.match(rv.stderr, 'Revoked 1 token.');
  const listed = JSON.parse((await codevf(['tokens', 'list', '--json'], { env })).stdout);
  assert.ok(listed.tokens.find((t: { id: string; revokedAt: string | null }) => t.id === created.id)?.revokedAt);
});

test('tokens revoke --all without a terminal needs --yes; a bad scope is a usage error', async () => {
  await login();
  const r = await codevf(['tokens', 'revoke', '--all'], { env });
  assert.is(r.code, 2);
  assert.match(r.stderr, 'Pass --yes.');
  const bad = await codevf(['tokens', 'create', '--name', 'x', '--scopes', 'everything'], { env });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, 'Unknown scope "everything"');
});

test('tokens list fits 100 columns, long names cut; kinds use the words of the web page', async () => {
  await login();
  const long = 'a-very-long-token-name-for-the-build-server-in-the-basement-of-building-7';
  assert.is((await codevf(['tokens', 'create', '--name', long, '--scopes', 'tasks,projects,billing,profile'], { env })).code, 0);
  assert.is((await codevf(['tokens', 'create', '--name', 'all-of-them'], { env })).code, 0);
  const list = await codevf(['tokens', 'list'], { env });
  const lines = list.stdout.trimEnd().split('\n');
  for (const l of lines) assert.ok(l.length <= 100, `${l.length} columns: ${l}`);
  assert.match(list.stdout, /a-very-long-\S*…/);
  assert.match(list.stdout, /all-of-them\s+personal\s+all\s/);
  assert.not.match(list.stdout, /\b(pat|access)\b/);
});

test('auth token prints the raw token alone on stdout; signed out it exits 4', async () => {
  await login();
  const r = await codevf(['auth', 'token'], { env });
  assert.equal([r.code, r.stderr], [0, '']);
  assert.ok(r.stdout === `${sb.customerToken}\n`, 'stdout is the token and a newline'); // never printed on failure
  const other = await tempHome();
  try {
    const out = await codevf(['auth', 'token'], { env: cleanEnv(other.dir, { CODEVF_HOST: sb.url }) });
    assert.equal([out.code, out.stdout], [4, '']);
  } finally { await other.done(); }
});

test('logout revokes and removes the token; afterwards commands ask for login', async () => {
  await login();
  const r = await codevf(['logout'], { env });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `Logged out of ${sb.url}.`);
  const after = await codevf(['balance'], { env });
  assert.is(after.code, 4);
});

test('an unreachable loopback host is named and said to have no server running (not "your internet"), exit 1', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
  const host = `127.0.0.1:${port}`;
  const r = await codevf(['rates', '--host', `http://${host}`], { env });
  assert.is(r.code, 1);
  assert.is(r.stderr, `Error: Nothing answers at ${host}: the CodeVF server is not running there.\nStart it, or pass the right --host.\n`);
  const j = await codevf(['rates', '--host', `http://${host}`, '--json'], { env });
  assert.equal(JSON.parse(j.stdout).error, {
    reason: 'network_unreachable', exitCode: 1,
    message: `Nothing answers at ${host}: the CodeVF server is not running there.\nStart it, or pass the right --host.`,
  });
});

test('login --with-token with a rejected token says the token was rejected (exit 4) and stores nothing', async () => {
  const other = await tempHome();
  try {
    const e = cleanEnv(other.dir, { CODEVF_HOST: sb.url });
    const r = await codevf(['login', '--with-token'], { env: e, input: 'cvf_not-a-real-token\n' });
    assert.is(r.code, 4);
    assert.match(r.stderr, 'Error: The server rejected this token (wrong, expired or revoked). Nothing was stored.\n');
    assert.not.match(r.stderr, 'Please run: codevf login');
    assert.is((await codevf(['auth', 'status'], { env: e })).code, 4);
  } finally { await other.done(); }
});

test.run();
