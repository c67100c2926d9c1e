// The update notice in a real terminal: shown once when a newer release exists, not again the same day,
// never with --json, never off a terminal, never with CODEVF_NO_UPDATE_NOTIFIER=1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TTY_BIN } from '../helpers/agent.js';
import { cleanEnv, codevf, tempHome } from './helpers.js';
import { hasTmux, Tmux } from './tmux.js';

const NOTICE = 'A new release of codevf is available';
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let term: Tmux | undefined;

test.before(async () => {
  home = await tempHome('cvf-notice-');
  const release = join(home.dir, 'release');
  mkdirSync(release);
  writeFileSync(join(release, 'latest.json'), JSON.stringify({ version: '99.0.0', files: {} }));
  env = cleanEnv(home.dir, { CODEVF_RELEASE_URL: pathToFileURL(release).href, CODEVF_NO_UPDATE_NOTIFIER: '', CI: '', TERM: 'xterm-256color', PATH: process.env.PATH });
});
test.after.each(() => { term?.kill(); term = undefined; });
test.after(async () => { await home?.done(); });

async function inTerminal(args: string, extra: NodeJS.ProcessEnv = {}): Promise<string> {
  term = new Tmux();
  term.start(`${process.execPath} ${TTY_BIN} ${args}`, { ...env, ...extra }, home.dir);
  const screen = await term.waitFor(/\[exit=\d+\]/);
  term.kill();
  term = undefined;
  return screen;
}

(hasTmux() ? test : test.skip)('on a terminal a newer release is mentioned once, and not again within a day', async () => {
  const first = await inTerminal('config list');
  assert.match(first, `${NOTICE}: `);
  assert.match(first, '-> 99.0.0');
  assert.match(first, '[exit=0]');
  const second = await inTerminal('config list');
  assert.not.match(second, NOTICE);
});

(hasTmux() ? test : test.skip)('never with --json, never with CODEVF_NO_UPDATE_NOTIFIER=1, never off a terminal', async () => {
  const fresh = () => ({ XDG_STATE_HOME: join(home.dir, `state-${Math.random().toString(36).slice(2)}`) });
  assert.not.match(await inTerminal('config list --json', fresh()), NOTICE);
  assert.not.match(await inTerminal('config list', { ...fresh(), CODEVF_NO_UPDATE_NOTIFIER: '1' }), NOTICE);
  const piped = await codevf(['config', 'list'], { env: { ...env, ...fresh() } });
  assert.equal([piped.code, piped.stderr.includes(NOTICE)], [0, false]);
  assert.match(await inTerminal('config list', fresh()), NOTICE); // the control: a fresh state does show it
});

test.run();
