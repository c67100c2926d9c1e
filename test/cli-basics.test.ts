import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { VERSION } from '../protocol/version.js';
import { AGENT_BIN, TTY_BIN } from './helpers/agent.js';

const run = (bin: string, args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 10_000 });

test('codevf --version and codevf-agent --version print the package version alone on stdout', () => {
  for (const bin of [TTY_BIN, AGENT_BIN]) {
    const r = run(bin, ['--version']);
    assert.equal([r.status, r.stdout, r.stderr], [0, `${VERSION}\n`, '']);
  }
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
