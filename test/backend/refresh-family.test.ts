// Refresh-token families (OAuth 2.0 Security BCP §4.14, OAuth 2.1 §4.3.1): rotation keeps the login's family;
// a rotated refresh token presented again revokes the whole family and closes the sockets it holds.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes, SocketClose } from '../../protocol/backend/index.js';
import { TaskSocket } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { createTask, deviceLogin, post, soon } from './_util.js';

const test = suite('backend refresh-token families');
let sb: Sandbox;
const GRACE_S = 1;
test.before(async () => { sb = await startSandbox({ args: ['--device-interval', '1', '--refresh-reuse-grace-s', String(GRACE_S)] }); });
test.after(async () => { await sb?.stop(); });

type Pair = { access_token: string; refresh_token: string };
const me = (token: string) => api(sb.url, 'GET', routes.account.me.path(), { token });
const refresh = (refresh_token: string) => api(sb.url, 'POST', routes.auth.token.path(), { body: { grant_type: 'refresh_token', refresh_token } });

const login = (): Promise<Pair> => deviceLogin(sb, 'family test');

test('a replayed refresh token revokes its whole family and closes its sockets; other logins stay', async () => {
  const first = await login();
  const other = await login();
  const second = (await refresh(first.refresh_token)).body as Pair;
  const taskId = await createTask(sb, 'family', second.access_token);
  const sock = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), second.access_token);
  const third = (await refresh(second.refresh_token)).body as Pair;
  assert.is((await me(third.access_token)).status, 200, 'rotation keeps the login working');
  await new Promise((r) => setTimeout(r, GRACE_S * 1000 + 100)); // past the grace of the first token's exchange

  // An attacker (or the victim) presents the first, long-rotated refresh token.
  const replay = await refresh(first.refresh_token);
  assert.equal([replay.status, replay.body.error.code], [401, 'token_revoked']);
  assert.match(replay.body.error.message, /already used/);
  assert.equal((await me(third.access_token)).body.error.code, 'token_revoked');
  assert.equal((await refresh(third.refresh_token)).body.error.code, 'token_revoked');
  assert.is((await soon(sock.closed, 'family socket close')).code, SocketClose.authRevoked.code, 'a socket from an earlier rotation of the family closes too');
  assert.is((await me(other.access_token)).status, 200, 'another login of the same account is untouched');
  assert.is((await refresh(other.refresh_token)).status, 200);
});

test('a second exchange within the grace period (a retry, two processes racing) is refused but kills nothing', async () => {
  const first = await login();
  const both = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
  assert.equal(both.map((r) => r.status).sort(), [200, 401]);
  const winner = both.find((r) => r.status === 200)!.body as Pair;
  assert.is((await me(winner.access_token)).status, 200);
  assert.is((await refresh(winner.refresh_token)).status, 200);
});

test('revoking a login from the token list ends its newest pair, whichever rotation the listed id is', async () => {
  const first = await login();
  const meFirst = await me(first.access_token);
  const second = (await refresh(first.refresh_token)).body as Pair;
  const r = await post(sb, routes.auth.revokeToken.path(meFirst.body.token.id), {}, {});
  assert.is(r.status, 200);
  assert.equal((await me(second.access_token)).body.error.code, 'token_revoked');
  assert.equal((await refresh(second.refresh_token)).body.error.code, 'token_revoked');
});

test.run();
