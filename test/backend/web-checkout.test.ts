// The checkout stand-in in a real browser: a top-up started over the API is paid on its page and credited
// exactly once, however many times Pay is pressed.
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { DEMO_CUSTOMER } from '../../backend/seed.js';
import { launchBrowser, newPage, shot } from '../helpers/browser.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';

const test = suite<{ sb: Sandbox; browser: Browser; page: Page }>('web: checkout');

test.before(async (ctx) => {
  ctx.sb = await startSandbox();
  ctx.browser = await launchBrowser();
  ctx.page = (await newPage(ctx.browser)).page;
});
test.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.sb?.stop();
});

const balance = async (sb: Sandbox) => (await api(sb.url, 'GET', routes.account.me.path(), { token: sb.customerToken })).body.balance as number;

test('paying credits once; a second Pay from another tab credits nothing and says so', async ({ sb, page }) => {
  const before = await balance(sb);
  const top = await api(sb.url, 'POST', routes.account.topUp.path(), { token: sb.customerToken, body: { amountUsd: 25 } });
  assert.is(top.status, 200, JSON.stringify(top.body));
  const { checkoutUrl, credits } = top.body;

  // Signing in from the checkout link comes back to the checkout.
  await page.goto(checkoutUrl);
  assert.is(new URL(page.url()).pathname, '/sign-in');
  await page.fill('#email', DEMO_CUSTOMER.email);
  await page.fill('#password', DEMO_CUSTOMER.password);
  await Promise.all([page.waitForURL(checkoutUrl), page.click('main button[type=submit]')]);
  assert.is(await page.textContent('#amount'), '$25.00');
  assert.is(await page.textContent('#credits'), String(credits));
  assert.is(await page.textContent('#status'), 'pending');
  await shot(page, 'checkout-pending');

  const other = await page.context().newPage();
  await other.goto(checkoutUrl);
  await page.click('button:has-text("Pay $25.00")');
  await page.waitForSelector(`text=Paid. ${credits} credits were added`);
  await shot(page, 'checkout-paid');
  assert.is(await balance(sb), before + credits);

  await other.click('button:has-text("Pay $25.00")');
  await other.waitForSelector('text=nothing more was credited');
  await shot(other, 'checkout-paid-again');
  await other.close();
  assert.is(await balance(sb), before + credits, 'credited exactly once');

  await page.goto(checkoutUrl);
  assert.is(await page.textContent('#status'), 'paid');
  assert.is(await page.locator('button:has-text("Pay")').count(), 0, 'no Pay button once paid');
});

test('another account\'s checkout is not found', async ({ sb, page }) => {
  const res = await page.goto(`${sb.url}/checkout/chk_doesnotexist`);
  assert.is(res!.status(), 404);
  assert.match(await page.textContent('main') ?? '', 'not found');
});

test.run();
