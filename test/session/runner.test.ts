// The command runner (agent/session/runner.ts) on real child processes: output read from Unix sockets into
// reused buffers arrives whole and in order, also when the sink makes it wait; a command killed before it was
// spawned never runs; where the sockets cannot be made, pipes carry the output.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RunningCommands } from '../../agent/session/running.js';
import { OutputSockets, RunningCommand, type OutputSink } from '../../agent/session/runner.js';

const run = (command: string, sink: OutputSink, cwd = tmpdir()) =>
  new RunningCommand({ command, cwd, timeoutMs: 60_000, env: process.env }, sink);

function collect(wait?: (n: number) => Promise<void> | undefined) {
  const got = { stdout: [] as string[], stderr: [] as string[] };
  let n = 0;
  const sink: OutputSink = (stream, text) => { got[stream].push(text); return wait?.(n++); };
  return { got, sink };
}

// Lines of differing lengths with a two-byte character (a checksum over the whole), so a chunk read over before
// it was used, or a character split between reads and lost, would show.
const LINES = `${JSON.stringify(process.execPath)} -e "let s = ''; for (let i = 0; i < 150000; i++) s += 'line ' + i + ' ' + '0'.repeat(i % 97) + ' \\u00e9\\n'; process.stdout.write(s); process.stderr.write('err ' + s.length)"`;

test('8 MB of varied output read from sockets arrives whole and in order while the sink makes it wait', async () => {
  const { got, sink } = collect((n) => n % 3 === 0 ? new Promise((r) => setTimeout(r, 1)) : undefined);
  const c = run(LINES, sink);
  const r = await c.done;
  assert.is(c.outputVia, 'sockets');
  assert.is(r.exitCode, 0, got.stderr.join('').slice(0, 500));
  const expected = execFileSync('/bin/sh', ['-c', LINES], { maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  assert.ok(expected.length > 8_000_000, String(expected.length));
  assert.is(got.stderr.join(''), `err ${expected.length}`);
  const out = got.stdout.join('');
  assert.is(out.length, expected.length);
  assert.is(createHash('sha256').update(out).digest('hex'), createHash('sha256').update(expected).digest('hex'));
  assert.ok(out.startsWith('line 0  é\nline 1 0 é\n'), out.slice(0, 40));
  assert.ok(got.stdout.length > 100, `${got.stdout.length} chunks`); // read a piece at a time, not all at once
});

test('output written a few bytes at a time (held back briefly to go out together) arrives whole and in order', async () => {
  const { got, sink } = collect();
  const r = await run('i=0; while [ $i -lt 3000 ]; do echo "$i"; i=$((i+1)); done; printf tail', sink).done;
  assert.is(r.exitCode, 0);
  const want = Array.from({ length: 3000 }, (_, i) => `${i}\n`).join('') + 'tail';
  assert.is(got.stdout.join(''), want);
});

test('a command killed before it was spawned is killed as soon as it is, and reported so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cvf-runner-'));
  try {
    const { got, sink } = collect();
    const c = run('sleep 5; touch ran', sink, dir);
    assert.ok(c.kill('cancel'));
    const r = await c.done;
    assert.equal([r.exitCode, r.signal, r.killed], [null, 'SIGTERM', 'cancel']);
    assert.ok(r.durationMs < 4000, `${r.durationMs} ms`);
    assert.not.ok(existsSync(join(dir, 'ran')), 'the cancelled command ran to its end');
    assert.equal(got, { stdout: [], stderr: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a command that cannot be spawned (its folder is a file) rejects spawned and done, and nothing is left running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cvf-runner-'));
  try {
    writeFileSync(join(dir, 'file'), '');
    const c = run('echo hi', collect().sink, join(dir, 'file'));
    const spawnErr = await c.spawned.then(() => null, (e: Error) => e);
    assert.ok(spawnErr && /ENOTDIR/.test(String(spawnErr)), String(spawnErr));
    const err = await c.done.then(() => null, (e: Error) => e);
    assert.is(err, spawnErr);
    assert.is(c.pid, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('where the sockets cannot be made (no usable temp folder), the output comes through pipes', async () => {
  const saved = process.env.TMPDIR;
  const cwd = tmpdir();
  process.env.TMPDIR = join(cwd, 'cvf-no-such-folder', 'x');
  try {
    const { got, sink } = collect();
    const c = run('echo done; echo oops >&2', sink, cwd);
    process.env.TMPDIR = saved; // the runner looked it up while making the sockets, before this line ran
    const r = await c.done;
    assert.is(c.outputVia, 'pipes');
    assert.is(r.exitCode, 0);
    assert.is(got.stdout.join(''), 'done\n');
    assert.is(got.stderr.join(''), 'oops\n');
  } finally {
    if (saved === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = saved;
  }
});

test('a temp folder whose path is too long for a socket gives pipes, and leaves nothing behind in it', async () => {
  const saved = process.env.TMPDIR;
  const cwd = tmpdir();
  const long = join(cwd, `cvf-long-${'d'.repeat(Math.max(1, 100 - cwd.length - 10))}`); // + /cvf-out-XXXXXX/s: over 103 bytes
  mkdirSync(long, { recursive: true });
  process.env.TMPDIR = long;
  try {
    const { got, sink } = collect();
    const c = run('echo done', sink, cwd);
    process.env.TMPDIR = saved;
    await c.done;
    assert.is(c.outputVia, 'pipes');
    assert.is(got.stdout.join(''), 'done\n');
    assert.equal(readdirSync(long), []); // no socket cut short into the temp folder itself, no folder left
  } finally {
    if (saved === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = saved;
    rmSync(long, { recursive: true, force: true });
  }
});

test('sockets made ahead (while the approval is recorded) carry the command\'s output; discarded, both ends close', async () => {
  const ahead = new OutputSockets();
  const { got, sink } = collect();
  const c = new RunningCommand({ command: 'echo out; echo err >&2', cwd: tmpdir(), timeoutMs: 60_000, env: process.env }, sink, ahead);
  await c.done;
  assert.is(c.outputVia, 'sockets');
  assert.is(got.stdout.join(''), 'out\n');
  assert.is(got.stderr.join(''), 'err\n');

  const unused = new OutputSockets();
  unused.discard();
  const made = await unused.made;
  await new Promise((r) => setImmediate(r));
  assert.is(made.length, 2);
  for (const m of made) {
    assert.is(m.status, 'fulfilled');
    if (m.status === 'fulfilled') { assert.ok(m.value.ours.destroyed, 'ours closed'); assert.ok(m.value.theirs.destroyed, 'theirs closed'); }
  }
});

test('a command added after every command was stopped (allowed while the session ended) is stopped as it starts', async () => {
  const running = new RunningCommands(() => {});
  running.killAll('session_end');
  const { sink } = collect();
  const c = run('sleep 30', sink);
  const t = Date.now();
  running.add('late', c);
  const r = await c.done;
  assert.is(r.killed, 'session_end');
  assert.is(r.signal, 'SIGTERM');
  assert.ok(Date.now() - t < 10_000, 'it did not run its course');
});

test.run();
