import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { ScriptedEngineer, TaskSocket } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { createTask, key, liveTask, OTHER_CUSTOMER, OTHER_ENGINEER, post, tokenFor } from './_util.js';

const test = suite('backend tasks');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox({ args: ['--seed-extra'] }); });
test.after(async () => { await sb?.stop(); });

const t = routes.tasks;

test('create answers an open task; the engineer queue lists it', async () => {
  const r = await post(sb, t.create.path(), { issue: 'checkout returns 500' }, {});
  assert.is(r.status, 200);
  assert.equal([r.body.status, r.body.engineer, r.body.lastSeq, r.body.creditsPerMinute], ['open', null, 0, 1]);
  const q = await api(sb.url, 'GET', routes.engineer.openTasks.path(), { token: sb.engineerToken });
  assert.ok(q.body.tasks.some((x: any) => x.taskId === r.body.taskId));
  const mine = await api(sb.url, 'GET', t.list.path(), { token: sb.customerToken });
  assert.ok(mine.body.tasks.some((x: any) => x.taskId === r.body.taskId));
});

test('messages need an Idempotency-Key; a retry is stored once and answered the same', async () => {
  const taskId = await createTask(sb);
  const none = await post(sb, t.sendMessage.path(taskId), { text: 'hi' }, {});
  assert.equal([none.status, none.body.error.code], [400, 'idempotency_key_missing']);
  const h = key();
  const [a, b] = await Promise.all([post(sb, t.sendMessage.path(taskId), { text: 'hi' }, h), post(sb, t.sendMessage.path(taskId), { text: 'hi' }, h)]);
  assert.equal(a.body, b.body);
  const c = await post(sb, t.sendMessage.path(taskId), { text: 'hi' }, h);
  assert.equal(c.body, a.body);
  const page = await api(sb.url, 'GET', t.events.path(taskId), { token: sb.customerToken });
  assert.equal(page.body.events.map((e: any) => [e.type, e.payload.text]), [['customer_message', 'hi']]);
  const reuse = await post(sb, t.sendMessage.path(taskId), { text: 'other' }, h);
  assert.equal([reuse.status, reuse.body.error.code], [422, 'idempotency_key_reused']);
});

test('an empty message is a 400 naming body.text', async () => {
  const taskId = await createTask(sb);
  const r = await post(sb, t.sendMessage.path(taskId), { text: '' }, key());
  assert.match(r.body.error.message, /^body\.text:/);
});

test('command flow: request, allow, streamed output (resent chunk shown once), result', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  const requestId = await engineer.requestCommand('npm test', 'see failing test');
  const req = await customer.waitFor('request_command');
  assert.equal(req.payload, { requestId, command: 'npm test', reason: 'see failing test' });
  const early = await post(sb, t.commandOutput.path(taskId), { requestId, stream: 'stdout', index: 0, data: 'x' });
  assert.equal([early.status, early.body.error.code], [409, 'command_not_allowed']);
  await post(sb, t.approveCommand.path(taskId), { requestId, decision: 'allow' });
  assert.is((await engineer.waitFor('command_decision')).payload.decision, 'allow');
  const c0 = await post(sb, t.commandOutput.path(taskId), { requestId, stream: 'stdout', index: 0, data: 'PASS a\n' });
  const again = await post(sb, t.commandOutput.path(taskId), { requestId, stream: 'stdout', index: 0, data: 'PASS a\n' });
  assert.is(again.body.seq, c0.body.seq);
  await customer.send('command_output', { requestId, stream: 'stderr', index: 0, data: 'warn\n' });
  await post(sb, t.commandResult.path(taskId), { requestId, exitCode: 0, durationMs: 1200 });
  const result = await engineer.waitFor('command_result');
  assert.equal(result.payload, { requestId, exitCode: 0, signal: null, durationMs: 1200, truncated: false });
  const outputs = engineer.socket!.events.filter((e) => e.type === 'command_output').map((e: any) => [e.payload.stream, e.payload.data]);
  assert.equal(outputs, [['stdout', 'PASS a\n'], ['stderr', 'warn\n']]);
  const late = await post(sb, t.commandResult.path(taskId), { requestId, exitCode: 1 });
  assert.equal([late.status, late.body.error.code], [409, 'command_finished']);
  await engineer.close(); await customer.close();
});

test('a denied command tells the engineer and accepts no output; answering twice is a conflict', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  const requestId = await engineer.requestCommand('rm -rf /', 'cleanup');
  await post(sb, t.approveCommand.path(taskId), { requestId, decision: 'deny', reason: 'no' });
  assert.equal((await engineer.waitFor('command_decision')).payload, { requestId, decision: 'deny', reason: 'no' });
  const out = await post(sb, t.commandOutput.path(taskId), { requestId, stream: 'stdout', index: 0, data: 'x' });
  assert.is(out.body.error.code, 'command_not_allowed');
  const twice = await post(sb, t.approveCommand.path(taskId), { requestId, decision: 'allow' });
  assert.is(twice.body.error.code, 'request_already_answered');
  const unknown = await post(sb, t.approveCommand.path(taskId), { requestId: 'req_nope', decision: 'allow' });
  assert.equal([unknown.status, unknown.body.error.code], [404, 'request_not_found']);
  await engineer.close(); await customer.close();
});

test('file flow: requested file uploaded and downloaded by the engineer; unasked files too; deny works', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  const requestId = await engineer.requestFile('src/auth.js', 'read the login code');
  assert.is((await customer.waitFor('request_file')).payload.path, 'src/auth.js');
  const content = Buffer.from('export const login = () => {};\n');
  await post(sb, t.uploadFile.path(taskId), { requestId, path: 'src/auth.js', contentBase64: content.toString('base64') });
  const up = await engineer.waitFor('file_upload');
  assert.equal([up.payload.requestId, up.payload.path, up.payload.size], [requestId, 'src/auth.js', content.length]);
  assert.equal(await engineer.download(up.payload.downloadPath), content);
  await customer.send('file_upload', { path: 'notes.txt', contentBase64: Buffer.from('hi').toString('base64') });
  assert.is((await engineer.waitFor('file_upload')).payload.requestId, null);
  const second = await engineer.requestFile('.env', 'config');
  await post(sb, t.approveFile.path(taskId), { requestId: second, decision: 'deny' });
  assert.is((await engineer.waitFor('file_decision')).payload.decision, 'deny');
  const after = await post(sb, t.uploadFile.path(taskId), { requestId: second, path: '.env', contentBase64: '' });
  assert.is(after.body.error.code, 'request_already_answered');
  await engineer.close(); await customer.close();
});

test('screenshare and chat reach the customer in order', async () => {
  const { engineer, customer } = await liveTask(sb);
  await engineer.say('Hello! Looking at your auth flow.');
  const rid = await engineer.screenshare('https://meet.example.com/abc');
  assert.is((await customer.waitFor('engineer_message')).payload.text, 'Hello! Looking at your auth flow.');
  assert.equal((await customer.waitFor('screenshare_request')).payload, { requestId: rid, url: 'https://meet.example.com/abc' });
  await customer.send('customer_message', { text: 'thanks' });
  assert.is((await engineer.waitFor('customer_message')).payload.text, 'thanks');
  await engineer.close(); await customer.close();
});

test('end-session returns the summary, closes both sockets, and is the same when repeated; then rate once', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  const end = await post(sb, t.endSession.path(taskId), {}, {});
  assert.is(end.status, 200);
  assert.equal([end.body.engineer.name, end.body.reason, end.body.creditsUsed], ['Maria', 'customer_ended', 0]);
  assert.equal((await customer.waitFor('session_end')).payload, end.body);
  assert.is((await customer.closed).code, 1000);
  assert.is((await engineer.socket!.closed).code, 1000);
  assert.equal((await post(sb, t.endSession.path(taskId), {}, {})).body, end.body);
  const msg = await post(sb, t.sendMessage.path(taskId), { text: 'late' });
  assert.equal([msg.status, msg.body.error.code], [409, 'task_ended']);
  const bad = await post(sb, t.rate.path(taskId), { rating: 6 }, {});
  assert.match(bad.body.error.message, /body\.rating: rating must be 1 to 5/);
  const rated = await post(sb, t.rate.path(taskId), { rating: 5, comment: 'great' }, {});
  assert.equal(rated.body, { taskId, rating: 5, comment: 'great' });
  assert.is((await post(sb, t.rate.path(taskId), { rating: 4 }, {})).body.error.code, 'already_rated');
});

test('rating before the end is refused', async () => {
  const taskId = await createTask(sb);
  const r = await post(sb, t.rate.path(taskId), { rating: 5 }, {});
  assert.equal([r.status, r.body.error.code], [409, 'session_active']);
});

test('someone else\'s task is 403 not_your_task for customers and engineers', async () => {
  const taskId = await createTask(sb);
  const otherCustomer = await tokenFor(sb.url, OTHER_CUSTOMER, ['tasks']);
  const r = await post(sb, t.sendMessage.path(taskId), { text: 'x' }, key(), otherCustomer);
  assert.equal([r.status, r.body.error.code], [403, 'not_your_task']);
  await new ScriptedEngineer(sb.url, sb.engineerToken).claim(taskId);
  const sam = await tokenFor(sb.url, OTHER_ENGINEER, ['engineer']);
  const claim = await post(sb, routes.engineer.claim.path(taskId), {}, {}, sam);
  assert.equal([claim.status, claim.body.error.code], [409, 'already_claimed']);
  const err = await TaskSocket.open(sb.url + routes.engineer.events.path(taskId), sam).catch((e) => e);
  assert.equal([err.status, JSON.parse(err.body).error.code], [403, 'not_your_task']);
  const cust = await TaskSocket.open(sb.url + t.events.path(taskId), otherCustomer).catch((e) => e);
  assert.is(cust.status, 403);
  const act = await post(sb, routes.engineer.act.path(taskId), { type: 'engineer_message', payload: { text: 'hi' } }, key(), sam);
  assert.is(act.body.error.code, 'not_your_task');
});

test('engineer actions also work over HTTP with an idempotency key', async () => {
  const taskId = await createTask(sb);
  await new ScriptedEngineer(sb.url, sb.engineerToken).claim(taskId);
  const h = key();
  const body = { type: 'request_command', payload: { command: 'ls', reason: 'look' } };
  const a = await post(sb, routes.engineer.act.path(taskId), body, h, sb.engineerToken);
  const b = await post(sb, routes.engineer.act.path(taskId), body, h, sb.engineerToken);
  assert.match(a.body.requestId, /^req_/);
  assert.equal(a.body, b.body);
  const bad = await post(sb, routes.engineer.act.path(taskId), { type: 'launch_missiles', payload: {} }, key(), sb.engineerToken);
  assert.equal([bad.status, bad.body.error.code], [400, 'invalid_body']);
});

test('a bad WebSocket frame gets an error frame naming the field; the socket stays usable', async () => {
  const { engineer, customer } = await liveTask(sb);
  const err = await customer.sendRaw('command_decision', { requestId: 'r', decision: 'maybe' }).catch((e) => e);
  assert.is(err.code, 'invalid_frame');
  assert.match(err.message, /frame\.payload\.decision/);
  await customer.send('customer_message', { text: 'still here' });
  assert.is((await engineer.waitFor('customer_message')).payload.text, 'still here');
  await engineer.close(); await customer.close();
});

test.run();
