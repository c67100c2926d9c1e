// Revocation reaches open sockets and long polls: revoking a token, revoke-all and signing out close what the
// login holds with SocketClose.authRevoked, nothing it sends afterwards is delivered, and billing stops.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CSRF_HEADER, routes, SocketClose } from '../../protocol/backend/index.js';
import { ScriptedEngineer, TaskSocket } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { createTask, OTHER_CUSTOMER, patFor, post, signIn, soon } from './_util.js';

const MINUTE_MS = 300;
const ENGINEER = { email: 'maria@codevf.test', password: 'codevf-engineer' };
const CUSTOMER = { email: 'demo@codevf.test', password: 'codevf-demo' };
const test = suite('backend revocation closes sockets');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox({ args: ['--minute-ms', String(MINUTE_MS), '--seed-extra', '--seed-credits', '1000'] }); });
test.after(async () => { await sb?.stop(); });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One masked text frame (RFC 6455 §5.2), written straight to the TCP socket past the client's own state. */
function maskedText(text: string): Buffer {
  const data = Buffer.from(text);
  const mask = randomBytes(4);
  const head = data.length < 126 ? Buffer.from([0x81, 0x80 | data.length]) : Buffer.from([0x81, 0x80 | 126, data.length >> 8, data.length & 255]);
  return Buffer.concat([head, mask, data.map((b, i) => b ^ mask[i % 4])]);
}
const eventsOf = async (taskId: string, token = sb.customerToken) =>
  (await api(sb.url, 'GET', routes.tasks.events.path(taskId), { token })).body.events as { type: string }[];
const creditsOf = async (taskId: string) => (await api(sb.url, 'GET', routes.tasks.get.path(taskId), { token: sb.customerToken })).body.creditsUsed;

test('revoking the engineer\'s token closes its socket (sign in again), drops its request_command and message, stops billing', async () => {
  const pat = await patFor(sb.url, ENGINEER, ['profile', 'engineer']);
  const taskId = await createTask(sb);
  const engineer = new ScriptedEngineer(sb.url, pat.token);
  await engineer.claim(taskId);
  const customer = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken);
  const sock = await engineer.connect(taskId);
  await customer.waitFor('engineer_connected');
  await customer.waitFor('billing_update');
  // A hostile engineer does not read the close frame and keeps writing frames after the revocation.
  const tcp = (sock as unknown as { ws: { _socket: Socket } }).ws._socket;
  tcp.pause();
  const revoked = await api(sb.url, 'POST', routes.auth.revokeToken.path(pat.id), {
    body: {}, headers: { cookie: pat.session.cookie, [CSRF_HEADER]: pat.session.csrf },
  });
  assert.is(revoked.status, 200);
  tcp.write(maskedText(JSON.stringify({ type: 'request_command', id: randomUUID(), payload: { command: 'cat ~/.ssh/id_rsa', reason: 'late' } })));
  tcp.write(maskedText(JSON.stringify({ type: 'engineer_message', id: randomUUID(), payload: { text: 'sent after the revocation' } })));
  tcp.resume();
  assert.equal(await soon(sock.closed, 'engineer socket close'), { code: SocketClose.authRevoked.code, reason: SocketClose.authRevoked.reason });
  await customer.waitFor('engineer_disconnected');
  const credits = await creditsOf(taskId);
  await sleep(MINUTE_MS * 4);
  assert.is(await creditsOf(taskId), credits, 'no minute billed after the revocation');
  const types = (await eventsOf(taskId)).map((e) => e.type);
  assert.not.ok(types.includes('request_command'), types.join(' '));
  assert.not.ok(types.includes('engineer_message'), types.join(' '));
  const again = await TaskSocket.open(sb.url + routes.engineer.events.path(taskId), pat.token).then(() => 0, (e) => e.status);
  assert.is(again, 401);
  await customer.close();
});

test('revoke-all closes the customer\'s socket and answers its waiting long poll with 401 at once', async () => {
  const pat = await patFor(sb.url, OTHER_CUSTOMER, ['profile', 'tasks', 'tokens']);
  const taskId = await createTask(sb, 'revoke-all', pat.token);
  const sock = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), pat.token);
  const last = (await api(sb.url, 'GET', routes.tasks.get.path(taskId), { token: pat.token })).body.lastSeq;
  const polling = api(sb.url, 'GET', `${routes.tasks.events.path(taskId)}?after=${last}&wait=30`, { token: pat.token });
  await sleep(300); // let the poll reach the server and start waiting
  const r = await api(sb.url, 'POST', routes.auth.revokeAllTokens.path(), { token: pat.token, body: {} });
  assert.is(r.status, 200);
  const poll = await soon(polling, 'long poll answer');
  assert.equal([poll.status, poll.body.error?.code], [401, 'token_revoked']);
  assert.is((await soon(sock.closed, 'customer socket close')).code, SocketClose.authRevoked.code);
});

test('signing out closes the socket the web session opened; other logins\' sockets stay open', async () => {
  const s = await signIn(sb.url, CUSTOMER.email, CUSTOMER.password);
  const taskId = await createTask(sb, 'sign-out');
  const ws = new WebSocket(`${(sb.url + routes.tasks.events.path(taskId)).replace(/^http/, 'ws')}?after=0`, { headers: { cookie: s.cookie } });
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  const bearer = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken);
  const out = await api(sb.url, 'POST', routes.auth.signOut.path(), { body: {}, headers: { cookie: s.cookie, [CSRF_HEADER]: s.csrf } });
  assert.is(out.status, 200);
  assert.is(await soon(closed, 'session socket close'), SocketClose.authRevoked.code);
  const said = await post(sb, routes.tasks.sendMessage.path(taskId), { text: 'still here' });
  assert.is(said.status, 200);
  await bearer.waitFor('customer_message');
  await bearer.close();
});

test.run();
