import Database from 'better-sqlite3';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes, TaskEvent } from '../../protocol/backend/index.js';
import { TaskSocket } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { createTask, key, liveTask, post } from './_util.js';

const test = suite('backend event log');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox(); });
test.after(async () => { await sb?.stop(); });

const t = routes.tasks;
const send = (taskId: string, text: string) => post(sb, t.sendMessage.path(taskId), { text }, key());
const poll = (taskId: string, q: string) => api(sb.url, 'GET', `${t.events.path(taskId)}?${q}`, { token: sb.customerToken });
const open = (taskId: string, after: number) => TaskSocket.open(sb.url + t.events.path(taskId), sb.customerToken, after);

test('events get seq 1, 2, 3... per task and every one matches the TaskEvent schema', async () => {
  const a = await createTask(sb);
  const b = await createTask(sb);
  for (const text of ['one', 'two', 'three']) await send(a, text);
  await send(b, 'other');
  const page = await poll(a, 'after=0');
  assert.equal(page.body.events.map((e: any) => e.seq), [1, 2, 3]);
  for (const e of page.body.events) TaskEvent.parse(e);
  assert.equal([page.body.lastSeq, page.body.ended], [3, false]);
  assert.equal((await poll(b, 'after=0')).body.events.map((e: any) => e.seq), [1]);
});

test('a socket opened with after=N replays the later events, then live ones, none twice', async () => {
  const taskId = await createTask(sb);
  for (let i = 1; i <= 5; i++) await send(taskId, `m${i}`);
  const sock = await open(taskId, 2);
  await sock.waitFor('customer_message', (e) => e.payload.text === 'm5');
  await send(taskId, 'm6');
  await sock.waitFor('customer_message', (e) => e.payload.text === 'm6');
  assert.equal(sock.events.map((e) => e.seq), [3, 4, 5, 6]);
  await sock.close();
});

test('events sent while a client is away are replayed on reconnect with its last seq', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  await engineer.say('first');
  await customer.waitFor('engineer_message');
  const last = customer.events.at(-1)!.seq;
  await customer.close();
  for (let i = 0; i < 20; i++) await engineer.say(`away ${i}`);
  const back = await open(taskId, last);
  const live = engineer.say('live');
  await back.waitFor('engineer_message', (e) => e.payload.text === 'live');
  await live;
  const seqs = back.events.map((e) => e.seq);
  assert.equal(seqs, Array.from({ length: seqs.length }, (_, i) => last + 1 + i));
  assert.equal(back.events.filter((e) => e.type === 'engineer_message').length, 21);
  await back.close(); await engineer.close();
});

test('many concurrent senders: every socket sees a gapless, duplicate-free sequence', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  const watcher = await open(taskId, 0);
  await Promise.all([
    ...Array.from({ length: 50 }, (_, i) => engineer.say(`e${i}`)),
    ...Array.from({ length: 50 }, (_, i) => customer.send('customer_message', { text: `c${i}` })),
    ...Array.from({ length: 50 }, (_, i) => send(taskId, `r${i}`)),
  ]);
  const top = (await api(sb.url, 'GET', t.get.path(taskId), { token: sb.customerToken })).body.lastSeq;
  for (const s of [watcher, customer, engineer.socket!]) {
    await s.waitFor('customer_message', (e) => e.seq === top).catch(() => s.waitFor('engineer_message', (e) => e.seq === top));
    assert.equal(s.events.map((e) => e.seq), Array.from({ length: top }, (_, i) => i + 1));
  }
  await watcher.close(); await customer.close(); await engineer.close();
});

test('a resent WebSocket frame (same id) is stored once and acked with the same seq', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  const a = await customer.send('customer_message', { text: 'once' }, 'frame-1');
  const b = await customer.send('customer_message', { text: 'once' }, 'frame-1');
  assert.equal(a, b);
  const page = await poll(taskId, 'after=0');
  assert.is(page.body.events.filter((e: any) => e.type === 'customer_message').length, 1);
  await customer.close(); await engineer.close();
});

test('long poll waits for the next event, and answers at once when events are there', async () => {
  const taskId = await createTask(sb);
  await send(taskId, 'a');
  const now = await poll(taskId, 'after=0&wait=20');
  assert.equal(now.body.events.map((e: any) => e.payload.text), ['a']);
  const waiting = poll(taskId, 'after=1&wait=20');
  await new Promise((r) => setTimeout(r, 200));
  await send(taskId, 'b');
  const page = (await waiting).body;
  assert.equal([page.events.map((e: any) => e.payload.text), page.lastSeq], [['b'], 2]);
  const empty = await poll(taskId, 'after=2&wait=0');
  assert.equal(empty.body, { events: [], lastSeq: 2, ended: false });
  const bad = await poll(taskId, 'after=-1');
  assert.equal([bad.status, bad.body.error.code], [400, 'invalid_query']);
});

test('a socket on an ended task replays everything, then closes with 1000', async () => {
  const taskId = await createTask(sb);
  await send(taskId, 'bye');
  await post(sb, t.endSession.path(taskId), {}, {});
  const sock = await open(taskId, 0);
  const closed = await sock.closed;
  assert.equal([closed.code, sock.events.map((e) => e.type)], [1000, ['customer_message', 'session_end']]);
  assert.is((await poll(taskId, 'after=0')).body.ended, true);
});

test('sockets refuse missing and bad tokens with the 401 code in the body', async () => {
  const taskId = await createTask(sb);
  const none = await TaskSocket.open(sb.url + t.events.path(taskId), '').catch((e) => e);
  assert.is(none.status, 401);
  const bad = await TaskSocket.open(sb.url + t.events.path(taskId), 'cvf_bad').catch((e) => e);
  assert.equal([bad.status, JSON.parse(bad.body).error.code], [401, 'token_invalid']);
});

test('frames sent together commit together, and a bad one among them undoes only itself', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  const results = await Promise.allSettled([
    customer.send('customer_message', { text: 'a' }),
    customer.send('command_decision', { requestId: 'req_nope', decision: 'allow' }),
    customer.send('customer_message', { text: 'b' }),
  ]);
  assert.equal(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.is((results[1] as PromiseRejectedResult).reason.code, 'request_not_found');
  const texts = (await poll(taskId, 'after=0')).body.events.filter((e: any) => e.type === 'customer_message').map((e: any) => e.payload.text);
  assert.equal(texts, ['a', 'b']);
  await customer.close(); await engineer.close();
});

test('every 64th event of a task is marked, whether a socket frame or a REST call stored it', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  const first = (await poll(taskId, 'after=0')).body.events.length;
  await Promise.all(Array.from({ length: 130 - first }, (_, i) => (i % 10 === 9 ? send(taskId, `rest ${i}`)
    : (i % 2 ? engineer.socket!.send('engineer_message', { text: `e ${i}` }) : customer.send('customer_message', { text: `c ${i}` })))));
  const db = new Database(join(sb.dataDir, 'sandbox.db'), { readonly: true });
  try {
    const marks = db.prepare('SELECT m.seq, e.seq AS at FROM event_marks m JOIN events e ON e.id = m.id WHERE m.task_id = ? ORDER BY m.seq').all(taskId);
    assert.equal(marks, [{ seq: 64, at: 64 }, { seq: 128, at: 128 }]);
  } finally {
    db.close();
  }
  const page = (await poll(taskId, 'after=60')).body.events.map((e: any) => e.seq);
  assert.ok(page.length >= 70 && page.every((seq: number, i: number) => seq === 61 + i), 'a page from a mark on');
  await customer.close(); await engineer.close();
});

test.run();
