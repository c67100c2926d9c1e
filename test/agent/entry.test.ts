// One entry point: flags parsed once (a bad value is a usage error, exit 2), and crash-only on the unexpected.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { parseArgs } from '../../agent/flags.js';
import { CLIENT_INFO, spawnAgentProcess, withTimeout } from '../helpers/agent.js';

for (const [args, message] of [
  [['--approval-timeout-ms', 'abc'], '--approval-timeout-ms must be a whole number of milliseconds, at least 1 (got "abc")'],
  [['--command-timeout-ms', '0'], '--command-timeout-ms must be a whole number of milliseconds, at least 1 (got "0")'],
  [['--command-timeout-ms', '1.5'], '--command-timeout-ms must be a whole number of milliseconds, at least 1 (got "1.5")'],
  [['--framing', 'xml'], '--framing must be auto, content-length or ndjson (got "xml")'],
  [['--no-such-flag'], 'unknown option --no-such-flag'],
  [['stray'], 'unexpected argument "stray"'],
] as const) {
  test(`codevf-agent ${args.join(' ')} is a usage error: exit 2, the reason on stderr, nothing on stdout`, async () => {
    const a = spawnAgentProcess([...args]);
    const out: Buffer[] = [];
    a.proc.stdout.on('data', (c) => out.push(c));
    assert.equal(await withTimeout(a.exited, 10_000, 'exit'), { code: 2, signal: null });
    assert.ok(a.stderr().startsWith(`codevf-agent: ${message}\n`), a.stderr());
    assert.is(Buffer.concat(out).length, 0);
  });
}

test('flags become one typed config: the session limits travel in it, not through the environment', () => {
  const p = parseArgs(['--approval-timeout-ms', '1500', '--command-timeout-ms', '20', '--framing', 'ndjson'], { CODEVF_HOST: 'http://h' }, '/w');
  assert.equal(p, {
    kind: 'run', acp: false, policyFile: undefined,
    options: { framing: 'ndjson', verbose: false, logFile: undefined, host: 'http://h', insecure: false, cwd: '/w', env: { CODEVF_HOST: 'http://h' },
      limits: { approvalTimeoutMs: 1500, commandTimeoutMs: 20 } },
  });
});

test('an uncaught exception stops the agent: cleanup runs (commands killed, audit flushed) and it exits non-zero', async () => {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/crashing-agent.ts'], { stdio: 'pipe' });
  let stderr = '';
  proc.stderr.on('data', (c) => { stderr += c; });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  proc.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: CLIENT_INFO })}\n`);
  await withTimeout(new Promise((r) => proc.stdout.once('data', r)), 20_000, 'initialize');
  proc.kill('SIGUSR2');
  assert.is(await withTimeout(exited, 10_000, 'exit'), 70);
  assert.match(stderr, 'uncaught exception: the agent stops');
  assert.match(stderr, 'injected fault');
  assert.match(stderr, 'cleanup ran');
});

test.run();
