import Database from 'better-sqlite3';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { ScriptedEngineer, TaskSocket } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { liveTask, post } from './_util.js';

const test = suite('backend crash and restart');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox({ args: ['--minute-ms', '300', '--seed-credits', '100'] }); });
test.after(async () => { await sb?.stop(); });

const me = (token: string) => api(sb.url, 'GET', routes.account.me.path(), { token });

test('kill -9 mid-session loses no event, balance, token or idempotency record; billing resumes without double counting', async () => {
  const oldToken = sb.customerToken;
  const { taskId, engineer, customer } = await liveTask(sb);
  await engineer.say('before the crash');
  const sent = await post(sb, routes.tasks.sendMessage.path(taskId), { text: 'retry me' }, { 'idempotency-key': 'k-crash' });
  await customer.waitFor('billing_update', (e) => e.payload.minutes === 2);
  const seen = customer.events.map((e) => JSON.stringify(e));
  const lastSeq = customer.events.at(-1)!.seq;

  await sb.kill('SIGKILL');
  await Promise.all([customer.closed, engineer.socket!.closed]);
  await sb.restart();

  assert.is((await me(oldToken)).status, 200, 'tokens survive');
  const stored = await api(sb.url, 'GET', `${routes.tasks.events.path(taskId)}?after=0`, { token: oldToken });
  const storedJson = stored.body.events.map((e: any) => JSON.stringify(e));
  assert.equal(storedJson.slice(0, seen.length), seen, 'every event seen before the crash is stored unchanged');
  const billed = stored.body.events.filter((e: any) => e.type === 'billing_update');
  const minutesBefore = billed.length;
  assert.is((await me(oldToken)).body.balance, 100 - minutesBefore, 'balance matches the minutes billed');

  const retry = await post(sb, routes.tasks.sendMessage.path(taskId), { text: 'retry me' }, { 'idempotency-key': 'k-crash' }, oldToken);
  assert.equal(retry.body, sent.body, 'a retry after the crash answers the stored result');

  const back = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), oldToken, lastSeq);
  const eng = new ScriptedEngineer(sb.url, sb.engineerToken);
  await eng.connect(taskId, 0);
  await back.waitFor('billing_update', (e) => e.payload.minutes === minutesBefore + 1);
  const seqs = back.events.map((e) => e.seq);
  assert.equal(seqs, Array.from({ length: seqs.length }, (_, i) => lastSeq + 1 + i), 'reconnect: nothing missed, nothing twice');

  const end = await post(sb, routes.tasks.endSession.path(taskId), {}, {}, oldToken);
  const after = (await me(oldToken)).body.balance;
  assert.is(100 - after, end.body.creditsUsed, 'credits charged equal credits used');
  assert.is(end.body.creditsUsed, end.body.minutes);
  const minutes = (await api(sb.url, 'GET', `${routes.tasks.events.path(taskId)}?after=0`, { token: oldToken })).body.events
    .filter((e: any) => e.type === 'billing_update').map((e: any) => e.payload.minutes);
  assert.equal(minutes, Array.from({ length: minutes.length }, (_, i) => i + 1), 'each minute billed once');
  await back.close(); await eng.close();
});

test('a graceful restart (SIGTERM) keeps everything too', async () => {
  const before = (await me(sb.customerToken)).body.balance;
  const token = sb.customerToken;
  await sb.kill('SIGTERM');
  await sb.restart();
  assert.is((await me(token)).body.balance, before);
});

test('restarts reuse the demo tokens instead of adding two more each time', async () => {
  const demoTokens = async () => (await api(sb.url, 'GET', routes.auth.listTokens.path(), { token: sb.customerToken })).body.tokens
    .filter((t: any) => t.name === 'sandbox start (demo customer)' && !t.revokedAt).length;
  const before = { customer: sb.customerToken, engineer: sb.engineerToken, count: await demoTokens() };
  for (let i = 0; i < 2; i++) {
    await sb.kill('SIGTERM');
    await sb.restart();
  }
  assert.equal({ customer: sb.customerToken, engineer: sb.engineerToken, count: await demoTokens() }, before);
  assert.is(before.count, 1);
});

test('a socket frame resent after kill -9 is answered its first seq and stored once; its key with other text is refused', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  const tokens = { customer: sb.customerToken, engineer: sb.engineerToken };
  const first = await customer.send('customer_message', { text: 'frame retry' }, 'f-crash');
  const firstEng = await engineer.socket!.send('engineer_message', { text: 'engineer retry' }, 'e-crash');
  await sb.kill('SIGKILL');
  await Promise.all([customer.closed, engineer.socket!.closed]);
  await sb.restart();

  const c = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), tokens.customer);
  const e = await TaskSocket.open(sb.url + routes.engineer.events.path(taskId), tokens.engineer);
  assert.equal(await c.send('customer_message', { text: 'frame retry' }, 'f-crash'), first);
  assert.equal(await e.send('engineer_message', { text: 'engineer retry' }, 'e-crash'), firstEng);
  const rest = await post(sb, routes.tasks.sendMessage.path(taskId), { text: 'frame retry' }, { 'idempotency-key': 'f-crash' }, tokens.customer);
  assert.equal([rest.status, rest.body], [200, first], 'the same key over REST answers the frame\'s seq');
  const other = await c.send('customer_message', { text: 'other text' }, 'f-crash').then(() => 'stored', (x) => x.code);
  assert.is(other, 'idempotency_key_reused');
  const stored = (await api(sb.url, 'GET', `${routes.tasks.events.path(taskId)}?after=0`, { token: tokens.customer })).body.events;
  assert.equal(stored.filter((x: any) => x.type.endsWith('_message')).map((x: any) => [x.seq, x.payload.text]),
    [[first.seq, 'frame retry'], [firstEng.seq, 'engineer retry']]);
  await c.close(); await e.close();
});

test('a clock set back then corrected does not hide a live frame key after a restart', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  const token = sb.customerToken;
  const first = await customer.send('customer_message', { text: 'before the clock went back' }, 'f-clock');
  await customer.send('customer_message', { text: 'while the clock was 3 days behind' });
  await sb.kill('SIGKILL');
  await Promise.all([customer.closed, engineer.socket!.closed]);
  // The events after the keyed one were stamped while the clock was set back three days (more than 2 TTLs).
  const db = new Database(join(sb.dataDir, 'sandbox.db'));
  const changed = db.prepare(`UPDATE events SET created_at = created_at - 3 * 86400000
    WHERE id > (SELECT id FROM events WHERE idem LIKE '% f-clock')`).run().changes;
  db.close();
  assert.ok(changed >= 1);
  await sb.restart();
  const c = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), token);
  assert.equal(await c.send('customer_message', { text: 'before the clock went back' }, 'f-clock'), first, 'answered its first seq');
  const stored = (await api(sb.url, 'GET', `${routes.tasks.events.path(taskId)}?after=0`, { token })).body.events;
  assert.is(stored.filter((x: any) => x.payload.text === 'before the clock went back').length, 1, 'stored once');
  await c.close();
});

test.run();
