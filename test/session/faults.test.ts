import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApproveCommand, ResumeTask, SendMessage } from '../../protocol/methods/session.js';
import { withTimeout } from '../helpers/agent.js';
import { startAgent, startWorld, type World } from './harness.js';
import { CommandFinished, CommandOutputNote, ConnectionState, EngineerMessageNote, RequestCommandNote } from '../../protocol/index.js';

const FAST = { CODEVF_BACKOFF_BASE_MS: '50', CODEVF_BACKOFF_MAX_MS: '500' };

const engineerTexts = (w: World) => w.agent.notes.filter((n) => n.method === 'engineer_message').map((n) => n.params.text);

async function savedSeq(w: World): Promise<number> {
  try { return JSON.parse(await readFile(join(w.dir, '.codevf', 'session.json'), 'utf8')).lastSeq; } catch { return -1; }
}

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  await withTimeout((async () => { while (!(await fn())) await new Promise((r) => setTimeout(r, 25)); })(), ms, what);
}

test('backend killed and restarted mid-session: the agent reconnects and nothing is lost or doubled', async () => {
  const w = await startWorld({ env: FAST });
  try {
    await w.engineerJoins();
    for (const t of ['m1', 'm2']) await w.eng.say(t);
    await w.agent.waitFor(EngineerMessageNote, (p) => p.text === 'm2');
    await w.sb.kill('SIGKILL');
    await w.agent.waitFor(ConnectionState, (p) => p.state === 'reconnecting');
    const sent = await w.agent.request(SendMessage, { taskId: w.taskId, text: 'sent while the backend was down' });
    assert.is(sent.queued, true);
    await w.sb.restart();
    await w.eng.close();
    await w.eng.connect(w.taskId, w.eng.socket!.events.at(-1)?.seq ?? 0);
    for (const t of ['m3', 'm4']) await w.eng.say(t);
    await w.agent.waitFor(EngineerMessageNote, (p) => p.text === 'm4', 20_000);
    const states = () => w.agent.notes.filter((n) => n.method === 'connection_state').map((n) => n.params.state);
    await until('the WebSocket to be back', () => states().lastIndexOf('connected') > states().indexOf('reconnecting'));
    const msg = await w.eng.waitFor('customer_message', (e) => e.payload.text === 'sent while the backend was down', 20_000);
    assert.ok(msg.seq > 0);
    assert.equal(engineerTexts(w), ['m1', 'm2', 'm3', 'm4']);
    const seqs = w.agent.notes.filter((n) => n.params?.seq !== undefined).map((n) => n.params.seq);
    assert.is(new Set(seqs).size, seqs.length, 'no event notified twice');
    await new Promise((r) => setTimeout(r, 300));
    const copies = w.eng.socket!.events.filter((e) => e.type === 'customer_message' && e.payload.text === 'sent while the backend was down');
    assert.is(copies.length, 1, 'the queued message is stored once');
  } finally {
    await w.cleanup();
  }
});

test('agent killed and resumed: it continues from the last seq and shows the pending request again', async () => {
  const w = await startWorld({ env: FAST });
  try {
    await w.engineerJoins();
    await w.eng.say('before');
    const id = await w.eng.requestCommand('echo resumed-run', 'after the restart');
    const req = await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    await until('session.json to hold the request', async () => (await savedSeq(w)) >= req.seq);
    w.agent.proc.kill('SIGKILL');
    await w.agent.exited;
    await w.eng.say('while the agent was down');

    w.agent = await startAgent(w.sb, w.dir, w.home, { env: FAST });
    const r = await w.agent.request(ResumeTask, {});
    assert.is(r.taskId, w.taskId);
    assert.is(r.lastSeq, req.seq);
    assert.equal(r.pending.map((p) => p.requestId), [id]);
    const again = await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    assert.is(again.seq, req.seq);
    await w.agent.waitFor(EngineerMessageNote, (p) => p.text === 'while the agent was down');
    assert.equal(engineerTexts(w), ['while the agent was down'], 'events before the kill are not replayed');
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    const result = await w.eng.waitFor('command_result', (e) => e.payload.requestId === id);
    assert.is(result.payload.exitCode, 0);
  } finally {
    await w.cleanup();
  }
});

test('a message queued while the backend is down survives an agent kill and is delivered once after resume', async () => {
  const w = await startWorld({ env: FAST });
  try {
    await w.engineerJoins();
    await w.sb.kill('SIGKILL');
    const sent = await w.agent.request(SendMessage, { taskId: w.taskId, text: 'queued then crashed' });
    assert.is(sent.queued, true);
    await until('the outbox to be saved', async () => {
      try { return JSON.parse(await readFile(join(w.dir, '.codevf', 'session.json'), 'utf8')).outbox.length === 1; } catch { return false; }
    });
    w.agent.proc.kill('SIGKILL');
    await w.agent.exited;
    await w.sb.restart();
    w.agent = await startAgent(w.sb, w.dir, w.home, { env: FAST });
    await w.agent.request(ResumeTask, {});
    await w.eng.close();
    await w.eng.connect(w.taskId);
    await w.eng.waitFor('customer_message', (e) => e.payload.text === 'queued then crashed', 20_000);
    await until('the outbox to empty', async () =>
      JSON.parse(await readFile(join(w.dir, '.codevf', 'session.json'), 'utf8')).outbox.length === 0);
    await w.eng.say('ping');
    await w.agent.waitFor(EngineerMessageNote, (p) => p.text === 'ping');
    const copies = w.eng.socket!.events.filter((e) => e.type === 'customer_message' && e.payload.text === 'queued then crashed');
    assert.is(copies.length, 1);
  } finally {
    await w.cleanup();
  }
});

/** Starts a long command, kills the agent with SIGKILL mid-command, and returns the orphaned shell's pid. */
async function orphanACommand(w: World): Promise<{ id: string; pid: number; child: number }> {
  await w.engineerJoins();
  const id = await w.eng.requestCommand('echo $$ > shell.pid; sleep 60 & echo $! > child.pid; echo started; wait', 'long');
  await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
  await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
  await w.agent.waitFor(CommandOutputNote, (p) => p.requestId === id && p.data.includes('started'));
  await until('session.json to record the running command', async () => {
    try { return JSON.parse(await readFile(join(w.dir, '.codevf', 'session.json'), 'utf8')).running.length === 1; } catch { return false; }
  });
  w.agent.proc.kill('SIGKILL');
  await w.agent.exited;
  const pid = Number((await readFile(join(w.dir, 'shell.pid'), 'utf8')).trim());
  process.kill(pid, 0); // the orphaned command outlived the agent
  const child = Number((await readFile(join(w.dir, 'child.pid'), 'utf8')).trim());
  process.kill(child, 0); // and so did the process it started
  return { id, pid, child };
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

test('a command still running when the agent is killed is killed on resume, group and all, and the engineer told why', async () => {
  const w = await startWorld({ env: FAST });
  try {
    const { id, pid, child } = await orphanACommand(w);
    w.agent = await startAgent(w.sb, w.dir, w.home, { env: FAST });
    await w.agent.request(ResumeTask, {});
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === id);
    assert.equal([fin.outcome, fin.exitCode, fin.signal], ['agent_restarted', null, null]);
    await until('the left-over shell and its child to die', () => !alive(pid) && !alive(child));
    const r = await w.eng.waitFor('command_result', (e) => e.payload.requestId === id);
    assert.equal([r.payload.outcome, r.payload.reason, r.payload.exitCode, r.payload.signal],
      ['agent_restarted', "stopped: the customer's agent restarted", null, null]);
  } finally {
    await w.cleanup();
  }
});

test('a left-over command whose end the agent cannot know is reported as unknown, and a pid with another start time is never killed', async () => {
  const w = await startWorld({ env: FAST });
  let pid = 0;
  try {
    const orphan = await orphanACommand(w);
    pid = orphan.pid;
    // The same pid with a different start time is another process (a reused pid): it must be left alone.
    const file = join(w.dir, '.codevf', 'session.json');
    const saved = JSON.parse(await readFile(file, 'utf8'));
    saved.running[0].startTicks += 1;
    await writeFile(file, JSON.stringify(saved), { mode: 0o600 });
    w.agent = await startAgent(w.sb, w.dir, w.home, { env: FAST });
    await w.agent.request(ResumeTask, {});
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === orphan.id);
    assert.equal([fin.outcome, fin.exitCode, fin.signal], ['unknown', null, null]);
    const r = await w.eng.waitFor('command_result', (e) => e.payload.requestId === orphan.id);
    assert.equal([r.payload.outcome, r.payload.signal], ['unknown', null]);
    assert.match(r.payload.reason ?? '', /^unknown/);
    assert.ok(alive(pid), 'a process that is not provably ours was not killed');
  } finally {
    if (pid && alive(pid)) process.kill(-pid, 'SIGKILL');
    await w.cleanup();
  }
});

test('with the backend down, an approved command still runs and a denial still answers; the engineer gets both decisions, the output and the result once, in order, when it is back', async () => {
  const w = await startWorld({ env: FAST });
  try {
    await w.engineerJoins();
    const run = await w.eng.requestCommand('echo ran-offline', 'offline');
    const refuse = await w.eng.requestCommand('echo never', 'offline too');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === refuse);
    await w.sb.kill('SIGKILL');
    // Before, each answer waited for the backend to take the decision: with the network down it never came.
    const allowed = await withTimeout(w.agent.request(ApproveCommand, { requestId: run, decision: 'allow' }), 10_000, 'approve offline');
    assert.is(allowed.started, true);
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === run);
    assert.is(fin.exitCode, 0);
    const out = w.agent.notes.filter((n) => n.method === 'command_output' && n.params.requestId === run).map((n) => n.params.data).join('');
    assert.is(out, 'ran-offline\n');
    const denied = await withTimeout(w.agent.request(ApproveCommand, { requestId: refuse, decision: 'deny' }), 10_000, 'deny offline');
    assert.is(denied.started, false);
    await w.sb.restart();
    await w.eng.close();
    await w.eng.connect(w.taskId);
    await w.eng.waitFor('command_result', (e) => e.payload.requestId === run, 20_000);
    await w.eng.waitFor('command_decision', (e) => e.payload.requestId === refuse, 20_000);
    const mine = w.eng.socket!.events.filter((e) => (e.payload as { requestId?: string }).requestId === run || (e.payload as { requestId?: string }).requestId === refuse)
      .filter((e) => e.type !== 'request_command').map((e) => `${e.type}:${(e.payload as { requestId: string }).requestId === run ? 'run' : 'refuse'}`);
    assert.equal(mine, ['command_decision:run', 'command_output:run', 'command_result:run', 'command_decision:refuse']);
  } finally {
    await w.cleanup();
  }
});

test('an allowed command starts only once its decision is in session.json: an agent killed as it starts neither asks again nor loses the decision', async () => {
  const w = await startWorld({ env: FAST });
  try {
    await w.engineerJoins();
    const id = await w.eng.requestCommand('cat .codevf/session.json', 'what the agent saved');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    await w.sb.kill('SIGKILL'); // the decision cannot reach the backend: session.json is all there is
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    await w.agent.waitFor(CommandFinished, (p) => p.requestId === id);
    const seen = JSON.parse(w.agent.notes.filter((n) => n.method === 'command_output' && n.params.requestId === id).map((n) => n.params.data).join(''));
    assert.ok(seen.outbox.some((i: { route: string; body: { requestId?: string; decision?: string } }) => i.body.requestId === id && i.body.decision === 'allow'),
      `the decision was not saved when the command started: ${JSON.stringify(seen.outbox)}`);
    assert.not.ok(seen.pending.some((p: { request: { requestId: string } }) => p.request.requestId === id), 'still pending when it started');
  } finally {
    await w.cleanup();
  }
});

test.run();
