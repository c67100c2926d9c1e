import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApproveCommand, CancelCommand, ListPendingRequests } from '../../protocol/methods/session.js';
import { withTimeout } from '../helpers/agent.js';
import { startWorld, type World } from './harness.js';
import { CommandFinished, CommandOutputNote, RequestCommandNote, RequestResolved } from '../../protocol/index.js';

const rpcError = async (p: Promise<unknown>) => {
  try { await p; } catch (e) { return e as { code: number; data: { reason: string } }; }
  throw new Error('expected an RPC error');
};

async function audit(w: World) {
  return (await readFile(join(w.dir, '.codevf', 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
}

test('an allowed command runs once in the project root; output and result reach front end and engineer', async () => {
  const w = await startWorld();
  try {
    await w.engineerJoins();
    const id = await w.eng.requestCommand('pwd && echo out && echo err >&2 && exit 3', 'see the folder');
    const req = await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    assert.is(req.command, 'pwd && echo out && echo err >&2 && exit 3');
    assert.is(req.engineer !== undefined, true);
    const res = await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    assert.equal(res, { requestId: id, decision: 'allow', scope: 'once', started: true });
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === id);
    assert.is(fin.exitCode, 3);
    assert.is(fin.timedOut, false);
    const out = w.agent.notes.filter((n) => n.method === 'command_output' && n.params.requestId === id);
    const stdout = out.filter((n) => n.params.stream === 'stdout').map((n) => n.params.data).join('');
    assert.ok(stdout.includes('out'));
    assert.ok(stdout.includes(req.workingDirectory));
    assert.ok(out.some((n) => n.params.stream === 'stderr' && n.params.data.includes('err')));
    assert.ok((await w.agent.waitFor(RequestResolved, (p) => p.requestId === id)).decidedBy === 'customer');
    // The engineer's view: the decision, the output, the result.
    const d = await w.eng.waitFor('command_decision', (e) => e.payload.requestId === id);
    assert.is(d.payload.decision, 'allow');
    const r = await w.eng.waitFor('command_result', (e) => e.payload.requestId === id);
    assert.is(r.payload.exitCode, 3);
    const engOut = w.eng.socket!.events.filter((e) => e.type === 'command_output' && e.payload.requestId === id);
    assert.ok(engOut.map((e: any) => e.payload.data).join('').includes('out'));
    const lines = await audit(w);
    assert.ok(lines.some((l) => l.event === 'request' && l.requestId === id));
    assert.ok(lines.some((l) => l.event === 'decision' && l.requestId === id && l.decidedBy === 'customer' && l.decision === 'allow'));
    assert.ok(lines.some((l) => l.event === 'command_finished' && l.requestId === id && l.exitCode === 3 && l.bytesSent > 0));
  } finally {
    await w.cleanup();
  }
});

test('two answers racing for one request: exactly one wins and the command runs once', async () => {
  const w = await startWorld();
  try {
    await w.engineerJoins();
    const id = await w.eng.requestCommand('echo x >> ran.txt', 'once');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    const answers = await Promise.allSettled([
      w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' }),
      w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' }),
      w.agent.request(ApproveCommand, { requestId: id, decision: 'deny' }),
    ]);
    assert.is(answers.filter((a) => a.status === 'fulfilled').length, 1);
    assert.ok(answers.filter((a) => a.status === 'rejected').every((a: any) => a.reason.data.reason === 'not_found'));
    const won = (answers.find((a) => a.status === 'fulfilled') as PromiseFulfilledResult<any>).value;
    if (won.started) {
      await w.agent.waitFor(CommandFinished, (p) => p.requestId === id);
      assert.is(await readFile(join(w.dir, 'ran.txt'), 'utf8'), 'x\n');
    }
    assert.is(w.agent.notes.filter((n) => n.method === 'request_resolved' && n.params.requestId === id).length, 1);
  } finally {
    await w.cleanup();
  }
});

test('a denied command never runs and the engineer sees the denial', async () => {
  const w = await startWorld();
  try {
    await w.engineerJoins();
    const id = await w.eng.requestCommand('touch ran.txt', 'try');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    const res = await w.agent.request(ApproveCommand, { requestId: id, decision: 'deny' });
    assert.is(res.started, false);
    const d = await w.eng.waitFor('command_decision', (e) => e.payload.requestId === id);
    assert.is(d.payload.decision, 'deny');
    await readFile(join(w.dir, 'ran.txt')).then(() => assert.unreachable('the command ran'), () => {});
    const again = await rpcError(w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' }));
    assert.is(again.data.reason, 'not_found');
    assert.is((await w.agent.request(ListPendingRequests, {})).requests.length, 0);
  } finally {
    await w.cleanup();
  }
});

test('an unanswered request is denied at the timeout and the engineer is told why', async () => {
  const w = await startWorld({ env: { CODEVF_APPROVAL_TIMEOUT_MS: '300' } });
  try {
    await w.engineerJoins();
    const id = await w.eng.requestCommand('touch ran.txt', 'try');
    const resolved = await w.agent.waitFor(RequestResolved, (p) => p.requestId === id);
    assert.equal({ decision: resolved.decision, decidedBy: resolved.decidedBy }, { decision: 'deny', decidedBy: 'timeout' });
    const d = await w.eng.waitFor('command_decision', (e) => e.payload.requestId === id);
    assert.is(d.payload.decision, 'deny');
    assert.match(d.payload.reason ?? '', /did not answer/);
    const late = await rpcError(w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' }));
    assert.is(late.data.reason, 'not_found');
    assert.ok((await audit(w)).some((l) => l.event === 'decision' && l.requestId === id && l.decidedBy === 'timeout'));
  } finally {
    await w.cleanup();
  }
});

test('allow for the session covers that exact string only; chained commands are refused that scope', async () => {
  const w = await startWorld();
  try {
    await w.engineerJoins();
    const first = await w.eng.requestCommand('echo hi', 'greet');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === first);
    await w.agent.request(ApproveCommand, { requestId: first, decision: 'allow', scope: 'session' });
    await w.agent.waitFor(CommandFinished, (p) => p.requestId === first);

    const second = await w.eng.requestCommand('echo hi', 'again');
    const auto = await w.agent.waitFor(RequestResolved, (p) => p.requestId === second);
    assert.equal({ decision: auto.decision, decidedBy: auto.decidedBy }, { decision: 'allow', decidedBy: 'rule' });
    await w.agent.waitFor(CommandFinished, (p) => p.requestId === second);

    const similar = await w.eng.requestCommand('echo hi ', 'almost the same');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === similar);
    const pending = (await w.agent.request(ListPendingRequests, {})).requests;
    assert.ok(pending.some((r) => r.requestId === similar), 'a different string still asks');

    for (const cmd of ['echo a; rm -rf x', 'echo a && b', 'echo a || b', 'echo a | sh', 'echo `id`', 'echo $(id)', 'echo a > f', 'cat < f', 'echo a\nid', 'sleep 1 &']) {
      const id = await w.eng.requestCommand(cmd, 'chain');
      await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
      const err = await rpcError(w.agent.request(ApproveCommand, { requestId: id, decision: 'allow', scope: 'session' }));
      assert.is(err.data.reason, 'scope_not_allowed', cmd);
      await w.agent.request(ApproveCommand, { requestId: id, decision: 'deny' });
    }
    const lines = await audit(w);
    assert.ok(lines.some((l) => l.event === 'decision' && l.requestId === second && l.decidedBy === 'rule'));
    const ruled = await w.eng.waitFor('command_decision', (e) => e.payload.requestId === second);
    assert.is(ruled.payload.decision, 'allow');
    assert.match(ruled.payload.reason ?? '', /for this session/);
  } finally {
    await w.cleanup();
  }
});

test('secrets in command output are redacted before the front end and the engineer see them', async () => {
  const w = await startWorld();
  try {
    await w.engineerJoins();
    const aws = 'AKIA' + 'QWERTYUIOPASDFGH';
    const gh = 'ghp_' + 'a'.repeat(36);
    const id = await w.eng.requestCommand(`printf 'key=${aws}\\ntoken ${gh}\\nok\\n'; printf '${gh}\\n' >&2`, 'env');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === id);
    assert.is(fin.redactions, 3);
    const front = w.agent.notes.filter((n) => n.method === 'command_output' && n.params.requestId === id);
    const all = front.map((n) => n.params.data).join('');
    assert.not.ok(all.includes(aws) || all.includes(gh));
    assert.ok(all.includes('[REDACTED:'));
    assert.is(front.reduce((a, n) => a + n.params.redactions, 0), 3);
    await w.eng.waitFor('command_result', (e) => e.payload.requestId === id);
    const eng = w.eng.socket!.events.filter((e) => e.type === 'command_output').map((e: any) => e.payload.data).join('');
    assert.not.ok(eng.includes(aws) || eng.includes(gh));
    assert.ok(eng.includes('ok'));
    const fl = (await audit(w)).find((l) => l.event === 'command_finished' && l.requestId === id);
    assert.is(fl.redactions, 3);
  } finally {
    await w.cleanup();
  }
});

test('cancelCommand kills the whole process tree mid-run', async () => {
  const w = await startWorld();
  try {
    await w.engineerJoins();
    // The grandchild writes its pid, then both would run for a minute.
    const id = await w.eng.requestCommand('sh -c \'echo $$ > child.pid; echo started; sleep 60\' ; sleep 60', 'long');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    await w.agent.waitFor(CommandOutputNote, (p) => p.requestId === id && p.data.includes('started'));
    const res = await w.agent.request(CancelCommand, { requestId: id });
    assert.is(res.killed, true);
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === id, 15_000);
    assert.is(fin.exitCode, null);
    assert.ok(fin.signal);
    const childPid = Number((await readFile(join(w.dir, 'child.pid'), 'utf8')).trim());
    // Dead or a zombie waiting to be reaped (kill(pid, 0) still succeeds on a zombie).
    const gone = async () => {
      try { process.kill(childPid, 0); } catch { return true; }
      return readFile(`/proc/${childPid}/stat`, 'utf8').then((st) => / Z /.test(st), () => true);
    };
    await withTimeout((async () => { while (!(await gone())) await new Promise((r) => setTimeout(r, 20)); })(), 10_000, 'the grandchild to die');
    const r = await w.eng.waitFor('command_result', (e) => e.payload.requestId === id);
    assert.is(r.payload.exitCode, null);
  } finally {
    await w.cleanup();
  }
});

test('a command that runs past its timeout is killed and reported as timed out', async () => {
  const w = await startWorld({ args: ['--command-timeout-ms', '300'] });
  try {
    await w.engineerJoins();
    const id = await w.eng.requestCommand('sleep 30', 'slow');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === id, 15_000);
    assert.is(fin.timedOut, true);
    assert.is(fin.exitCode, null);
  } finally {
    await w.cleanup();
  }
});

test('a command folder is checked like a file path: inside runs there, outside is refused by the agent before asking', async () => {
  const w = await startWorld();
  try {
    await mkdir(join(w.dir, 'src'));
    await w.engineerJoins();
    const ok = await w.eng.requestCommand('pwd', 'where', 'src');
    const req = await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === ok);
    assert.ok(req.workingDirectory.endsWith('/src'));
    await w.agent.request(ApproveCommand, { requestId: ok, decision: 'allow' });
    await w.agent.waitFor(CommandFinished, (p) => p.requestId === ok);
    const out = w.agent.notes.filter((n) => n.method === 'command_output' && n.params.requestId === ok).map((n) => n.params.data).join('');
    assert.is(out.trim(), req.workingDirectory);
    for (const cwd of ['..', '../..', '/etc', 'src/../..', 'C:\\Windows', 'missing']) {
      const id = await w.eng.requestCommand('pwd', 'escape', cwd);
      const r = await w.agent.waitFor(RequestResolved, (p) => p.requestId === id);
      assert.equal({ decision: r.decision, decidedBy: r.decidedBy }, { decision: 'deny', decidedBy: 'agent' }, cwd);
      const d = await w.eng.waitFor('command_decision', (e) => e.payload.requestId === id);
      assert.equal([d.payload.decision, d.payload.decidedBy], ['deny', 'agent'], cwd);
      assert.match(d.payload.reason ?? '', /^refused by the customer's agent: /);
    }
  } finally {
    await w.cleanup();
  }
});

test('without a front end that handles approvals nothing is ever approved', async () => {
  const w = await startWorld({ approvals: false });
  try {
    await writeFile(join(w.dir, 'README.md'), '# app\n');
    await w.engineerJoins();
    const id = await w.eng.requestCommand('touch ran.txt', 'try');
    const r = await w.agent.waitFor(RequestResolved, (p) => p.requestId === id);
    assert.equal({ decision: r.decision, decidedBy: r.decidedBy }, { decision: 'deny', decidedBy: 'no_front_end' });
    const d = await w.eng.waitFor('command_decision', (e) => e.payload.requestId === id);
    assert.is(d.payload.decision, 'deny');
    const err = await rpcError(w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' }));
    assert.is(err.data.reason, 'not_found');
    const f = await w.eng.requestFile('README.md', 'read');
    const fr = await w.agent.waitFor(RequestResolved, (p) => p.requestId === f);
    assert.is(fr.decidedBy, 'no_front_end');
  } finally {
    await w.cleanup();
  }
});

test('an approved command is started by the agent\'s helper process, not forked from the agent (spawner.ts)', async () => {
  const w = await startWorld();
  try {
    await w.engineerJoins();
    const id = await w.eng.requestCommand('echo "parent $PPID"', 'who started me');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    // The helper is started once the session is (createTask), and used once it says it is ready: wait until it
    // is there (a child of the agent running node -e), then a little for its first message.
    const helper = async () => {
      const kids = await readFile(`/proc/${w.agent.proc.pid}/task/${w.agent.proc.pid}/children`, 'utf8').catch(() => '');
      for (const k of kids.trim().split(/\s+/).filter(Boolean)) {
        if ((await readFile(`/proc/${k}/cmdline`, 'utf8').catch(() => '')).split('\0').includes('-e')) return Number(k);
      }
      return 0;
    };
    let helperPid = 0;
    for (let i = 0; i < 200 && !(helperPid = await helper()); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(helperPid > 0, 'the agent started its helper');
    await new Promise((r) => setTimeout(r, 1500)); // node's start, under load
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    assert.is((await w.agent.waitFor(CommandFinished, (p) => p.requestId === id)).exitCode, 0);
    const out = w.agent.notes.filter((n) => n.method === 'command_output' && n.params.requestId === id).map((n) => n.params.data).join('');
    const parent = Number(/parent (\d+)/.exec(out)?.[1]);
    assert.ok(parent > 0, out);
    assert.is(parent, helperPid, 'the helper, not the agent');
  } finally {
    await w.cleanup();
  }
});

test.run();
