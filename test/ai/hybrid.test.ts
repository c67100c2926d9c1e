import { BillingUpdateNote, CommandFinished, EngineerConnectedNote, RequestCommandNote, RequestFileNote } from '../../protocol/index.js';
// Hybrid mode through real processes: the agent starts the scripted ACP agent as the AI; the AI chats,
// asks to read a file, run a command and write a file — each put to the customer exactly as an engineer's
// request, with the AI named as the requester — then gives up, and the task goes to a human with the
// transcript. No credit is charged until an engineer joins.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { ApproveCommand, ApproveWrite, CreateTask, SendMessage, UploadFile } from '../../protocol/methods/session.js';
import { ScriptedEngineer } from '../helpers/engineer.js';
import { api } from '../helpers/sandbox.js';
import { startAiWorld, type AiWorld } from './world.js';
import { AiMessageNote, HandoffNote, RequestWriteNote } from '../../protocol/index.js';

const test = suite<{ w: AiWorld; taskId: string; balance: number }>('ai: hybrid session with the scripted ACP agent');
test.before(async (ctx) => { ctx.w = await startAiWorld({ sandboxArgs: ['--minute-ms', '300'] }); });
test.after(async (ctx) => { await ctx.w?.cleanup(); });
test.after.each(async (ctx) => { if (process.env.CVF_DEBUG) process.stderr.write(ctx.w.agent.stderr().slice(-4000)); });

const AI = { type: 'ai', name: 'Scripted AI', tool: 'scripted' };
const balance = (w: AiWorld) => api(w.sb.url, 'GET', routes.account.me.path(), { token: w.sb.customerToken }).then((r) => r.body.balance as number);

test('createTask in hybrid mode starts the AI; what it says arrives as ai_message under its own name', async (ctx) => {
  const { w } = ctx;
  ctx.balance = await balance(w);
  const t = await w.agent.request(CreateTask, { description: 'the login test fails', mode: 'hybrid' });
  ctx.taskId = t.taskId;
  assert.equal([t.mode, t.aiTool], ['hybrid', 'scripted']);
  const said = await w.agent.waitFor(AiMessageNote, (m) => m.text.includes('scripted AI'));
  assert.equal([said.aiTool, said.aiTitle], ['scripted', 'Scripted AI']);
  const saw = await w.aiSaw();
  const caps = saw.find((e) => e.initialize)?.initialize;
  assert.equal([caps.fs, caps.terminal], [{ readTextFile: true, writeTextFile: true }, true]);
  assert.equal(saw.find((e) => e.prompt)?.prompt, 'the login test fails');
});

test('the AI\'s read is a file request put to the customer; what it gets is redacted', async ({ w }) => {
  const req = await w.agent.waitFor(RequestFileNote);
  assert.equal([req.path, req.requester, req.engineer, req.refused], ['src/app.js', AI, null, null]);
  assert.equal((await w.aiSaw()).filter((e) => 'read' in e), [], 'nothing is read before the yes');
  await w.agent.request(UploadFile, { requestId: req.requestId, decision: 'allow' });
  await w.agent.waitFor(AiMessageNote, (m) => m.text.includes('I read src/app.js'));
  const read = (await w.aiSaw()).find((e) => e.read);
  assert.ok(read.ok);
  assert.not.match(read.content, 'AKIAIOSFODNN7EXAMPLE');
  assert.match(read.content, '[REDACTED:');
});

test('the AI\'s terminal is a command request; it runs only after the yes and the AI gets its output', async ({ w }) => {
  const req = await w.agent.waitFor(RequestCommandNote);
  assert.equal([req.command, req.requester], ['echo ai-ran-tests', AI]);
  assert.match(req.reason, 'Scripted AI (AI) wants to run this command');
  await w.agent.request(ApproveCommand, { requestId: req.requestId, decision: 'allow' });
  await w.agent.waitFor(CommandFinished, (f) => f.requestId === req.requestId);
  await w.agent.waitFor(AiMessageNote, (m) => m.text.includes('exited with 0'));
  const run = (await w.aiSaw()).find((e) => e.run);
  assert.equal([run.ok, run.exitCode, run.output.trim()], [true, 0, 'ai-ran-tests']);
});

test('the AI\'s write shows a diff; denied, the file is unchanged and the AI is told', async ({ w }) => {
  const req = await w.agent.waitFor(RequestWriteNote);
  assert.equal([req.path, req.newFile, req.requester], ['src/app.js', false, AI]);
  assert.match(req.diff, '+export const fixed = true;');
  assert.match(req.diff, '-export const ok = false;');
  await w.agent.request(ApproveWrite, { requestId: req.requestId, decision: 'deny' });
  await w.agent.waitFor(AiMessageNote, (m) => m.text.includes('write was refused'));
  assert.is(await readFile(join(w.dir, 'src/app.js'), 'utf8'), 'export const key = "AKIAIOSFODNN7EXAMPLE";\nexport const ok = false;\n');
  const audit = (await readFile(join(w.dir, '.codevf/audit.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const decided = audit.filter((a) => a.event === 'decision' && a.requester?.type === 'ai').map((a) => [a.kind, a.decision, a.decidedBy]);
  assert.equal(decided, [['file', 'allow', 'customer'], ['command', 'allow', 'customer'], ['write', 'deny', 'customer']]);
  assert.ok(audit.find((a) => a.event === 'request' && a.kind === 'write').diffSha256.match(/^[0-9a-f]{64}$/));
});

test('the AI gives up: the task goes to a human with the transcript, and the customer sees what the engineer will see', async (ctx) => {
  const { w, taskId } = ctx;
  const h = await w.agent.waitFor(HandoffNote);
  assert.equal([h.reason, h.aiTool], ['ai_refused', 'scripted']);
  const types = h.transcript.map((e: any) => e.type === 'message' ? `${e.type}:${e.from}` : `${e.type}:${e.kind ?? e.decision ?? ''}`);
  assert.equal(types.slice(0, 2), ['message:customer', 'message:ai']);
  assert.ok(types.includes('request:file') && types.includes('request:command') && types.includes('request:write') && types.includes('decision:deny'), types.join(' '));
  assert.not.match(JSON.stringify(h.transcript), 'AKIAIOSFODNN7EXAMPLE');
  const queue = await api(w.sb.url, 'GET', routes.engineer.openTasks.path(), { token: w.sb.engineerToken });
  assert.ok(queue.body.tasks.some((t: any) => t.taskId === taskId && t.handedOffAt), 'in the human queue');
  assert.is(await balance(w), ctx.balance, 'no credits while only the AI worked');
});

test('the engineer sees the transcript, joins, and the customer now talks to the engineer (billing starts)', async (ctx) => {
  const { w, taskId } = ctx;
  const eng = new ScriptedEngineer(w.sb.url, w.sb.engineerToken);
  await eng.claim(taskId);
  const sock = await eng.connect(taskId);
  await sock.waitFor('handoff');
  const entries = sock.events.filter((e) => e.type === 'ai_transcript').map((e) => e.payload);
  assert.equal(entries, (await w.agent.waitFor(HandoffNote)).transcript);
  await w.agent.waitFor(EngineerConnectedNote);
  const sent = await w.agent.request(SendMessage, { taskId, text: 'hello human' });
  assert.is(sent.queued, false);
  assert.ok(sent.seq);
  assert.is((await eng.waitFor('customer_message')).payload.text, 'hello human');
  const bill = await w.agent.waitFor(BillingUpdateNote);
  assert.is(bill.balance, ctx.balance - bill.creditsUsed);
  assert.ok(bill.creditsUsed >= 1);
  await eng.close();
});

test.run();
