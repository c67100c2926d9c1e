// The device flow through codevf (code and URL on stderr, approved or denied on the sandbox), Ctrl+C while
// waiting, CODEVF_TOKEN, --verbose, and `codevf sandbox`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { routes } from '../../protocol/backend/index.js';
import { TTY_BIN, withTimeout } from '../helpers/agent.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { cleanEnv, codevf, tempHome, type Run } from './helpers.js';
import { Tmux } from './tmux.js';

let sb: Sandbox;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;

test.before(async () => {
  sb = await startSandbox({ args: ['--device-interval', '1'] });
  home = await tempHome();
  env = cleanEnv(home.dir, { CODEVF_HOST: sb.url });
});
test.after(async () => { await sb?.stop(); await home?.done(); });

/** Starts `codevf login` and resolves with the user code once it is on stderr. */
function startLogin(args: string[] = []) {
  const p = spawn(process.execPath, [TTY_BIN, 'login', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  const code = withTimeout(new Promise<string>((resolve) => {
    p.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      const m = /one-time code: ([A-Z]{4}-[A-Z]{4})/.exec(stderr);
      if (m) resolve(m[1]);
    });
  }), 15_000, 'the user code on stderr').catch((e) => { p.kill('SIGKILL'); throw e; });
  const done = withTimeout(new Promise<Run>((r) => p.on('close', (c) => r({ code: c, stdout, stderr }))), 30_000, 'codevf login to end')
    .catch((e) => { p.kill('SIGKILL'); throw e; });
  return { proc: p, code, done };
}

const decide = (userCode: string, decision: 'approve' | 'deny') =>
  api(sb.url, 'POST', routes.auth.deviceApprove.path(), { token: sb.customerToken, body: { user_code: userCode, decision } });

test('device flow: the code and URL go to stderr, nothing to stdout; approving signs in (exit 0)', async () => {
  const l = startLogin(['--no-browser']);
  const userCode = await l.code;
  const r0 = await decide(userCode, 'approve');
  assert.is(r0.status, 200, JSON.stringify(r0.body));
  const r = await l.done;
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, `Open this URL in your browser and enter the code: ${sb.url}/device`);
  assert.match(r.stderr, `Logged in to ${sb.url} as Demo Customer`);
  assert.is((await codevf(['auth', 'status'], { env })).code, 0);
  assert.is((await codevf(['logout'], { env })).code, 0);
});

test('device flow: denying in the browser exits 4 with the message to log in again', async () => {
  const l = startLogin(['--no-browser']);
  await decide(await l.code, 'deny');
  const r = await l.done;
  assert.is(r.code, 4);
  assert.match(r.stderr, 'Error: The sign-in was denied in the browser.\nPlease run: codevf login');
});

test('"Opened in your browser" only when a browser started: no display, a failing opener, a working one', async () => {
  const seen = join(home.dir, 'opened.txt');
  const browser = join(home.dir, 'browser.sh');
  await writeFile(browser, `#!/bin/sh\necho "$1" > ${seen}\n`);
  await chmod(browser, 0o755);
  const cases: Array<[NodeJS.ProcessEnv, string]> = [
    [{}, 'Could not open a browser here (no display: DISPLAY and WAYLAND_DISPLAY are not set).'],
    [{ BROWSER: '/bin/false' }, 'Could not open a browser here (/bin/false failed (exit code 1)).'],
    [{ BROWSER: browser }, `Opened ${sb.url}/device in your browser; enter the code there.`],
  ];
  for (const [extra, said] of cases) {
    const term = new Tmux();
    try {
      const e: NodeJS.ProcessEnv = { ...env, TERM: 'xterm-256color', PATH: process.env.PATH };
      delete e.DISPLAY; delete e.WAYLAND_DISPLAY;
      term.start(`${process.execPath} ${TTY_BIN} login`, { ...e, ...extra }, home.dir, { cols: 160, rows: 50 });
      const screen = await term.waitFor('Waiting for approval...');
      assert.match(screen, said, screen);
      if (extra.BROWSER === browser) {
        assert.match(await readFile(seen, 'utf8'), `${sb.url}/device?user_code=`);
        assert.not.match(screen, 'Open this URL');
      } else assert.match(screen, `Open this URL in your browser and enter the code: ${sb.url}/device?user_code=`, screen);
    } finally { term.kill(); } // Ctrl+C here would stop the pane's shell too: the signal goes to the whole group
  }
});

test('Ctrl+C while waiting for approval stops cleanly: "Cancelled.", exit 2', async () => {
  const l = startLogin(['--no-browser']);
  await l.code;
  l.proc.kill('SIGINT');
  const r = await l.done;
  assert.is(r.code, 2);
  assert.match(r.stderr, 'Cancelled.');
});

test('CODEVF_TOKEN signs commands in without a stored login; auth status names it as the source', async () => {
  const withEnv = { ...env, CODEVF_TOKEN: sb.customerToken };
  const r = await codevf(['auth', 'status', '--json'], { env: withEnv });
  assert.is(r.code, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).tokenSource, 'env');
  assert.is((await codevf(['balance'], { env: withEnv })).code, 0);
});

test('--verbose shows the agent log on stderr; without it the agent is quiet', async () => {
  const v = await codevf(['rates', '--verbose'], { env });
  assert.is(v.code, 0);
  assert.match(v.stderr, 'codevf-agent');
  const q = await codevf(['rates'], { env });
  assert.is(q.stderr, '');
});

test('codevf sandbox passes its arguments to the reference backend and stops on SIGTERM', async () => {
  const data = join(home.dir, 'sb-data');
  const p = spawn(process.execPath, [TTY_BIN, 'sandbox', '--port', '0', '--json', '--data', data], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => p.on('close', (c) => r(c)));
  const line = await withTimeout(new Promise<string>((resolve) => {
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d) => { out += d; if (out.includes('\n')) resolve(out.split('\n')[0]); });
  }), 15_000, 'the sandbox ready line').catch((e) => { p.kill('SIGKILL'); throw e; });
  const ready = JSON.parse(line);
  assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const rates = await codevf(['rates', '--json', '--host', ready.url], { env });
  assert.is(JSON.parse(rates.stdout).creditsPerMinute, 1);
  p.kill('SIGTERM');
  assert.is(await withTimeout(exited, 10_000, 'the sandbox to stop'), 0);
});

test.run();
