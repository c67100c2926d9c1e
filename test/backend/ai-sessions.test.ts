// AI and hybrid tasks in the sandbox: free within a daily allowance, invisible to engineers until handed
// off, the transcript stored as events, and no credit charged before a human engineer joins.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { ScriptedEngineer, TaskSocket } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { post } from './_util.js';

const MINUTE_MS = 150;
const test = suite('backend: AI sessions, allowance and hand-off');
let sb: Sandbox;
const closers: Array<{ close(): Promise<unknown> }> = [];
test.before(async () => {
  sb = await startSandbox({ args: ['--minute-ms', String(MINUTE_MS), '--seed-credits', '10', '--ai-daily-sessions', '2'] });
});
test.after(async () => { for (const c of closers) await c.close(); await sb?.stop(); });

const t = routes.tasks;
const balance = async () => (await api(sb.url, 'GET', routes.account.me.path(), { token: sb.customerToken })).body.balance;
const create = (body: Record<string, unknown>) => api(sb.url, 'POST', t.create.path(), { token: sb.customerToken, body });
const queue = async () => (await api(sb.url, 'GET', routes.engineer.openTasks.path(), { token: sb.engineerToken })).body.tasks.map((x: any) => x.taskId);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const transcript = [
  { type: 'message', from: 'customer', text: 'tests fail after the upgrade' },
  { type: 'message', from: 'ai', text: 'I will run the tests.' },
  { type: 'request', requestId: 'ai_1', kind: 'command', subject: 'npm test', reason: 'see the failure' },
  { type: 'decision', requestId: 'ai_1', decision: 'allow', decidedBy: 'customer' },
  { type: 'output', requestId: 'ai_1', text: 'FAIL login.test.js <script>x</script>', exitCode: 1 },
];

let hybridId = '';

test('a hybrid task within the allowance is the AI\'s alone: not in the queue, not claimable, not readable by engineers', async () => {
  const r = await create({ issue: 'tests fail', mode: 'hybrid', aiTool: 'opencode' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  hybridId = r.body.taskId;
  assert.equal([r.body.mode, r.body.aiTool, r.body.handedOffAt, r.body.status], ['hybrid', 'opencode', null, 'open']);
  assert.not.ok((await queue()).includes(hybridId));
  const claim = await api(sb.url, 'POST', routes.engineer.claim.path(hybridId), { token: sb.engineerToken, body: {} });
  assert.equal([claim.status, claim.body.error.code], [409, 'ai_session']);
  const get = await api(sb.url, 'GET', routes.engineer.get.path(hybridId), { token: sb.engineerToken });
  assert.is(get.status, 404);
});

test('no credits are charged while only the AI works', async () => {
  const before = await balance();
  await sleep(MINUTE_MS * 4); // several billing minutes pass with the AI alone
  assert.is(await balance(), before);
});

test('the hand-off stores the transcript as events, puts the task in the queue, and billing starts when the engineer joins', async () => {
  const bad = await post(sb, t.handoff.path(hybridId), { reason: 'customer_asked', transcript: [{ type: 'shell', text: 'rm -rf /' }] });
  assert.equal([bad.status, bad.body.error.code], [400, 'invalid_body']);
  const r = await post(sb, t.handoff.path(hybridId), { reason: 'ai_refused', detail: 'the AI stopped', transcript });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body, { reason: 'ai_refused', detail: 'the AI stopped', aiTool: 'opencode', entries: 5 });
  const again = await post(sb, t.handoff.path(hybridId), { reason: 'customer_asked', transcript: [] });
  assert.equal([again.status, again.body.error.code], [409, 'already_handed_off']);
  assert.ok((await queue()).includes(hybridId));

  const engineer = new ScriptedEngineer(sb.url, sb.engineerToken);
  closers.push(engineer);
  const claimed = await engineer.claim(hybridId);
  assert.ok(claimed.handedOffAt);
  const sock = await engineer.connect(hybridId);
  const handoff = await sock.waitFor('handoff');
  const entries = sock.events.filter((e) => e.type === 'ai_transcript').map((e) => e.payload);
  assert.equal(entries, transcript);
  assert.is(handoff.payload.reason, 'ai_refused');
  const before = await balance();
  const customer = await TaskSocket.open(sb.url + t.events.path(hybridId), sb.customerToken);
  closers.push(customer);
  const bill = await customer.waitFor('billing_update');
  assert.is(bill.payload.balance, before - 1);
});

test('a human task has no hand-off; the allowance is per day: ai is refused, hybrid goes straight to a human', async () => {
  const human = await create({ issue: 'plain human task' });
  assert.is(human.body.mode, 'human');
  const h = await post(sb, t.handoff.path(human.body.taskId), { reason: 'customer_asked', transcript: [] });
  assert.equal([h.status, h.body.error.code], [409, 'not_an_ai_task']);

  const second = await create({ issue: 'second AI session', mode: 'ai', aiTool: 'gemini' });
  assert.is(second.status, 200); // allowance 2: the hybrid task above and this one
  const third = await create({ issue: 'third AI session', mode: 'ai' });
  assert.equal([third.status, third.body.error.code], [402, 'ai_allowance_exhausted']);
  assert.match(third.body.error.message, 'human');
  const hybrid = await create({ issue: 'hybrid past the allowance', mode: 'hybrid', aiTool: 'gemini' });
  assert.is(hybrid.status, 200);
  assert.ok(hybrid.body.handedOffAt, 'handed off at creation');
  assert.ok((await queue()).includes(hybrid.body.taskId));
  const events = await api(sb.url, 'GET', t.events.path(hybrid.body.taskId), { token: sb.customerToken });
  assert.equal(events.body.events.map((e: any) => [e.type, e.payload.reason]), [['handoff', 'ai_allowance_exhausted']]);
});

test.run();
