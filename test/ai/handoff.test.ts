// Every way an AI session reaches a human, through real processes: the customer's /human (escalate), the
// AI agent crashing, the AI agent not installed, the free allowance used up (hybrid hands off at once, ai
// is refused), and a tool outside allowedTools never started. No credit is charged before a human joins.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { Escalate } from '../../protocol/methods/ai.js';
import { CreateTask, SendMessage } from '../../protocol/methods/session.js';
import { isRpcError } from '../../frontends/tty/cli/errors.js';
import { api } from '../helpers/sandbox.js';
import { startAiWorld, type AiWorld } from './world.js';
import { AiMessageNote, AiStateNote, HandoffNote } from '../../protocol/index.js';

const test = suite('ai: hand-off to a human');
const CHAT = [{ say: 'Hi, I am here.' }, { end: 'end_turn' }];

async function rejection(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> {
  try { await p; } catch (e) { if (isRpcError(e)) return { code: e.code, reason: e.data.reason, message: e.message }; throw e; }
  throw new Error('expected a rejection');
}
const events = async (w: AiWorld, taskId: string) =>
  (await api(w.sb.url, 'GET', routes.tasks.events.path(taskId), { token: w.sb.customerToken })).body.events as any[];

test('/human (escalate): the AI agent is stopped, the transcript goes to the engineer, later messages go to the backend', async () => {
  const w = await startAiWorld({ steps: CHAT });
  try {
    const { taskId } = await w.agent.request(CreateTask, { description: 'flaky build', mode: 'ai' });
    await w.agent.waitFor(AiStateNote, (s) => s.state === 'ready' && s.detail === 'end_turn');
    await w.agent.request(SendMessage, { taskId, text: 'are you there?' });
    await w.agent.waitFor(AiMessageNote, (m) => m.text.includes('You said: are you there?'));
    const r = await w.agent.request(Escalate, { taskId });
    assert.equal([r.reason, r.entries > 0], ['customer_asked', true]);
    const h = await w.agent.waitFor(HandoffNote);
    assert.equal(h.transcript.filter((e: any) => e.type === 'message').map((e: any) => [e.from, e.text]),
      [['customer', 'flaky build'], ['ai', 'Hi, I am here.'], ['customer', 'are you there?'], ['ai', 'You said: are you there?']]);
    const again = await rejection(w.agent.request(Escalate, { taskId }));
    assert.is(again.reason, 'already_handed_off');
    const sent = await w.agent.request(SendMessage, { taskId, text: 'for the human' });
    assert.ok(sent.seq, 'stored by the backend');
    const log = await events(w, taskId);
    assert.equal(log.filter((e) => e.type === 'ai_transcript').map((e) => e.payload), h.transcript);
    assert.equal(log.filter((e) => e.type === 'handoff').map((e) => e.payload.reason), ['customer_asked']);
  } finally { await w.cleanup(); }
});

test('the AI agent crashing mid-turn hands a hybrid task off (ai_failed) with what it said so far', async () => {
  const w = await startAiWorld({ steps: [{ say: 'Looking...' }, { exit: 3 }] });
  try {
    const { taskId } = await w.agent.request(CreateTask, { description: 'segfault', mode: 'hybrid' });
    const h = await w.agent.waitFor(HandoffNote);
    assert.is(h.reason, 'ai_failed');
    assert.match(h.detail ?? '', 'exit code 3');
    assert.ok(h.transcript.some((e: any) => e.type === 'message' && e.from === 'ai' && e.text === 'Looking...'));
    assert.equal((await events(w, taskId)).filter((e) => e.type === 'handoff').map((e) => e.payload.reason), ['ai_failed']);
  } finally { await w.cleanup(); }
});

test('an AI tool that is not installed hands a hybrid task off at once; in ai mode the customer is told to ask for a human', async () => {
  const w = await startAiWorld({ allowedTools: ['scripted', 'opencode'] });
  try {
    const { taskId } = await w.agent.request(CreateTask, { description: 'x', mode: 'ai', aiTool: 'opencode' });
    const st = await w.agent.waitFor(AiStateNote, (s) => s.state === 'stopped');
    assert.match(st.detail ?? '', 'opencode is not installed');
    assert.match(st.detail ?? '', '/human');
    const refused = await rejection(w.agent.request(SendMessage, { taskId, text: 'hello?' }));
    assert.is(refused.reason, 'ai_stopped');
    const r = await w.agent.request(Escalate, { taskId });
    assert.is(r.reason, 'customer_asked');
  } finally { await w.cleanup(); }
});

test('a tool outside allowedTools is never started; the free allowance used up: ai is refused, hybrid goes to a human at once', async () => {
  const w = await startAiWorld({ sandboxArgs: ['--ai-daily-sessions', '0'] });
  try {
    const notAllowed = await rejection(w.agent.request(CreateTask, { description: 'x', mode: 'ai', aiTool: 'gemini' }));
    assert.is(notAllowed.reason, 'ai_tool_not_allowed');
    const me = (await api(w.sb.url, 'GET', routes.account.me.path(), { token: w.sb.customerToken })).body.balance;
    const out = await rejection(w.agent.request(CreateTask, { description: 'x', mode: 'ai' }));
    assert.is(out.reason, 'ai_allowance_exhausted');
    assert.match(out.message, 'human');
    const t = await w.agent.request(CreateTask, { description: 'hybrid past the allowance', mode: 'hybrid' });
    const h = await w.agent.waitFor(HandoffNote);
    assert.equal([h.reason, h.transcript], ['ai_allowance_exhausted', []]);
    assert.equal(await w.aiSaw(), [], 'the AI agent never started');
    const queue = await api(w.sb.url, 'GET', routes.engineer.openTasks.path(), { token: w.sb.engineerToken });
    assert.ok(queue.body.tasks.some((x: any) => x.taskId === t.taskId));
    assert.is((await api(w.sb.url, 'GET', routes.account.me.path(), { token: w.sb.customerToken })).body.balance, me);
  } finally { await w.cleanup(); }
});

test('a project mode of hybrid is the default; an explicit mode human overrides it', async () => {
  const w = await startAiWorld({ steps: CHAT, config: { mode: 'hybrid' } });
  try {
    const human = await w.agent.request(CreateTask, { description: 'just a human', mode: 'human' });
    assert.equal([human.mode, human.aiTool], ['human', null]);
    assert.equal(await w.aiSaw(), []);
  } finally { await w.cleanup(); }
  const w2 = await startAiWorld({ steps: CHAT, config: { mode: 'hybrid' } });
  try {
    const t = await w2.agent.request(CreateTask, { description: 'default mode' });
    assert.equal([t.mode, t.aiTool], ['hybrid', 'scripted']);
    await w2.agent.waitFor(AiMessageNote, (m) => m.text.includes('I am here'));
  } finally { await w2.cleanup(); }
});

test.run();
