import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApproveCommand, EndSession, ListPendingRequests, RateSession } from '../../protocol/methods/session.js';
import { startWorld } from './harness.js';
import { BillingUpdateNote, CommandFinished, CommandOutputNote, ConnectionState, RequestCommandNote, RequestFileNote, RequestResolved, SessionEndNote } from '../../protocol/index.js';

test('billing updates arrive; endSession kills running commands, closes prompts and returns the summary; rating works', async () => {
  const w = await startWorld({ sandboxArgs: ['--minute-ms', '200'] });
  try {
    await w.engineerJoins();
    const bill = await w.agent.waitFor(BillingUpdateNote, () => true, 15_000);
    assert.ok(bill.creditsUsed >= 1);
    assert.is(bill.taskId, w.taskId);
    const run = await w.eng.requestCommand('echo started; sleep 60', 'long');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === run);
    await w.agent.request(ApproveCommand, { requestId: run, decision: 'allow' });
    await w.agent.waitFor(CommandOutputNote, (p) => p.requestId === run);
    await writeFile(join(w.dir, 'README.md'), '# app\n');
    const open = await w.eng.requestFile('README.md', 'read');
    await w.agent.waitFor(RequestFileNote, (p) => p.requestId === open);

    const summary = await w.agent.request(EndSession, { taskId: w.taskId });
    assert.is(summary.taskId, w.taskId);
    assert.is(summary.reason, 'customer_ended');
    assert.ok(summary.engineer);
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === run);
    assert.is(fin.exitCode, null);
    const closed = await w.agent.waitFor(RequestResolved, (p) => p.requestId === open);
    assert.is(closed.decidedBy, 'policy');
    assert.is((await w.agent.request(ListPendingRequests, {})).requests.length, 0);
    await w.agent.waitFor(ConnectionState, (p) => p.state === 'closed');
    const rated = await w.agent.request(RateSession, { taskId: w.taskId, rating: 5, comment: 'great' });
    assert.equal(rated, { taskId: w.taskId, rating: 5, comment: 'great' });
  } finally {
    await w.cleanup();
  }
});

test('when the engineer ends the session the front end gets session_end with the summary and the stream closes', async () => {
  const w = await startWorld();
  try {
    await w.engineerJoins();
    // The socket closes right after session_end, before the frame's ack: do not wait for the ack.
    void w.eng.endSession().catch(() => {});
    const end = await w.agent.waitFor(SessionEndNote);
    assert.is(end.taskId, w.taskId);
    assert.is(end.reason, 'engineer_ended');
    assert.ok(end.seq > 0);
    await w.agent.waitFor(ConnectionState, (p) => p.state === 'closed');
  } finally {
    await w.cleanup();
  }
});

test.run();
