import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { OTHER_CUSTOMER, post, tokenFor } from './_util.js';

const test = suite('backend profile and top-up');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox({ args: ['--seed-extra', '--seed-credits', '50'] }); });
test.after(async () => { await sb?.stop(); });

const me = async () => (await api(sb.url, 'GET', routes.account.me.path(), { token: sb.customerToken })).body;

test('/me shows the account, its balance and the rates', async () => {
  const body = await me();
  assert.equal({ email: body.email, role: body.role, balance: body.balance }, { email: 'demo@codevf.test', role: 'customer', balance: 50 });
  assert.equal(body.rates, { creditsPerMinute: 1, usdPerCredit: 1, minTopUpUsd: 5, maxTopUpUsd: 10000, lowBalanceMinutes: 3 });
  const rates = await api(sb.url, 'GET', routes.account.rates.path());
  assert.equal(rates.body, body.rates);
});

test('top-up below $5 or not whole dollars is a 400 that says the rule', async () => {
  const low = await post(sb, routes.account.topUp.path(), { amountUsd: 4 }, {});
  assert.equal([low.status, low.body.error.code], [400, 'invalid_body']);
  assert.match(low.body.error.message, /body\.amountUsd: .*minimum top-up is \$5/);
  const frac = await post(sb, routes.account.topUp.path(), { amountUsd: 5.5 }, {});
  assert.match(frac.body.error.message, /whole dollars/);
  const str = await post(sb, routes.account.topUp.path(), { amountUsd: 'ten' }, {});
  assert.match(str.body.error.message, /amountUsd must be a number/);
});

test('a checkout credits the account exactly once, however often it is confirmed', async () => {
  const before = (await me()).balance;
  const co = await post(sb, routes.account.topUp.path(), { amountUsd: 20 }, {});
  assert.equal([co.status, co.body.status, co.body.credits], [200, 'pending', 20]);
  assert.is(co.body.checkoutUrl, `${sb.url}/checkout/${co.body.checkoutId}`);
  const confirms = await Promise.all([1, 2, 3].map(() => post(sb, routes.account.confirmCheckout.path(co.body.checkoutId), {}, {})));
  assert.equal(confirms.map((c) => c.body.credited).sort(), [false, false, true]);
  assert.is((await me()).balance, before + 20);
  const got = await api(sb.url, 'GET', routes.account.getCheckout.path(co.body.checkoutId), { token: sb.customerToken });
  assert.is(got.body.status, 'paid');
});

test('a retried top-up with the same Idempotency-Key creates one checkout', async () => {
  const h = { 'idempotency-key': 'topup-1' };
  const a = await post(sb, routes.account.topUp.path(), { amountUsd: 7 }, h);
  const b = await post(sb, routes.account.topUp.path(), { amountUsd: 7 }, h);
  assert.is(a.body.checkoutId, b.body.checkoutId);
  assert.is(b.headers.get('idempotent-replayed'), 'true');
  const c = await post(sb, routes.account.topUp.path(), { amountUsd: 8 }, h);
  assert.equal([c.status, c.body.error.code], [422, 'idempotency_key_reused']);
});

test('another customer cannot see or confirm my checkout', async () => {
  const co = await post(sb, routes.account.topUp.path(), { amountUsd: 5 }, {});
  const other = await tokenFor(sb.url, OTHER_CUSTOMER, ['profile', 'billing']);
  const r = await post(sb, routes.account.confirmCheckout.path(co.body.checkoutId), {}, {}, other);
  assert.equal([r.status, r.body.error.code], [404, 'not_found']);
});

test.run();
