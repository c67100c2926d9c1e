import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { VERSION } from '../protocol/version.js';
import { AGENT_BIN, TTY_BIN } from './helpers/agent.js';

const run = (bin: string, args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 10_000 });

test('codevf-agent --version prints the package version alone on stdout', () => {
  const r = run(AGENT_BIN, ['--version']);
  assert.equal([r.status, r.stdout, r.stderr], [0, `${VERSION}\n`, '']);
});

test('codevf --version shows the version, the commit and the date of the build', () => {
  const commit = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const date = spawnSync('git', ['log', '-1', '--format=%cI'], { encoding: 'utf8' }).stdout.trim().slice(0, 10);
  const r = run(TTY_BIN, ['--version']);
  assert.equal([r.status, r.stdout, r.stderr], [0, `codevf version ${VERSION} (commit ${commit}, built ${date})\n`, '']);
});

test('--help on both bins explains usage and exit codes', () => {
  const tty = run(TTY_BIN, ['--help']);
  assert.is(tty.status, 0);
  assert.match(tty.stdout, 'Exit codes: 0 ok, 1 error, 2 usage or cancelled, 4 authentication required.');
  const agent = run(AGENT_BIN, ['--help']);
  assert.is(agent.status, 0);
  assert.match(agent.stdout, '--framing auto|content-length|ndjson');
});

test.run();
