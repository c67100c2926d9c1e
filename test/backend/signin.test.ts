// Sign-in done right: exactly application/json and a same-origin check on the JSON sign-in, one scrypt with the
// same parameters for unknown emails (counted through a preload, not timed), a per-account backoff, a cap per
// client address, and X-Forwarded-For honoured only with --trust-proxy.
import { resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { OTHER_CUSTOMER, post } from './_util.js';

const COUNT_SCRYPT = resolve(import.meta.dirname, '../fixtures/count-scrypt.mjs');
const test = suite('backend sign-in');
let sb: Sandbox;
let proxied: Sandbox;
test.before(async () => {
  [sb, proxied] = await Promise.all([
    startSandbox({ args: ['--seed-extra'], nodeArgs: ['--import', COUNT_SCRYPT] }),
    startSandbox({ args: ['--seed-extra', '--trust-proxy', '1', '--signin-free-failures', '3', '--signin-address-failures', '8'] }),
  ]);
});
test.after(async () => { await Promise.all([sb?.stop(), proxied?.stop()]); });

const signIn = (s: Sandbox, email: string, password: string, headers: Record<string, string> = {}) =>
  fetch(s.url + routes.auth.signIn.path(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email, password }) }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() as any }));
const from = (address: string) => ({ 'x-forwarded-for': address });
const hashes = () => sb.stderr.join('').split('\n').filter((l) => l.startsWith('count-scrypt '));

test('the JSON sign-in takes exactly application/json (login CSRF by a text/plain form is refused)', async () => {
  for (const type of ['text/plain; x=json', 'text/plain', 'application/json; x=1', 'application/jsonx']) {
    const r = await signIn(sb, 'nobody-a@codevf.test', 'x', { 'content-type': type });
    assert.equal([type, r.status, r.body.error.code], [type, 415, 'unsupported_media_type']);
  }
  const ok = await signIn(sb, OTHER_CUSTOMER.email, OTHER_CUSTOMER.password, { 'content-type': 'application/json; charset=utf-8' });
  assert.is(ok.status, 200);
});

test('a JSON sign-in from another origin is refused; this host\'s pages and non-browsers may sign in', async () => {
  for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1.evil.example']) {
    const r = await signIn(sb, OTHER_CUSTOMER.email, OTHER_CUSTOMER.password, { origin });
    assert.equal([origin, r.status, r.body.error.code], [origin, 403, 'bad_origin']);
  }
  assert.is((await signIn(sb, OTHER_CUSTOMER.email, OTHER_CUSTOMER.password, { origin: sb.url })).status, 200);
  assert.is((await signIn(sb, OTHER_CUSTOMER.email, OTHER_CUSTOMER.password)).status, 200);
});

test('an unknown email costs one scrypt with the same parameters as a wrong password, and the same answer', async () => {
  const before = hashes().length;
  const known = await signIn(sb, OTHER_CUSTOMER.email, 'wrong password');
  const afterKnown = hashes();
  const unknown = await signIn(sb, 'nobody-b@codevf.test', 'wrong password');
  const afterUnknown = hashes();
  assert.equal(afterKnown.length - before, 1, 'a wrong password runs scrypt once');
  assert.equal(afterUnknown.length - afterKnown.length, 1, 'an unknown email runs scrypt once too');
  assert.is(afterUnknown.at(-1), afterKnown.at(-1), 'with the same key length and cost');
  assert.equal([known.status, known.body], [unknown.status, unknown.body]);
});

test('per-account backoff: past the free failures the account waits, whatever the address; unknown emails alike', async () => {
  for (const email of [OTHER_CUSTOMER.email, 'nobody-c@codevf.test']) {
    for (let i = 1; i <= 4; i++) assert.is((await signIn(proxied, email, 'guess', from(`10.0.0.${i}`))).status, 401);
    const r = await signIn(proxied, email, email === OTHER_CUSTOMER.email ? OTHER_CUSTOMER.password : 'guess', from('10.0.0.99'));
    assert.equal([email, r.status, r.body.error.code], [email, 429, 'rate_limited']);
    assert.match(r.body.error.message, /for this account/);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  }
  // Once the wait is over, the right password signs in (and clears the backoff).
  await new Promise((r) => setTimeout(r, 1100));
  assert.is((await signIn(proxied, OTHER_CUSTOMER.email, OTHER_CUSTOMER.password, from('10.0.0.99'))).status, 200);
});

test('per-address cap: spraying many emails from one address is refused; another address still gets through', async () => {
  for (let i = 0; i < 8; i++) assert.is((await signIn(proxied, `spray-${i}@codevf.test`, 'Winter2026!', from('10.9.9.9'))).status, 401);
  const r = await signIn(proxied, 'spray-9@codevf.test', 'Winter2026!', from('10.9.9.9'));
  assert.equal([r.status, r.body.error.code], [429, 'rate_limited']);
  assert.match(r.body.error.message, /from this address/);
  assert.is((await signIn(proxied, 'spray-9@codevf.test', 'Winter2026!', from('10.9.9.10'))).status, 401);
});

test('X-Forwarded-For is ignored unless --trust-proxy; trusted, only the proxy\'s own entry counts', async () => {
  const address = async (s: Sandbox, xff: string) => {
    const start = await api(s.url, 'POST', routes.auth.deviceStart.path(), { body: { client_name: 'xff' }, headers: { 'x-forwarded-for': xff } });
    const seen = await post(s, routes.auth.deviceLookup.path(), { user_code: start.body.user_code }, {});
    return seen.body.clientIp;
  };
  assert.is(await address(sb, '203.0.113.9'), '127.0.0.1');
  assert.is(await address(proxied, '203.0.113.9'), '203.0.113.9');
  assert.is(await address(proxied, '198.51.100.1, 203.0.113.9'), '203.0.113.9', 'a client-written entry on the left is not trusted');
  assert.is(await address(proxied, 'not-an-address'), '127.0.0.1');
});

test.run();
