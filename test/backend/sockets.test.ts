// Task sockets under hostile clients: a reader that never reads is closed with `readerBehind` and resumes
// without loss, an account holds a few sockets per task at most, bad paths and frames get clean answers.
import { request } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { routes, SocketClose } from '../../protocol/backend/index.js';
import { TaskSocket } from '../helpers/engineer.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { createTask } from './_util.js';

const test = suite('backend task sockets');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox({ args: ['--socket-stall-ms', '300'] }); });
test.after(async () => { await sb?.stop(); });

const wsUrl = (taskId: string, after = 0) => `${sb.url.replace(/^http/, 'ws')}${routes.tasks.events.path(taskId)}?after=${after}`;
const auth = () => ({ authorization: `Bearer ${sb.customerToken}` });

/** Stores `n` customer messages of `size` characters through one socket, and closes it. */
export async function storeMessages(taskId: string, n: number, size: number): Promise<void> {
  const s = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken);
  await Promise.all(Array.from({ length: n }, (_, i) => s.send('customer_message', { text: `${i} `.padEnd(size, 'x') })));
  await s.close();
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

test('a socket that reads nothing is closed with readerBehind and resumes from its seq without loss', async () => {
  const taskId = await createTask(sb);
  const N = 500;
  await storeMessages(taskId, N, 20_000);
  const seqs: number[] = [];
  const ws = new WebSocket(wsUrl(taskId), { headers: auth() });
  ws.on('message', (d) => seqs.push(JSON.parse(String(d)).seq));
  ws.once('open', () => ws.pause());
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, why) => r({ code, reason: String(why) })));
  await until(() => sb.stderr.join('').includes(`task ${taskId}: a socket read nothing`), 'the stall close');
  ws.resume();
  assert.equal(await closed, SocketClose.readerBehind);
  assert.ok(seqs.length > 0 && seqs.length < N, `got ${seqs.length} of ${N} before the close`);
  assert.equal(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1));

  const rest = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken, seqs.length);
  await rest.waitFor('customer_message', (e) => e.seq === N);
  assert.equal(rest.events.map((e) => e.seq), Array.from({ length: N - seqs.length }, (_, i) => seqs.length + i + 1));
  await rest.close();
});

test('one account holds at most 4 sockets on a task; a closed one frees its place', async () => {
  const taskId = await createTask(sb);
  const open = () => TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken);
  const four = await Promise.all([open(), open(), open(), open()]);
  const refused = await open().then(() => null, (e) => e);
  assert.is(refused?.status, 429);
  assert.is(JSON.parse(refused.body).error.code, 'too_many_sockets');
  await four[0].close();
  // The server notices the close a moment after the client does.
  let again: TaskSocket | undefined;
  for (let i = 0; i < 40 && !again; i++) again = await open().catch(() => new Promise<undefined>((r) => setTimeout(r, 25)));
  assert.ok(again, 'a socket is accepted again once one closed');
  for (const s of [again!, ...four.slice(1)]) await s.close();
});

function rawGet(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const u = new URL(sb.url);
    const req = request({ host: u.hostname, port: u.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; }).on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve({ status: res.statusCode!, body: '' }); });
    req.on('error', reject);
    req.end();
  });
}

test('a malformed percent-encoding gets 400 invalid_path on HTTP and on a WebSocket upgrade', async () => {
  const bad = routes.tasks.events.pattern.replace(':taskId', '%E0%A4%A');
  const http = await rawGet(bad, auth());
  assert.is(http.status, 400);
  assert.is(JSON.parse(http.body).error.code, 'invalid_path');
  const upgrade = await rawGet(bad, { ...auth(), connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' });
  assert.is(upgrade.status, 400);
  assert.is(JSON.parse(upgrade.body).error.code, 'invalid_path');
});

test('a 16 MB frame closes that socket with 1009 and reaches no process-wide handler', async () => {
  const taskId = await createTask(sb);
  const ws = new WebSocket(wsUrl(taskId), { headers: auth() });
  await new Promise((r) => ws.once('open', r));
  ws.on('error', () => {});
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  ws.send(Buffer.alloc(16 * 1024 * 1024, 0x20));
  assert.is(await closed, 1009);
  const ok = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken);
  await ok.send('customer_message', { text: 'still serving' });
  await ok.close();
  assert.not.match(sb.stderr.join(''), /uncaught|internal error/);
});

test('message frames at the edges of their schema: extra keys dropped, each bad field refused by name, nothing stored', async () => {
  const taskId = await createTask(sb);
  const ws = new WebSocket(wsUrl(taskId), { headers: auth() });
  const got = new Map<string | null, any>();
  const events: any[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.type === 'ack' || m.type === 'error') got.set(m.id, m); else events.push(m);
  });
  await new Promise((r) => ws.once('open', r));
  const answer = async (frame: Record<string, unknown>, id = frame.id as string) => {
    ws.send(JSON.stringify(frame));
    await until(() => got.has(id), `the answer to ${id.slice(0, 20)}`);
    return got.get(id);
  };
  const msg = (id: string, payload: unknown) => ({ type: 'customer_message', id, payload });
  const refused = async (frame: Record<string, unknown>, field: RegExp, id?: string) => {
    const m = await answer(frame, id);
    assert.is(m.type, 'error', JSON.stringify(frame).slice(0, 80));
    assert.is(m.error.code, 'invalid_frame');
    assert.match(m.error.message, field);
  };
  const ok = await answer({ ...msg('k-extra', { text: 'hi', color: 'red' }), extra: true });
  assert.is(ok.type, 'ack');
  await until(() => events.some((e) => e.seq === ok.result.seq), 'the stored message');
  assert.equal(events.find((e) => e.seq === ok.result.seq).payload, { text: 'hi' });
  assert.is((await answer(msg('k-max', { text: 'x'.repeat(20_000) }))).type, 'ack');
  await refused(msg('k-long', { text: 'x'.repeat(20_001) }), /frame\.payload\.text/);
  await refused(msg('k-empty', { text: '' }), /frame\.payload\.text/);
  await refused(msg('k-number', { text: 5 }), /frame\.payload\.text/);
  await refused(msg('k-array', ['hi']), /frame\.payload/);
  await refused(msg('k-null', null), /frame\.payload/);
  await refused(msg('', { text: 'no id' }), /frame\.id/);
  await refused(msg('i'.repeat(201), { text: 'long id' }), /frame\.id/, 'i'.repeat(200));
  await refused({ type: 'engineer_message', id: 'k-side', payload: { text: 'wrong side' } }, /frame\.type/);
  // SQLite would store a lone surrogate changed, so such a key could never dedupe: refused, also outside messages.
  await refused(msg('k-lone-\ud800', { text: 'lone high surrogate' }), /frame\.id: must be well-formed/);
  await refused(msg('\udc00k-lone', { text: 'lone low surrogate' }), /frame\.id: must be well-formed/);
  await refused({ type: 'command_decision', id: 'k-lone-\ud83d', payload: { requestId: 'r', decision: 'deny' } }, /frame\.id/);
  const pair = await answer(msg('k-pair-\ud83d\ude00', { text: 'a well-formed pair' }));
  got.delete('k-pair-\ud83d\ude00');
  assert.equal(await answer(msg('k-pair-\ud83d\ude00', { text: 'a well-formed pair' })), pair, 'a key with a pair dedupes');
  const last = await answer(msg('k-last', { text: 'last' }));
  assert.is(last.result.seq, ok.result.seq + 3, 'only the three good messages were stored');
  ws.close();
});

test.run();
