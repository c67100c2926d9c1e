import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEVICE_GRANT, routes } from '../../protocol/backend/index.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { post } from './_util.js';

const test = suite('backend device login');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox({ args: ['--device-interval', '5', '--device-ttl', '3'] }); });
test.after(async () => { await sb?.stop(); });

const start = () => api(sb.url, 'POST', routes.auth.deviceStart.path(), { body: { client_name: 'codevf-cli', client_host: 'laptop' } });
const poll = (device_code: string) => api(sb.url, 'POST', routes.auth.token.path(), { body: { grant_type: DEVICE_GRANT, device_code } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('start returns an RFC 8628 answer with an XXXX-XXXX user code of the allowed letters', async () => {
  const r = await start();
  assert.is(r.status, 200);
  assert.match(r.body.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  assert.ok(r.body.device_code.length >= 40);
  assert.is(r.body.verification_uri, `${sb.url}/device`);
  assert.is(r.body.verification_uri_complete, `${sb.url}/device?user_code=${r.body.user_code}`);
  assert.equal([r.body.expires_in, r.body.interval], [3, 5]);
});

test('polling before approval says authorization_pending, too fast says slow_down', async () => {
  const { body } = await start();
  const first = await poll(body.device_code);
  assert.equal([first.status, first.body.error.code], [400, 'authorization_pending']);
  const second = await poll(body.device_code);
  assert.is(second.body.error.code, 'slow_down');
  assert.match(second.body.error.message, /10 s/);
});

test('an approved code yields a token pair once; the token works on /me', async () => {
  const { body } = await start();
  const lookup = await post(sb, routes.auth.deviceLookup.path(), { user_code: body.user_code.toLowerCase() }, {});
  assert.is(lookup.status, 200);
  assert.equal([lookup.body.clientName, lookup.body.clientHost, lookup.body.status], ['codevf-cli', 'laptop', 'pending']);
  const ok = await post(sb, routes.auth.deviceApprove.path(), { user_code: body.user_code, decision: 'approve' }, {});
  assert.is(ok.body.status, 'approved');
  const tok = await poll(body.device_code);
  assert.is(tok.status, 200, JSON.stringify(tok.body));
  assert.match(tok.body.access_token, /^cvf_/);
  assert.is(tok.body.token_type, 'Bearer');
  const me = await api(sb.url, 'GET', routes.account.me.path(), { token: tok.body.access_token });
  assert.equal([me.status, me.body.email, me.body.token.kind], [200, 'demo@codevf.test', 'access']);
  const again = await poll(body.device_code);
  assert.is(again.body.error.code, 'invalid_grant');
});

test('a denied code answers access_denied; deciding twice is a conflict', async () => {
  const { body } = await start();
  await post(sb, routes.auth.deviceApprove.path(), { user_code: body.user_code, decision: 'deny' }, {});
  const again = await post(sb, routes.auth.deviceApprove.path(), { user_code: body.user_code, decision: 'approve' }, {});
  assert.equal([again.status, again.body.error.code], [409, 'already_decided']);
  const r = await poll(body.device_code);
  assert.is(r.body.error.code, 'access_denied');
});

test('an unapproved code expires: expired_token', async () => {
  const { body } = await start();
  await sleep(3200);
  const r = await poll(body.device_code);
  assert.is(r.body.error.code, 'expired_token');
});

test('refresh rotates the pair: the old refresh token and access token stop working', async () => {
  const { body } = await start();
  await post(sb, routes.auth.deviceApprove.path(), { user_code: body.user_code, decision: 'approve' }, {});
  const pair = (await poll(body.device_code)).body;
  const next = await api(sb.url, 'POST', routes.auth.token.path(), { body: { grant_type: 'refresh_token', refresh_token: pair.refresh_token } });
  assert.is(next.status, 200);
  assert.is.not(next.body.access_token, pair.access_token);
  const old = await api(sb.url, 'GET', routes.account.me.path(), { token: pair.access_token });
  assert.equal([old.status, old.body.error.code], [401, 'token_revoked']);
  const fresh = await api(sb.url, 'GET', routes.account.me.path(), { token: next.body.access_token });
  assert.is(fresh.status, 200);
  // Replaying the rotated refresh token is refused and, since #12, revokes the whole login (refresh-family.test.ts).
  const reuse = await api(sb.url, 'POST', routes.auth.token.path(), { body: { grant_type: 'refresh_token', refresh_token: pair.refresh_token } });
  assert.equal([reuse.status, reuse.body.error.code], [401, 'token_revoked']);
});

test('a bad token request names the field', async () => {
  const r = await api(sb.url, 'POST', routes.auth.token.path(), { body: { grant_type: 'password' } });
  assert.equal([r.status, r.body.error.code], [400, 'invalid_body']);
  assert.match(r.body.error.message, /body\.grant_type/);
});

test('after 5 wrong user codes the approver is refused with 429 and Retry-After', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await post(sb, routes.auth.deviceApprove.path(), { user_code: 'BBBB-BBBB', decision: 'approve' }, {});
    assert.equal([r.status, r.body.error.code], [404, 'unknown_user_code']);
  }
  const { body } = await start();
  const r = await post(sb, routes.auth.deviceApprove.path(), { user_code: body.user_code, decision: 'approve' }, {});
  assert.equal([r.status, r.body.error.code], [429, 'rate_limited']);
  assert.ok(Number(r.headers.get('retry-after')) > 0);
});

test('starting device logins too often is a 429 with Retry-After', async () => {
  let r = await start();
  for (let i = 0; i < 40 && r.status === 200; i++) r = await start();
  assert.equal([r.status, r.body.error.code], [429, 'rate_limited']);
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
});

test.run();
