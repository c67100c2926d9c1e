import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CSRF_HEADER, DEVICE_GRANT, routes } from '../../protocol/backend/index.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { OTHER_CUSTOMER, post, signIn } from './_util.js';

const test = suite('backend tokens and sessions');
let sb: Sandbox;
test.before(async () => {
  sb = await startSandbox({ args: ['--access-ttl', '1', '--device-interval', '1', '--pat-max-days', '90', '--auth-rate-limit', '8', '--seed-extra'] });
});
test.after(async () => { await sb?.stop(); });

const me = (token?: string, headers?: Record<string, string>) => api(sb.url, 'GET', routes.account.me.path(), { token, headers });
const create = (body: unknown, token = sb.customerToken) => post(sb, routes.auth.createToken.path(), body, {}, token);

test('401 codes tell missing, invalid, malformed, expired and revoked tokens apart', async () => {
  assert.equal((await me()).body.error.code, 'token_missing');
  assert.equal((await me('cvf_nope')).body.error.code, 'token_invalid');
  assert.equal((await me(undefined, { authorization: 'Basic abc' })).body.error.code, 'token_invalid');
  const pat = (await create({ name: 'gone', scopes: ['profile'] })).body;
  await post(sb, routes.auth.revokeToken.path(pat.id), {}, {});
  const revoked = await me(pat.token);
  assert.equal([revoked.status, revoked.body.error.code], [401, 'token_revoked']);
  const start = await api(sb.url, 'POST', routes.auth.deviceStart.path(), { body: { client_name: 'ttl test' } });
  await post(sb, routes.auth.deviceApprove.path(), { user_code: start.body.user_code, decision: 'approve' }, {});
  const pair = await api(sb.url, 'POST', routes.auth.token.path(), { body: { grant_type: DEVICE_GRANT, device_code: start.body.device_code } });
  await new Promise((r) => setTimeout(r, 1100));
  const expired = await me(pair.body.access_token);
  assert.equal([expired.status, expired.body.error.code], [401, 'token_expired']);
});

test('a PAT is shown once with the cvf_ prefix, default 30 days, and listed with last use', async () => {
  const r = await create({ name: 'ci', scopes: ['profile', 'tasks'] });
  assert.is(r.status, 200);
  assert.match(r.body.token, /^cvf_[A-Za-z0-9_-]{30,}$/);
  const days = (Date.parse(r.body.expiresAt) - Date.parse(r.body.createdAt)) / 86_400_000;
  assert.is(Math.round(days), 30);
  assert.is(r.body.lastUsedAt, null);
  await me(r.body.token);
  const list = await api(sb.url, 'GET', routes.auth.listTokens.path(), { token: sb.customerToken });
  const row = list.body.tokens.find((t: any) => t.id === r.body.id);
  assert.ok(row.lastUsedAt, 'last use recorded');
  assert.is(row.token, undefined, 'the list never shows the token');
  assert.equal(row.scopes, ['profile', 'tasks']);
});

test('PAT validation: expiry over the maximum and unknown scopes are 400 naming the field', async () => {
  const tooLong = await create({ name: 'x', scopes: ['profile'], expiresInDays: 91 });
  assert.equal([tooLong.status, tooLong.body.error.code], [400, 'invalid_body']);
  assert.match(tooLong.body.error.message, /expiresInDays/);
  const badScope = await create({ name: 'x', scopes: ['root'] });
  assert.match(badScope.body.error.message, /body\.scopes\.0/);
  // The server maximum (90 days here) from a web session; the demo PAT (30 days) may not create it (below).
  const s = await signIn(sb.url, 'demo@codevf.test', 'codevf-demo');
  const ok = await api(sb.url, 'POST', routes.auth.createToken.path(), {
    body: { name: 'x', scopes: ['profile'], expiresInDays: 90 }, headers: { cookie: s.cookie, [CSRF_HEADER]: s.csrf } });
  assert.is(ok.status, 200);
});

const DAY = 86_400_000;
const daysLeft = (t: { expiresAt: string }) => (Date.parse(t.expiresAt) - Date.now()) / DAY;

test('a PAT created by a PAT never outlives it: a longer asked lifetime is 400 naming the field, the default is cut', async () => {
  const s = await signIn(sb.url, 'demo@codevf.test', 'codevf-demo');
  const parent = (await api(sb.url, 'POST', routes.auth.createToken.path(), {
    body: { name: 'parent', scopes: ['profile', 'tokens'], expiresInDays: 5 }, headers: { cookie: s.cookie, [CSRF_HEADER]: s.csrf } })).body;
  const longer = await create({ name: 'child', scopes: ['profile'], expiresInDays: 6 }, parent.token);
  assert.equal([longer.status, longer.body.error.code], [400, 'invalid_body']);
  assert.match(longer.body.error.message, /^body\.expiresInDays: the token creating this one expires on .* at most 4 days/);
  const dflt = await create({ name: 'child', scopes: ['profile'] }, parent.token);
  assert.is(dflt.status, 200);
  assert.ok(Date.parse(dflt.body.expiresAt) <= Date.parse(parent.expiresAt), `${dflt.body.expiresAt} after ${parent.expiresAt}`);
  assert.ok(daysLeft(dflt.body) > 4.9, 'cut to the parent\'s end, not shorter');
  const within = await create({ name: 'child', scopes: ['profile'], expiresInDays: 4 }, parent.token);
  assert.is(within.status, 200);
  assert.is(Math.round(daysLeft(within.body)), 4);
});

test('a token without the needed scope gets 403 insufficient_scope; engineers cannot use customer routes', async () => {
  const narrow = (await create({ name: 'narrow', scopes: ['profile'] })).body.token;
  const r = await post(sb, routes.tasks.create.path(), { issue: 'x' }, {}, narrow);
  assert.equal([r.status, r.body.error.code], [403, 'insufficient_scope']);
  const grant = await create({ name: 'escalate', scopes: ['engineer'] }, narrow);
  assert.is(grant.status, 403);
  const eng = await post(sb, routes.tasks.create.path(), { issue: 'x' }, {}, sb.engineerToken);
  assert.equal([eng.status, eng.body.error.code], [403, 'insufficient_scope']);
});

test('revoke-all ends every token of the account, and only that account', async () => {
  const s = await signIn(sb.url, OTHER_CUSTOMER.email, OTHER_CUSTOMER.password);
  const cookieHeaders = { cookie: s.cookie, [CSRF_HEADER]: s.csrf };
  const a = (await api(sb.url, 'POST', routes.auth.createToken.path(), { body: { name: 'a', scopes: ['profile', 'tokens'] }, headers: cookieHeaders })).body.token;
  const b = (await api(sb.url, 'POST', routes.auth.createToken.path(), { body: { name: 'b', scopes: ['profile'] }, headers: cookieHeaders })).body.token;
  const r = await post(sb, routes.auth.revokeAllTokens.path(), {}, {}, a);
  assert.equal([r.status, r.body.revoked], [200, 2]);
  assert.is((await me(a)).body.error.code, 'token_revoked');
  assert.is((await me(b)).body.error.code, 'token_revoked');
  assert.is((await me(sb.customerToken)).status, 200);
});

test('tokens are stored only as hashes', async () => {
  const t = (await create({ name: 'secret', scopes: ['profile'] })).body.token as string;
  for (const f of readdirSync(sb.dataDir).filter((n) => n.startsWith('sandbox.db'))) {
    assert.not.ok(readFileSync(join(sb.dataDir, f)).includes(t), `${f} holds the raw token`);
  }
});

test('web sign-in sets an HttpOnly session cookie; writes need the CSRF token', async () => {
  const bad = await signIn(sb.url, 'demo@codevf.test', 'wrong');
  assert.equal([bad.status, bad.body.error.code], [401, 'invalid_credentials']);
  const s = await signIn(sb.url, 'demo@codevf.test', 'codevf-demo');
  assert.is(s.status, 200);
  assert.match(String(s.headers.get('set-cookie')), /HttpOnly; SameSite=Lax/);
  const viaCookie = await me(undefined, { cookie: s.cookie });
  assert.equal([viaCookie.status, viaCookie.body.token.kind], [200, 'session']);
  const noCsrf = await api(sb.url, 'POST', routes.auth.createToken.path(), { body: { name: 'x', scopes: ['profile'] }, headers: { cookie: s.cookie } });
  assert.equal([noCsrf.status, noCsrf.body.error.code], [403, 'csrf_failed']);
  const out = await api(sb.url, 'POST', routes.auth.signOut.path(), { body: {}, headers: { cookie: s.cookie, [CSRF_HEADER]: s.csrf } });
  assert.is(out.status, 200);
  assert.is((await me(undefined, { cookie: s.cookie })).body.error.code, 'token_missing');
});

test('logout revokes the token used', async () => {
  const t = (await create({ name: 'logout', scopes: ['profile'] })).body.token;
  const r = await post(sb, routes.auth.revokeSelf.path(), {}, {}, t);
  assert.is(r.status, 200);
  assert.is((await me(t)).body.error.code, 'token_revoked');
});

test('repeated failed sign-ins are rate limited with 429 and Retry-After', async () => {
  let last;
  for (let i = 0; i < 9; i++) last = await signIn(sb.url, 'maria@codevf.test', 'guess' + i);
  assert.equal([last!.status, last!.body.error.code], [429, 'rate_limited']);
  assert.ok(Number(last!.headers.get('retry-after')) >= 1);
});

test.run();
