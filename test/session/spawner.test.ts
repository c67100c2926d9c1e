// Approved commands started by the agent's helper process (agent/session/spawner.ts), not forked from the agent:
// the command's parent is the helper, output and exit status come through as before, a kill reaches the
// command's group, and when the helper is gone what it started is stopped and reported, and later commands are
// started by the agent itself.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RunningCommand, type OutputSink } from '../../agent/session/runner.js';
import { Spawner } from '../../agent/session/spawner.js';

function collect() {
  const got = { stdout: [] as string[], stderr: [] as string[] };
  const sink: OutputSink = (stream, text) => { got[stream].push(text); };
  return { got, sink };
}

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cvf-spawner-')));
const run = (spawner: Spawner, command: string, sink: OutputSink) =>
  new RunningCommand({ command, cwd: dir, timeoutMs: 60_000, env: { ...process.env, CVF_SPAWNER_TEST: 'x y' }, spawner }, sink);

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

/** Runs `then` in a separate process playing the agent, after it has started `command` through its own helper
 *  (as `c`, with the Spawner as `s`); returns the helper's pid, which `then` prints before the process exits. */
function asAgent(command: string, then: string): number {
  const script = `
    import { RunningCommand } from ${JSON.stringify(new URL('../../agent/session/runner.ts', import.meta.url).pathname)};
    import { Spawner } from ${JSON.stringify(new URL('../../agent/session/spawner.ts', import.meta.url).pathname)};
    const s = new Spawner();
    if (!await s.ready()) process.exit(3);
    const c = new RunningCommand({ command: ${JSON.stringify(command)}, cwd: ${JSON.stringify(dir)}, timeoutMs: 60000, env: process.env, spawner: s }, () => {});
    c.done.catch(() => {});
    ${then}
    process.stdout.write(String(s.pid));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('a command is started by the helper: its parent is the helper; output, environment, folder and exit status as before', async () => {
  const s = new Spawner();
  assert.ok(await s.ready(), 'the helper started');
  const { got, sink } = collect();
  const r = await run(s, 'echo "parent $PPID"; echo "$CVF_SPAWNER_TEST"; pwd; echo err >&2; exit 3', sink).done;
  assert.is(r.exitCode, 3);
  assert.is(r.signal, null);
  const [parent, env, cwd] = got.stdout.join('').split('\n');
  assert.is(parent, `parent ${s.pid}`);
  assert.is.not(s.pid, process.pid);
  assert.is(env, 'x y');
  assert.is(cwd, dir);
  assert.is(got.stderr.join(''), 'err\n');
  process.kill(s.pid!, 'SIGKILL');
});

test('a kill reaches the whole group of a command the helper started, and is reported', async () => {
  const s = new Spawner();
  assert.ok(await s.ready());
  const { got, sink } = collect();
  const c = run(s, 'sleep 30 & echo "child $!"; wait', sink);
  await c.spawned;
  while (!got.stdout.join('').includes('\n')) await new Promise((r) => setTimeout(r, 10));
  const grandchild = Number(/child (\d+)/.exec(got.stdout.join(''))![1]);
  assert.ok(alive(grandchild));
  assert.ok(c.kill('cancel'));
  const r = await c.done;
  assert.is(r.killed, 'cancel');
  assert.is(r.signal, 'SIGTERM');
  for (let i = 0; i < 100 && alive(grandchild); i++) await new Promise((res) => setTimeout(res, 20));
  assert.not.ok(alive(grandchild), 'the sleep in the background went with its group');
  process.kill(s.pid!, 'SIGKILL');
});

test('when the helper dies, what it started is stopped and reported without an exit status; later commands are started by the agent', async () => {
  const s = new Spawner();
  assert.ok(await s.ready());
  const helper = s.pid!;
  const { got, sink } = collect();
  const c = run(s, 'echo "pid $$"; sleep 30', sink);
  await c.spawned;
  while (!got.stdout.join('').includes('\n')) await new Promise((r) => setTimeout(r, 10));
  const shell = Number(/pid (\d+)/.exec(got.stdout.join(''))![1]);
  process.kill(helper, 'SIGKILL');
  const r = await c.done;
  assert.is(r.exitCode, null);
  assert.is(r.signal, null);
  for (let i = 0; i < 100 && alive(shell); i++) await new Promise((res) => setTimeout(res, 20));
  assert.not.ok(alive(shell), 'no command runs on unsupervised');
  assert.not.ok(s.usable);
  s.warm(); // not started again: that would be another fork of the agent
  assert.is(s.pid, undefined);
  const next = collect();
  const r2 = await run(s, 'echo "parent $PPID"', next.sink).done;
  assert.is(r2.exitCode, 0);
  assert.is(next.got.stdout.join(''), `parent ${process.pid}\n`);
});

test('a command the helper cannot start fails its start with the reason, as one the agent cannot start does', async () => {
  const s = new Spawner();
  assert.ok(await s.ready());
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  const c = new RunningCommand({ command: 'echo ran', cwd: file, timeoutMs: 60_000, env: process.env, spawner: s }, () => {});
  c.done.catch(() => {}); // rejects too
  const err = await c.spawned.then(() => null, (e: Error) => e);
  assert.ok(err, 'spawned rejects');
  assert.match(err!.message, /ENOTDIR|ENOENT/);
  assert.ok(s.usable, 'the helper is still there for the next one');
  process.kill(s.pid!, 'SIGKILL');
});

test('a command stopped before the helper reported it started, by an agent that then exits at once, does not run on', async () => {
  // A separate process plays the agent: it asks for a command, stops it (as on exit) before its pid is known, exits.
  const ran = join(dir, 'ran-after-kill');
  const helper = asAgent(`sleep 0.5; echo ran > ${ran}`, `
    while (!c.helped) await new Promise((r) => setImmediate(r)); // asked of the helper, not reported started
    c.kill('agent_exit');
    setTimeout(() => process.exit(0), 5);`);
  for (let i = 0; i < 100 && alive(helper); i++) await new Promise((res) => setTimeout(res, 20));
  await new Promise((res) => setTimeout(res, 700));
  assert.not.ok(existsSync(ran), 'killed as soon as it started');
});

test('many commands through one helper: no listener or bookkeeping piles up in either process', async () => {
  const s = new Spawner();
  assert.ok(await s.ready());
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  const proc = (s as unknown as { proc: import('node:child_process').ChildProcess }).proc;
  for (let i = 0; i < 15; i++) {
    const { got, sink } = collect();
    const r = await run(s, `echo ${i}`, sink).done;
    assert.is(r.exitCode, 0);
    assert.is(got.stdout.join(''), `${i}\n`);
  }
  await new Promise((res) => setTimeout(res, 100));
  process.off('warning', onWarning);
  assert.equal(warnings.map((w) => w.message), []);
  assert.ok(proc.listenerCount('exit') <= 2, `${proc.listenerCount('exit')} exit listeners on the helper`);
  process.kill(s.pid!, 'SIGKILL');
});

test('once the agent is gone the helper waits for what it started (which runs on, as before), then exits', async () => {
  // A separate process plays the agent: it starts a command through its helper and exits at once.
  const done = join(dir, 'done');
  const helper = asAgent('sleep 0.5; echo done > done', 'await c.spawned; setImmediate(() => process.exit(0));');
  assert.ok(helper > 0 && alive(helper), 'the helper is still there while its command runs');
  for (let i = 0; i < 200 && alive(helper); i++) await new Promise((res) => setTimeout(res, 20));
  assert.not.ok(alive(helper), 'and gone once it ended');
  assert.ok(existsSync(done), 'the command ran to its end');
  assert.is(readFileSync(done, 'utf8'), 'done\n');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
