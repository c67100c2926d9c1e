// Scopes only narrow: approving a device login needs the `tokens` scope or a web session, and grants only the
// asked scopes the approver holds, so a narrow token cannot turn itself into a full one. Lifetimes only
// shorten: a PAT created by a device login ends with that login (PAT-created PATs: tokens.test.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CSRF_HEADER, CUSTOMER_SCOPES, DEVICE_GRANT, routes } from '../../protocol/backend/index.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { post, signIn } from './_util.js';

const CUSTOMER = { email: 'demo@codevf.test', password: 'codevf-demo' };
const test = suite('backend scopes only narrow');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox({ args: ['--device-interval', '1'] }); });
test.after(async () => { await sb?.stop(); });

const pat = async (scopes: string[]) => (await post(sb, routes.auth.createToken.path(), { name: 'narrow', scopes }, {})).body.token as string;
const start = async () => (await api(sb.url, 'POST', routes.auth.deviceStart.path(), { body: { client_name: 'scope test' } })).body;
const poll = (device_code: string) => api(sb.url, 'POST', routes.auth.token.path(), { body: { grant_type: DEVICE_GRANT, device_code } });
const approve = (user_code: string, token: string) => post(sb, routes.auth.deviceApprove.path(), { user_code, decision: 'approve' }, {}, token);

test('a profile-only token can neither look up nor approve a device code; the code stays pending', async () => {
  const narrow = await pat(['profile']);
  const code = await start();
  const lookup = await post(sb, routes.auth.deviceLookup.path(), { user_code: code.user_code }, {}, narrow);
  assert.equal([lookup.status, lookup.body.error.code], [403, 'insufficient_scope']);
  const r = await approve(code.user_code, narrow);
  assert.equal([r.status, r.body.error.code], [403, 'insufficient_scope']);
  assert.is((await poll(code.device_code)).body.error.code, 'authorization_pending');
});

test('a token approves only the scopes it holds; the login it yields cannot mint wider tokens', async () => {
  const approver = await pat(['profile', 'tokens']);
  const code = await start();
  const r = await approve(code.user_code, approver);
  assert.equal([r.status, r.body.scopes], [200, ['profile', 'tokens']]);
  const pair = await poll(code.device_code);
  assert.equal(pair.body.scope, ['profile', 'tokens']);
  const task = await post(sb, routes.tasks.create.path(), { issue: 'x' }, {}, pair.body.access_token);
  assert.equal([task.status, task.body.error.code], [403, 'insufficient_scope']);
  const wide = await post(sb, routes.auth.createToken.path(), { name: 'escalate', scopes: CUSTOMER_SCOPES, expiresInDays: 365 }, {}, pair.body.access_token);
  assert.equal([wide.status, wide.body.error.code], [403, 'insufficient_scope']);
  const same = await post(sb, routes.auth.createToken.path(), { name: 'ok', scopes: ['profile'] }, {}, pair.body.access_token);
  assert.is(same.status, 200);
});

test('a signed-in web session approves with every customer scope', async () => {
  const s = await signIn(sb.url, CUSTOMER.email, CUSTOMER.password);
  const code = await start();
  const r = await api(sb.url, 'POST', routes.auth.deviceApprove.path(), {
    body: { user_code: code.user_code, decision: 'approve' }, headers: { cookie: s.cookie, [CSRF_HEADER]: s.csrf },
  });
  assert.equal([r.status, r.body.scopes], [200, CUSTOMER_SCOPES]);
  assert.equal((await poll(code.device_code)).body.scope, CUSTOMER_SCOPES);
});

test('a PAT created by a device login ends with the login\'s refresh token, not its short access token', async () => {
  const code = await start();
  await approve(code.user_code, sb.customerToken);
  const pair = await poll(code.device_code);
  const create = (body: unknown) => post(sb, routes.auth.createToken.path(), body, {}, pair.body.access_token);
  const longer = await create({ name: 'ci', scopes: ['profile'], expiresInDays: 31 });
  assert.equal([longer.status, longer.body.error.code], [400, 'invalid_body'], 'the refresh token lives 30 days');
  assert.match(longer.body.error.message, /^body\.expiresInDays: .* at most 29 days/);
  const dflt = await create({ name: 'ci', scopes: ['profile'] });
  assert.is(dflt.status, 200);
  const left = (Date.parse(dflt.body.expiresAt) - Date.now()) / 86_400_000;
  assert.ok(left > 29.9 && left <= 30, String(left));
});

test.run();
