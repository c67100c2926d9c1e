// Device approval in a real browser: a device login started over the API is approved or denied on /device,
// and the client's token poll sees the outcome; wrong codes count toward the core's limit.
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEVICE_GRANT, routes } from '../../protocol/backend/index.js';
import { DEMO_CUSTOMER, DEMO_ENGINEER } from '../../backend/seed.js';
import { launchBrowser, newPage, shot, signInAs } from '../helpers/browser.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';

const test = suite<{ sb: Sandbox; browser: Browser; page: Page }>('web: device approval');

test.before(async (ctx) => {
  ctx.sb = await startSandbox({ args: ['--device-interval', '1'] });
  ctx.browser = await launchBrowser();
  const { page } = await newPage(ctx.browser);
  ctx.page = page;
  await signInAs(page, ctx.sb.url, DEMO_CUSTOMER);
});
test.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.sb?.stop();
});

const startLogin = async (sb: Sandbox) => {
  const r = await api(sb.url, 'POST', routes.auth.deviceStart.path(), { body: { client_name: 'codevf CLI 0.1', client_host: 'dev-laptop' } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body as { device_code: string; user_code: string; verification_uri_complete: string; interval: number };
};
const poll = (sb: Sandbox, deviceCode: string) =>
  api(sb.url, 'POST', routes.auth.token.path(), { body: { grant_type: DEVICE_GRANT, device_code: deviceCode } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('approving the code in the browser lets the terminal poll its token', async ({ sb, page }) => {
  const login = await startLogin(sb);
  assert.is((await poll(sb, login.device_code)).body.error.code, 'authorization_pending');

  await page.goto(login.verification_uri_complete);
  assert.is(await page.inputValue('#user_code'), login.user_code, 'the complete URI prefills the code');
  await shot(page, 'device-enter');
  await page.click('main button[type=submit]');
  assert.is(await page.textContent('#user-code'), login.user_code);
  assert.is(await page.textContent('#client-name'), 'codevf CLI 0.1');
  assert.is(await page.textContent('#client-host'), 'dev-laptop');
  assert.is(await page.textContent('#client-ip'), '127.0.0.1');
  assert.is(await page.textContent('#status'), 'pending');
  await shot(page, 'device-confirm');
  await page.click('button:has-text("Approve")');
  await page.waitForSelector('text=Approved.');
  assert.is(await page.textContent('#status'), 'approved');
  await shot(page, 'device-approved');

  await sleep(login.interval * 1000);
  const token = await poll(sb, login.device_code);
  assert.is(token.status, 200, JSON.stringify(token.body));
  const me = await api(sb.url, 'GET', routes.account.me.path(), { token: token.body.access_token });
  assert.is(me.body.email, DEMO_CUSTOMER.email);
});

test('denying the code makes the poll answer access_denied', async ({ sb, page }) => {
  const login = await startLogin(sb);
  await page.goto(`${sb.url}/device`);
  await page.fill('#user_code', login.user_code.toLowerCase().replace('-', ' '));
  await page.click('main button[type=submit]');
  await page.click('button:has-text("Deny")');
  await page.waitForSelector('text=Denied.');
  const r = await poll(sb, login.device_code);
  assert.is(r.status, 400);
  assert.is(r.body.error.code, 'access_denied');
});

test('a code already decided cannot be approved again', async ({ sb, page }) => {
  const login = await startLogin(sb);
  await page.goto(login.verification_uri_complete);
  await page.click('main button[type=submit]');
  const second = await page.context().newPage();
  await second.goto(login.verification_uri_complete);
  await second.click('main button[type=submit]');
  await page.click('button:has-text("Deny")');
  await second.click('button:has-text("Approve")');
  await second.waitForSelector('text=already denied');
  await second.close();
  assert.is((await poll(sb, login.device_code)).body.error.code, 'access_denied');
});

test('an engineer account is told to use a customer account', async ({ sb, browser }) => {
  const { context, page } = await newPage(browser);
  await signInAs(page, sb.url, DEMO_ENGINEER, '/device');
  assert.match(await page.textContent('main') ?? '', 'customer accounts');
  await shot(page, 'device-engineer-refused');
  await context.close();
});

// Last: the limit it reaches blocks this approver for the rest of the window.
test('wrong codes are refused and counted until the limit refuses even the right one', async ({ sb, page }) => {
  const login = await startLogin(sb);
  for (let i = 0; i < 5; i++) {
    await page.goto(`${sb.url}/device`);
    await page.fill('#user_code', 'BBBB-BBBB');
    await page.click('main button[type=submit]');
    await page.waitForSelector('text=No login is waiting for this code');
    if (i === 0) await shot(page, 'device-wrong-code');
  }
  await page.fill('#user_code', login.user_code);
  await page.click('main button[type=submit]');
  await page.waitForSelector('text=Too many wrong codes');
  assert.is(await page.locator('#client-name').count(), 0, 'the client is not shown once the limit is reached');
  assert.is((await poll(sb, login.device_code)).body.error.code, 'authorization_pending');
});

test.run();
