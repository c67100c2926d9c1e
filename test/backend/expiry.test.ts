// A task socket lives no longer than the token that opened it: at the access token's expiry the sandbox
// closes it with SocketClose.tokenExpired (refresh and reconnect, not "sign in again"), and a long poll
// waiting at that moment answers normally instead of 401. The refreshed token reconnects and loses nothing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes, SocketClose } from '../../protocol/backend/index.js';
import { TaskSocket } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { createTask, deviceLogin, post, soon } from './_util.js';

const test = suite('backend sockets end with their token');
let sb: Sandbox;
const TTL_S = 3;
test.before(async () => { sb = await startSandbox({ args: ['--access-ttl', String(TTL_S), '--device-interval', '1'] }); });
test.after(async () => { await sb?.stop(); });

test('at the access token\'s expiry its socket closes with tokenExpired; a waiting poll answers 200; a refreshed token resumes', async () => {
  const taskId = await createTask(sb, 'expiry', sb.customerToken);
  const pair = await deviceLogin(sb, 'expiry test');
  const url = sb.url + routes.tasks.events.path(taskId);
  const sock = await TaskSocket.open(url, pair.access_token);
  const pat = await TaskSocket.open(url, sb.customerToken);
  const poll = api(sb.url, 'GET', `${routes.tasks.events.path(taskId)}?after=0&wait=30`, { token: pair.access_token });

  const closed = await soon(sock.closed, 'the expired socket\'s close', 15_000);
  assert.equal(closed, { code: SocketClose.tokenExpired.code, reason: SocketClose.tokenExpired.reason });
  const page = await soon(poll, 'the waiting poll', 15_000);
  assert.equal([page.status, page.body.events], [200, []], 'the poll ends as at the end of its wait, not with a 401');
  // The PAT's socket (30 days) is untouched: it still gets what is sent now.
  const sent = await post(sb, routes.tasks.sendMessage.path(taskId), { text: 'after the expiry' });
  assert.is(sent.status, 200);
  await pat.waitFor('customer_message');

  // The old token is refused at the upgrade as expired (so a client refreshes); the refreshed one replays.
  const stale = await TaskSocket.open(url, pair.access_token).then(() => null, (e) => e);
  assert.equal([stale.status, JSON.parse(stale.body).error.code], [401, 'token_expired']);
  const fresh = (await api(sb.url, 'POST', routes.auth.token.path(), { body: { grant_type: 'refresh_token', refresh_token: pair.refresh_token } })).body;
  const again = await TaskSocket.open(url, fresh.access_token, 0);
  const m = await again.waitFor('customer_message');
  assert.is(m.payload.text, 'after the expiry');
  pat.close(); again.close();
});

test.run();
