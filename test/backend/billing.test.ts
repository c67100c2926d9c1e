import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { ScriptedEngineer, TaskSocket } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { createTask, post } from './_util.js';

const MINUTE_MS = 250;
const test = suite('backend billing');
let sb: Sandbox;
let taskId: string;
let engineer: ScriptedEngineer;
let customer: TaskSocket;
test.before(async () => {
  sb = await startSandbox({ args: ['--minute-ms', String(MINUTE_MS), '--seed-credits', '5', '--low-balance-minutes', '2'] });
});
test.after(async () => { await engineer?.close(); await customer?.close(); await sb?.stop(); });

const balance = async () => (await api(sb.url, 'GET', routes.account.me.path(), { token: sb.customerToken })).body.balance;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a connected engineer is billed per minute; disconnecting stops the meter', async () => {
  taskId = await createTask(sb);
  engineer = new ScriptedEngineer(sb.url, sb.engineerToken);
  await engineer.claim(taskId);
  customer = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken);
  await engineer.connect(taskId);
  const first = await customer.waitFor('billing_update');
  assert.equal(first.payload, { minutes: 1, creditsUsed: 1, balance: 4, creditsPerMinute: 1, lowBalance: false });
  await engineer.close();
  await customer.waitFor('engineer_disconnected');
  const billed = () => customer.events.filter((e) => e.type === 'billing_update').length;
  const atDisconnect = billed(); // 1, or 2 on a machine so slow that a tick beat the close
  await sleep(MINUTE_MS * 4);
  assert.is(billed(), atDisconnect);
  assert.is(await balance(), 5 - atDisconnect);
});

test('when credits run out the session ends cleanly and the balance stops at zero', async () => {
  await engineer.connect(taskId, customer.events.at(-1)!.seq);
  const end = await customer.waitFor('session_end', undefined, 20_000);
  const updates = customer.events.filter((e) => e.type === 'billing_update').map((e: any) => [e.payload.minutes, e.payload.balance, e.payload.lowBalance]);
  assert.equal(updates, [[1, 4, false], [2, 3, false], [3, 2, false], [4, 1, true], [5, 0, true]]);
  assert.equal([end.payload.reason, end.payload.minutes, end.payload.creditsUsed], ['credits_exhausted', 5, 5]);
  assert.is(await balance(), 0);
  const task = await api(sb.url, 'GET', routes.tasks.get.path(taskId), { token: sb.customerToken });
  assert.equal([task.body.status, task.body.creditsUsed], ['ended', 5]);
});

test('with no credits a new task is refused with 402', async () => {
  const r = await post(sb, routes.tasks.create.path(), { issue: 'x' }, {});
  assert.equal([r.status, r.body.error.code], [402, 'insufficient_credits']);
});

test('an engineer joining a customer without credits ends the session at once, charging nothing', async () => {
  const co = await post(sb, routes.account.topUp.path(), { amountUsd: 5 }, {});
  await post(sb, routes.account.confirmCheckout.path(co.body.checkoutId), {}, {});
  const a = await createTask(sb);
  const b = await createTask(sb);
  const e1 = new ScriptedEngineer(sb.url, sb.engineerToken);
  await e1.claim(a);
  await e1.connect(a);
  await e1.waitFor('session_end', undefined, 20_000);
  const e2 = new ScriptedEngineer(sb.url, sb.engineerToken);
  await e2.claim(b);
  await e2.connect(b);
  const end = await e2.waitFor('session_end');
  assert.equal([end.payload.reason, end.payload.creditsUsed], ['credits_exhausted', 0]);
  assert.is(await balance(), 0);
  await e1.close(); await e2.close();
});

test.run();
