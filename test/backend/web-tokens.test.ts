// CLI access page in a real browser: a token is shown once, listed, revoked one by one or all at once, and the
// API then refuses it with 401 token_revoked. Forms without the session's CSRF token change nothing.
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { DEMO_CUSTOMER } from '../../backend/seed.js';
import { launchBrowser, newPage, pageProblems, postForm, shot, signInAs } from '../helpers/browser.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';

const test = suite<{ sb: Sandbox; browser: Browser; page: Page }>('web: CLI access tokens');

test.before(async (ctx) => {
  ctx.sb = await startSandbox();
  ctx.browser = await launchBrowser();
  ctx.page = (await newPage(ctx.browser)).page;
  await signInAs(ctx.page, ctx.sb.url, DEMO_CUSTOMER, '/tokens');
});
test.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.sb?.stop();
});

const me = (sb: Sandbox, token: string) => api(sb.url, 'GET', routes.account.me.path(), { token });

async function createToken(page: Page, name: string, scopes?: string[]): Promise<string> {
  await page.fill('#name', name);
  if (scopes) {
    for (const box of await page.locator('input[name=scopes]').all()) await box.setChecked(scopes.includes(await box.getAttribute('value') ?? ''));
  }
  await page.fill('#expires', '7');
  await page.click('#create-token button[type=submit]');
  await page.waitForSelector('#token-value');
  return (await page.textContent('#token-value'))!.trim();
}

test('a created token is shown once, works on the API and is listed with its dates', async ({ sb, page }) => {
  const token = await createToken(page, 'laptop', ['profile']);
  assert.match(token, /^cvf_/);
  await shot(page, 'tokens-created');
  const r = await me(sb, token);
  assert.is(r.status, 200);
  assert.equal(r.body.token.scopes, ['profile']);

  await page.goto(`${sb.url}/tokens`);
  assert.is(await page.locator('#token-value').count(), 0, 'not shown again');
  assert.not.match(await page.content(), token);
  const row = page.locator('tr[data-token-name="laptop"]');
  assert.match(await row.textContent() ?? '', 'active');
  assert.not.match(await row.textContent() ?? '', 'never', 'last used is set after the API call');
  await shot(page, 'tokens-list');
});

test('revoking one token makes the API answer 401 token_revoked', async ({ sb, page }) => {
  const token = await createToken(page, 'ci');
  await page.goto(`${sb.url}/tokens`);
  await page.click('tr[data-token-name="ci"] button:has-text("Revoke")');
  await page.waitForSelector('text=The token was revoked');
  assert.match(await page.locator('tr[data-token-name="ci"]').textContent() ?? '', 'revoked');
  const r = await me(sb, token);
  assert.is(r.status, 401);
  assert.is(r.body.error.code, 'token_revoked');
  assert.is((await me(sb, sb.customerToken)).status, 200, 'other tokens still work');
});

test('a POST without the CSRF token, or from another site, is refused and changes nothing', async ({ sb, page }) => {
  const before = await page.locator('#tokens tbody tr').count();
  const noToken = await postForm(page, `${sb.url}/tokens`, { name: 'forged', scopes: 'profile', expiresInDays: '7' });
  assert.is(noToken.status, 403);
  assert.match(noToken.text, 'CSRF');
  const csrf = await page.inputValue('#create-token input[name=_csrf]');
  const crossSite = await postForm(page, `${sb.url}/tokens/revoke-all`, { _csrf: csrf, confirm: 'yes' }, { origin: 'http://evil.example' });
  assert.is(crossSite.status, 403);
  await page.goto(`${sb.url}/tokens`);
  assert.is(await page.locator('#tokens tbody tr').count(), before);
  assert.is(await page.locator('tr[data-token-name="forged"]').count(), 0);
  assert.is((await me(sb, sb.customerToken)).status, 200);
});

test('pages carry the security headers and token pages are never cached', async ({ sb, page }) => {
  const res = await page.goto(`${sb.url}/tokens`);
  const h = res!.headers();
  assert.is(h['x-frame-options'], 'DENY');
  assert.is(h['cache-control'], 'no-store');
  assert.match(h['content-security-policy'], "script-src 'self'");
  assert.match(h['content-security-policy'], "frame-ancestors 'none'");
  assert.equal(pageProblems(page), [], 'no script errors and nothing refused by the CSP');
});

test('revoke all asks for confirmation, then every token gets 401 token_revoked', async ({ sb, page }) => {
  const token = await createToken(page, 'spare');
  await page.goto(`${sb.url}/tokens`);
  await page.click('button:has-text("Revoke all")');
  await page.waitForSelector('text=Revoke every token?');
  await shot(page, 'tokens-revoke-all-confirm');
  assert.is((await me(sb, token)).status, 200, 'nothing revoked before confirming');
  await page.click('button:has-text("Yes, revoke all")');
  await page.waitForSelector('text=Every terminal must log in again');
  for (const t of [token, sb.customerToken]) {
    const r = await me(sb, t);
    assert.is(r.status, 401);
    assert.is(r.body.error.code, 'token_revoked');
  }
  assert.is(await page.locator('#tokens .badge.active').count(), 0);
  assert.is(await page.locator('button:has-text("Revoke all")').count(), 0);
});

test('sign-in without the form token is refused; sign out ends the session', async ({ sb, browser }) => {
  const { context, page } = await newPage(browser);
  const forged = await postForm(page, `${sb.url}/sign-in`, { email: DEMO_CUSTOMER.email, password: DEMO_CUSTOMER.password });
  assert.is(forged.status, 403);
  await page.goto(`${sb.url}/sign-in`);
  await page.fill('#email', DEMO_CUSTOMER.email);
  await page.fill('#password', 'wrong password');
  await page.click('main button[type=submit]');
  await page.waitForSelector('text=Email or password is wrong');
  await shot(page, 'sign-in-error');
  await signInAs(page, sb.url, DEMO_CUSTOMER);
  assert.is(new URL(page.url()).pathname, '/tokens');
  const stale = await page.inputValue('header input[name=_csrf]');
  await page.click('text=Sign out');
  await page.waitForURL((u) => u.pathname === '/sign-in');
  const again = await postForm(page, `${sb.url}/tokens`, { _csrf: stale, name: 'after sign-out', scopes: 'profile', expiresInDays: '7' });
  assert.is(again.status, 403, 'the old CSRF token is useless without the session');
  await page.goto(`${sb.url}/tokens`);
  assert.is(new URL(page.url()).pathname, '/sign-in', 'signed out: pages send to sign in');
  await context.close();
});

test.run();
