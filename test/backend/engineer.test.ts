import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { routes } from '../../protocol/backend/index.js';
import { ScriptedEngineer } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { createTask, key, liveTask, post, signIn } from './_util.js';

const test = suite('backend engineer side');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox(); });
test.after(async () => { await sb?.stop(); });

const e = routes.engineer;
const get = (path: string, token = sb.engineerToken) => api(sb.url, 'GET', path, { token });

test('an engineer can preview an open task, claim it (twice is harmless) and read it', async () => {
  const taskId = await createTask(sb, 'memory leak');
  const preview = await get(e.get.path(taskId));
  assert.equal([preview.status, preview.body.status], [200, 'open']);
  const claimed = await post(sb, e.claim.path(taskId), {}, {}, sb.engineerToken);
  assert.equal([claimed.body.status, claimed.body.engineer.name], ['active', 'Maria']);
  const again = await post(sb, e.claim.path(taskId), {}, {}, sb.engineerToken);
  assert.is(again.body.claimedAt, claimed.body.claimedAt);
  const queue = await get(e.openTasks.path());
  assert.ok(queue.body.tasks.some((t: any) => t.taskId === taskId && t.status === 'active'));
});

test('customers cannot use engineer routes', async () => {
  const r = await get(e.openTasks.path(), sb.customerToken);
  assert.equal([r.status, r.body.error.code], [403, 'insufficient_scope']);
});

test('the engineer long poll serves the same events as the socket', async () => {
  const taskId = await createTask(sb);
  await post(sb, e.claim.path(taskId), {}, {}, sb.engineerToken);
  const waiting = get(`${e.events.path(taskId)}?after=0&wait=20`);
  await new Promise((r) => setTimeout(r, 100));
  await post(sb, routes.tasks.sendMessage.path(taskId), { text: 'are you there?' }, key());
  const page = (await waiting).body;
  assert.equal(page.events.map((x: any) => [x.seq, x.type, x.payload.text]), [[1, 'customer_message', 'are you there?']]);
});

test('the engineer can end the session; both sides get session_end with the reason', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  await engineer.endSession();
  const end = await customer.waitFor('session_end');
  assert.equal([end.payload.reason, end.payload.engineer?.name], ['engineer_ended', 'Maria']);
  assert.is((await engineer.waitFor('session_end')).seq, end.seq);
  const task = await get(e.get.path(taskId));
  assert.is(task.body.status, 'ended');
  const late = await post(sb, e.act.path(taskId), { type: 'engineer_message', payload: { text: 'hi' } }, key(), sb.engineerToken);
  assert.equal([late.status, late.body.error.code], [409, 'task_ended']);
});

test('unknown files are 404; a file over 10 MiB is 413', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  const missing = await get(e.file.path(taskId, 'fil_nope'));
  assert.equal([missing.status, missing.body.error.code], [404, 'not_found']);
  const big = Buffer.alloc(10 * 1024 * 1024 + 1).toString('base64');
  const r = await post(sb, routes.tasks.uploadFile.path(taskId), { path: 'big.bin', contentBase64: big });
  assert.equal([r.status, r.body.error.code], [413, 'payload_too_large']);
  await engineer.close(); await customer.close();
});

test('a browser session opens the console socket from its own origin only', async () => {
  const taskId = await createTask(sb);
  await new ScriptedEngineer(sb.url, sb.engineerToken).claim(taskId);
  const s = await signIn(sb.url, 'maria@codevf.test', 'codevf-engineer');
  const url = sb.url.replace(/^http/, 'ws') + e.events.path(taskId);
  const tryOpen = (origin: string) => new Promise<number>((resolve) => {
    const ws = new WebSocket(url, { headers: { cookie: s.cookie, origin } });
    ws.once('open', () => { ws.close(); resolve(101); });
    ws.once('unexpected-response', (_q, res) => resolve(res.statusCode!));
    ws.once('error', () => resolve(-1));
  });
  assert.is(await tryOpen('http://evil.example'), 403);
  assert.is(await tryOpen(sb.url), 101);
});

test('revoking an unknown token is a 404', async () => {
  const r = await post(sb, routes.auth.revokeToken.path('tok_nope'), {}, {});
  assert.equal([r.status, r.body.error.code], [404, 'not_found']);
});

test('a screenshare link must be http(s)', async () => {
  const { engineer, customer } = await liveTask(sb);
  const err = await engineer.screenshare('javascript:alert(1)').catch((x) => x);
  assert.is(err.code, 'invalid_frame');
  assert.match(err.message, /frame\.payload\.url: must be an http\(s\) URL/);
  await engineer.close(); await customer.close();
});

test.run();
