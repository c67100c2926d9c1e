// Debian's chromium driven by playwright-core, for the web page tests. Never downloads a browser: when
// /usr/bin/chromium is missing the tests fail and say how to install it.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS_DIR = join(tmpdir(), 'cvf-web-shots');
const TIMEOUT_MS = 20_000;

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; install it with: apt-get update && apt-get install -y chromium`);
  // launch() gives each run a fresh temporary profile and removes it on close.
  return chromium.launch({
    executablePath: CHROMIUM, timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

const problems = new WeakMap<Page, string[]>();

/** Uncaught script errors and CSP refusals seen on the page: a page that works must have none. */
export const pageProblems = (page: Page): string[] => problems.get(page) ?? [];

/** A fresh context (own cookies) with generous timeouts so a slow machine fails a test instead of hanging. */
export async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT_MS);
  context.setDefaultNavigationTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  const seen: string[] = [];
  problems.set(page, seen);
  page.on('pageerror', (e) => seen.push(`uncaught: ${e.message}`));
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(m.text()); });
  return { context, page };
}

export async function signInAs(page: Page, url: string, who: { email: string; password: string }, next = ''): Promise<void> {
  await page.goto(`${url}/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/sign-in'), page.click('button[type=submit]')]);
}

/** Full-page screenshot into /tmp for a person to look at; never committed. */
export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const path = join(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Posts a form body with the page's cookies, bypassing the page (to test what the server accepts). */
export async function postForm(page: Page, url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await page.request.post(url, { form: fields, headers, maxRedirects: 0, failOnStatusCode: false });
  return { status: res.status(), text: await res.text() };
}
