// Per-task and per-account limits: engineer requests (rate, awaiting an answer), a task's stored log, shared
// file bytes, frames per socket, idempotency keys pruned after their TTL, open tasks per account and long
// polls per task.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { TaskSocket } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { createTask, liveTask, post } from './_util.js';

const test = suite('backend limits');
let sb: Sandbox;
test.before(async () => {
  sb = await startSandbox({ args: ['--open-requests', '3', '--requests-per-minute', '5', '--max-task-log-mb', '1',
    '--max-files-mb-per-account', '1', '--frames-per-second', '20', '--idempotency-ttl-h', '0.0002'] });
});
test.after(async () => { await sb?.stop(); });

const code = (p: Promise<unknown>) => p.then(() => 'ok', (e) => e.code as string);

test('an engineer gets a clear error past 3 requests awaiting the customer and past 5 requests a minute', async () => {
  const { engineer, customer } = await liveTask(sb);
  const ids = [await engineer.requestCommand('ls', 'a'), await engineer.requestCommand('ls', 'b'), await engineer.requestFile('x', 'c')];
  assert.is(await code(engineer.requestCommand('ls', 'd')), 'too_many_open_requests');
  for (const requestId of ids.slice(0, 2)) await customer.send('command_decision', { requestId, decision: 'deny' });
  const next = () => code(engineer.requestCommand('ls', 'again'));
  assert.equal([await next(), await next(), await next()], ['ok', 'ok', 'too_many_open_requests']);
  await customer.send('file_decision', { requestId: ids[2], decision: 'deny' });
  assert.is(await next(), 'rate_limited');
  await customer.close(); await engineer.close();
});

test('a task stores at most 1 MB of messages; past it a message is refused and the session still ends', async () => {
  const { engineer, customer } = await liveTask(sb);
  const codes: string[] = [];
  for (let i = 0; i < 60; i++) codes.push(await code(customer.send('customer_message', { text: `${i} `.padEnd(20_000, 'x') })));
  const first = codes.indexOf('task_log_full');
  assert.ok(first > 45 && first < 53, `refused from message ${first}`);
  assert.ok(codes.slice(first).every((c) => c === 'task_log_full'));
  await engineer.socket!.send('end_session', {});
  await customer.waitFor('session_end');
  await customer.close(); await engineer.close();
});

test('shared files count against the account: the file that would pass 1 MB is a 413', async () => {
  const taskId = await createTask(sb);
  const file = (n: number) => ({ path: `f${n}.bin`, contentBase64: Buffer.alloc(400 * 1024, n).toString('base64') });
  const statuses: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await post(sb, routes.tasks.uploadFile.path(taskId), file(i));
    statuses.push(r.status === 200 ? 200 : r.body.error.code);
  }
  assert.equal(statuses, [200, 200, 'file_quota_exceeded']);
});

test('a socket sending over 20 frames a second past its burst gets rate_limited answers, and the rest are stored', async () => {
  const taskId = await createTask(sb);
  const s = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken);
  const codes = await Promise.all(Array.from({ length: 300 }, (_, i) => code(s.send('customer_message', { text: `m${i}` }))));
  const stored = codes.filter((c) => c === 'ok').length;
  assert.ok(stored >= 100 && stored < 300, `${stored} stored`);
  assert.is(codes.filter((c) => c === 'rate_limited').length, 300 - stored);
  await s.close();
});

test('idempotency keys are pruned after their TTL, and an expired key is a new request', async () => {
  const taskId = await createTask(sb);
  const headers = { 'idempotency-key': 'prune-me' };
  assert.is((await post(sb, routes.tasks.sendMessage.path(taskId), { text: 'one' }, headers)).status, 200);
  const db = new Database(join(sb.dataDir, 'sandbox.db'), { readonly: true });
  try {
    const rows = () => (db.prepare(`SELECT COUNT(*) AS n FROM idempotency WHERE key = 'prune-me'`).get() as { n: number }).n;
    assert.is(rows(), 1);
    for (let i = 0; i < 200 && rows() > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.is(rows(), 0);
  } finally {
    db.close();
  }
  assert.is((await post(sb, routes.tasks.sendMessage.path(taskId), { text: 'two' }, headers)).status, 200);
});

test('the key of a socket frame is pruned after the TTL too: cleared from its event, and the frame resent after it is a new message', async () => {
  const { taskId, customer, engineer } = await liveTask(sb);
  const first = await customer.send('customer_message', { text: 'prune my key' }, 'prune-frame');
  const db = new Database(join(sb.dataDir, 'sandbox.db'), { readonly: true });
  try {
    const keyed = () => db.prepare(`SELECT COUNT(*) FROM events WHERE task_id = ? AND idem LIKE '% prune-frame'`).pluck().get(taskId) as number;
    assert.is(keyed(), 1);
    for (let i = 0; i < 200 && keyed() > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.is(keyed(), 0);
  } finally {
    db.close();
  }
  const again = await customer.send('customer_message', { text: 'prune my key' }, 'prune-frame');
  assert.ok(again.seq > first.seq, `a new message (seq ${again.seq} after ${first.seq})`);
  await customer.close(); await engineer.close();
});

test('a restart long after the last event reads no event the pruner has passed (a key planted there is left, and not live)', async () => {
  const { taskId, customer, engineer } = await liveTask(sb);
  const first = await customer.send('customer_message', { text: 'soon old' }, 'old-frame');
  const file = join(sb.dataDir, 'sandbox.db');
  const keyed = () => {
    const db = new Database(file, { readonly: true });
    try { return db.prepare(`SELECT id, idem FROM events WHERE task_id = ? AND seq = ?`).raw().get(taskId, first.seq) as [number, string | null]; }
    finally { db.close(); }
  };
  for (let i = 0; i < 200 && keyed()[1] !== null; i++) await new Promise((r) => setTimeout(r, 50));
  assert.is(keyed()[1], null, 'the pruner cleared the key');
  await customer.close(); await engineer.close();
  await sb.kill('SIGTERM');
  // Every event is now more than 2 TTLs old. A key on a row the pruner has passed (as one written by a version
  // that never cleared it) shows whether a restart reads those rows again: its first prune would clear it.
  await new Promise((r) => setTimeout(r, 2000));
  const db = new Database(file);
  db.prepare('UPDATE events SET idem = ? WHERE id = ?').run('planted old-frame', keyed()[0]);
  db.close();
  await sb.restart();
  assert.is(keyed()[1], 'planted old-frame', 'the first prune after the restart did not walk the old events');
  const c = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken);
  const again = await c.send('customer_message', { text: 'soon old' }, 'old-frame');
  assert.ok(again.seq > first.seq, 'the expired key is a new message');
  await c.close();
});

test('long polls waiting on one task are capped per account like sockets (429 too_many_polls); all answer an event', async () => {
  const taskId = await createTask(sb);
  const path = `${routes.tasks.events.path(taskId)}?after=0&wait=30`;
  const polls = Array.from({ length: 5 }, () => api(sb.url, 'GET', path, { token: sb.customerToken }));
  // The fifth to arrive is refused at once, which also means the other four are waiting.
  const first = await Promise.race(polls);
  assert.equal([first.status, first.body.error?.code], [429, 'too_many_polls']);
  await post(sb, routes.tasks.sendMessage.path(taskId), { text: 'wake up' });
  const all = await Promise.all(polls);
  assert.equal(all.map((r) => r.status).sort(), [200, 200, 200, 200, 429]);
  for (const r of all.filter((x) => x.status === 200)) assert.is(r.body.events.at(-1)?.payload.text, 'wake up');
});

test('a customer may have a limited number of open tasks (429 too_many_open_tasks); ending one frees a place', async () => {
  const own = await startSandbox({ args: ['--open-tasks-per-account', '2'] });
  try {
    const create = () => api(own.url, 'POST', routes.tasks.create.path(), { token: own.customerToken, body: { issue: 'spam '.repeat(800) } });
    const [a, b, c] = [await create(), await create(), await create()];
    assert.equal([a.status, b.status, c.status, c.body.error.code], [200, 200, 429, 'too_many_open_tasks']);
    const end = await api(own.url, 'POST', routes.tasks.endSession.path(a.body.taskId), { token: own.customerToken, body: {}, headers: { 'idempotency-key': 'end-a' } });
    assert.is(end.status, 200, JSON.stringify(end.body));
    assert.is((await create()).status, 200);
  } finally {
    await own.stop();
  }
});

test.run();
