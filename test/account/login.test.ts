import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AcpCancelRequest, AuthStatus, AuthToken, CancelRequest, CreateToken, LoginCode, GetBalance, GetRates, ListTokens, Login, Logout, RevokeToken, TopUp } from '../../protocol/index.js';
import { typedAgent } from '../helpers/agent.js';
import { api, tempEnv } from '../helpers/env.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { DEMO_CUSTOMER } from '../../backend/seed.js';

const t = suite('account');
let sb: Sandbox;
t.before(async () => { sb = await startSandbox({ args: ['--device-interval', '0', '--access-ttl', '3'] }); });
t.after(async () => { await sb.stop(); });

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e) => e);

async function approveNextCode(agent: Awaited<ReturnType<typeof typedAgent>>, decision: 'approve' | 'deny') {
  const code = await agent.waitFor(LoginCode);
  const r = await api(sb.url, 'POST', '/api/cli/auth/device/approve', sb.customerToken, { user_code: code.userCode, decision });
  assert.is(r.status, 200, JSON.stringify(r.body));
  return code;
}

t('login by device flow: the code is sent, approval signs in, the token lands in auth.json 0600 in a 0700 folder', async () => {
  const e = tempEnv(sb.url);
  const a = await typedAgent({ env: e.env });
  const pending = a.request(Login, {});
  const code = await approveNextCode(a, 'approve');
  assert.match(code.userCode, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  assert.is(code.browserOpened, false);
  const st = await pending;
  assert.equal([st.signedIn, st.user?.email, st.tokenSource, st.store], [true, DEMO_CUSTOMER.email, 'file', 'file']);
  assert.match(st.maskedToken!, /^cvf_\*\*\*\*/);
  assert.is(statSync(e.authFile).mode & 0o777, 0o600);
  assert.is(statSync(dirname(e.authFile)).mode & 0o777, 0o700);
  const stored = readFileSync(e.authFile, 'utf8');
  assert.not.match(a.stderr(), JSON.parse(stored).hosts[new URL(sb.url).origin].accessToken);
  assert.equal((await a.request(AuthStatus, {})).user?.email, DEMO_CUSTOMER.email);
  await a.close(); e.cleanup();
});

t('a short-lived token is refreshed without the caller noticing', async () => {
  const e = tempEnv(sb.url);
  const a = await typedAgent({ env: e.env });
  const pending = a.request(Login, {});
  await approveNextCode(a, 'approve');
  await pending;
  const before = readFileSync(e.authFile, 'utf8');
  await new Promise((r) => setTimeout(r, 3500)); // past the 3 s access-token lifetime
  const b = await typedAgent({ env: e.env }); // a fresh agent reads the expired token from disk
  const bal = await b.request(GetBalance, {});
  assert.ok(bal.balance >= 0);
  assert.is.not(readFileSync(e.authFile, 'utf8'), before);
  await a.close(); await b.close(); e.cleanup();
});

t('login denied in the browser is access_denied, and nothing is stored', async () => {
  const e = tempEnv(sb.url);
  const a = await typedAgent({ env: e.env });
  const pending = fail(a.request(Login, {}));
  await approveNextCode(a, 'deny');
  const err = await pending;
  assert.equal([err.code, err.data.reason], [-31001, 'access_denied']);
  assert.is((await a.request(AuthStatus, {})).signedIn, false);
  await a.close(); e.cleanup();
});

t('a device code that expires unapproved is expired_token', async () => {
  const sb2 = await startSandbox({ args: ['--device-interval', '0', '--device-ttl', '1'] });
  const e = tempEnv(sb2.url);
  const a = await typedAgent({ env: e.env });
  const err = await fail(a.request(Login, {}));
  assert.equal([err.code, err.data.reason], [-31001, 'expired_token']);
  await a.close(); e.cleanup(); await sb2.stop();
});

t('login with a token checks it against the backend before storing it', async () => {
  const e = tempEnv(sb.url);
  const a = await typedAgent({ env: e.env });
  const bad = await fail(a.request(Login, { token: 'cvf_thisisnotarealtokenatall000000' }));
  assert.equal([bad.code, bad.data.reason], [-31001, 'auth_required']);
  assert.throws(() => statSync(e.authFile));
  const st = await a.request(Login, { token: sb.customerToken });
  assert.equal([st.signedIn, st.tokenSource, st.user?.role], [true, 'file', 'customer']);
  assert.equal(await a.request(AuthToken, {}), { host: new URL(sb.url).origin, token: sb.customerToken, tokenSource: 'file' });
  await a.close(); e.cleanup();
});

t('CODEVF_TOKEN is used and reported as the source; without any token calls answer auth_required', async () => {
  const e = tempEnv(sb.url, { CODEVF_TOKEN: sb.customerToken });
  const a = await typedAgent({ env: e.env });
  const st = await a.request(AuthStatus, {});
  assert.equal([st.signedIn, st.tokenSource], [true, 'env']);
  await a.close();
  const e2 = tempEnv(sb.url);
  const b = await typedAgent({ env: e2.env });
  const err = await fail(b.request(GetBalance, {}));
  assert.equal([err.code, err.data.reason], [-31001, 'auth_required']);
  assert.is((await fail(b.request(AuthToken, {}))).data.reason, 'auth_required');
  await b.close(); e.cleanup(); e2.cleanup();
});

t('tokens: create shows the value once, list shows it without the value, revoke makes it fail with 401', async () => {
  const e = tempEnv(sb.url, { CODEVF_TOKEN: sb.customerToken });
  const a = await typedAgent({ env: e.env });
  const created = await a.request(CreateToken, { name: 'ci', scopes: ['profile'] });
  assert.match(created.token, /^cvf_/);
  const listed = (await a.request(ListTokens, {})).tokens.find((x) => x.id === created.id)!;
  assert.equal([listed.name, listed.revokedAt, 'token' in listed], ['ci', null, false]);
  assert.is((await api(sb.url, 'GET', '/api/cli/me', created.token)).status, 200);
  assert.equal(await a.request(RevokeToken, { tokenId: created.id }), { revoked: 1 });
  const after = await api(sb.url, 'GET', '/api/cli/me', created.token);
  assert.equal([after.status, after.body.error.code], [401, 'token_revoked']);
  const both = await fail(a.request(RevokeToken, { tokenId: 'x', all: true }));
  assert.is(both.code, -32602);
  await a.close(); e.cleanup();
});

t('logout revokes the token on the server and deletes the local copy', async () => {
  const e = tempEnv(sb.url);
  const a = await typedAgent({ env: e.env });
  const pat = await api(sb.url, 'POST', '/api/cli/tokens', sb.customerToken, { name: 'to-logout', scopes: ['profile', 'tokens'] });
  await a.request(Login, { token: pat.body.token });
  const out = await a.request(Logout, {});
  assert.equal(out, { host: new URL(sb.url).origin, revoked: true, removedFrom: ['file'], envTokenSet: false });
  assert.is((await api(sb.url, 'GET', '/api/cli/me', pat.body.token)).status, 401);
  assert.is((await a.request(AuthStatus, {})).signedIn, false);
  await a.close(); e.cleanup();
});

t('balance, rates and top-up: amounts are checked before any network call; the checkout URL comes back', async () => {
  const e = tempEnv(sb.url, { CODEVF_TOKEN: sb.customerToken });
  const a = await typedAgent({ env: e.env });
  const bal = await a.request(GetBalance, {});
  assert.equal(bal.rates, await a.request(GetRates, {}));
  for (const amount of [5, '5', '5.00', '$5', '$ 12']) {
    const c = await a.request(TopUp, { amount });
    assert.ok(c.checkoutUrl.startsWith(sb.url + '/checkout/'), c.checkoutUrl);
  }
  const offline = await typedAgent({ env: { ...e.env, CODEVF_HOST: 'http://127.0.0.1:9' } });
  for (const amount of ['4.99', '3', 'five', '$5.50', -5]) {
    const err = await fail(offline.request(TopUp, { amount }));
    assert.equal([err.code, err.data.reason], [-32602, 'invalid_amount'], String(amount));
  }
  const net = await fail(offline.request(TopUp, { amount: 5 }));
  assert.equal([net.code, net.data.reason], [-31002, 'network_unreachable']);
  await a.close(); await offline.close(); e.cleanup();
});

t('a login waiting for approval is cancelled by $/cancelRequest (LSP) and by $/cancel_request (ACP) with -32800', async () => {
  const e = tempEnv(sb.url);
  const a = await typedAgent({ env: e.env });
  for (const spelling of ['lsp', 'acp'] as const) {
    const pending = fail(a.request(Login, {}));
    await a.waitFor(LoginCode, () => true);
    a.notes.length = 0;
    // The request's id is the peer's last one; send the cancel by hand, in each spelling.
    const id = (a.peer! as unknown as { nextId: number }).nextId - 1;
    if (spelling === 'lsp') await a.peer!.notify(CancelRequest, { id });
    else await a.peer!.notify(AcpCancelRequest, { requestId: id });
    const err = await pending;
    assert.equal([err.code, err.data.reason], [-32800, 'cancelled'], spelling);
  }
  assert.is((await a.request(AuthStatus, {})).signedIn, false);
  await a.close(); e.cleanup();
});

t.run();
