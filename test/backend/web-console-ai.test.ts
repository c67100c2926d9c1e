// The engineer console in a real browser shows a handed-off task's AI transcript before claiming (server
// rendered, escaped) and after claiming (live page, from the socket), always naming who spoke.
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { DEMO_ENGINEER } from '../../backend/seed.js';
import { launchBrowser, newPage, pageProblems, shot, signInAs } from '../helpers/browser.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { post } from './_util.js';

interface Ctx { sb: Sandbox; browser: Browser; page: Page; taskId: string }
const test = suite<Ctx>('web: engineer console shows the AI transcript');

test.before(async (ctx) => {
  ctx.sb = await startSandbox();
  ctx.browser = await launchBrowser();
  ctx.page = (await newPage(ctx.browser)).page;
  const r = await api(ctx.sb.url, 'POST', routes.tasks.create.path(), { token: ctx.sb.customerToken,
    body: { issue: 'login broken', mode: 'hybrid', aiTool: 'scripted-ai' } });
  ctx.taskId = r.body.taskId;
});
test.after(async (ctx) => { await ctx.browser?.close(); await ctx.sb?.stop(); });

const transcript = [
  { type: 'message', from: 'ai', text: 'Let me look <img src=x onerror=alert(1)>' },
  { type: 'request', requestId: 'ai_1', kind: 'file', subject: 'src/login.js', reason: 'read the login code' },
  { type: 'decision', requestId: 'ai_1', decision: 'deny', decidedBy: 'customer' },
  { type: 'message', from: 'customer', text: 'please get me a human' },
];

test('a task the AI still works on is not in the queue; after the hand-off its transcript shows before claiming', async ({ sb, page, taskId }) => {
  await signInAs(page, sb.url, DEMO_ENGINEER);
  assert.is(await page.locator(`#queue tr[data-task-id="${taskId}"]`).count(), 0);
  const h = await post(sb, routes.tasks.handoff.path(taskId), { reason: 'customer_asked', transcript });
  assert.is(h.status, 200, JSON.stringify(h.body));
  await page.goto(`${sb.url}/console`);
  const row = page.locator(`#queue tr[data-task-id="${taskId}"]`);
  assert.match(await row.textContent() ?? '', 'after AI (scripted-ai)');
  await Promise.all([page.waitForURL(`**/console/tasks/${taskId}/preview`), row.locator('a:has-text("AI transcript")').click()]);
  assert.match(await page.locator('#handoff-reason').textContent() ?? '', 'customer asked');
  const items = await page.locator('#ai-transcript li').evaluateAll((els) => els.map((e) => [e.getAttribute('data-entry') ?? '', (e.textContent ?? '').replace(/\s+/g, ' ').trim()]));
  assert.equal(items.map((i) => i[0]), ['message', 'request', 'decision', 'message']);
  assert.match(items[0][1], 'AI (scripted-ai)');
  assert.match(items[0][1], '<img src=x onerror=alert(1)>', 'shown as text');
  assert.match(items[1][1], 'file src/login.js');
  assert.match(items[2][1], 'denied by customer');
  assert.match(items[3][1], /^Customer\s*please get me a human/);
  await shot(page, 'console-ai-preview');
  assert.equal(pageProblems(page), []);
});

test('after claiming, the live page shows the same transcript and the hand-off', async ({ page, taskId }) => {
  await Promise.all([page.waitForURL(`**/console/tasks/${taskId}`), page.click('button:has-text("Claim")')]);
  await page.waitForSelector('#timeline li[data-type="handoff"]');
  const who = await page.locator('#timeline li[data-type="ai_transcript"] .meta').allTextContents();
  assert.equal(who.map((w) => w.split(' · ')[0]), ['AI (scripted-ai)', 'AI (scripted-ai) asked', 'Customer', 'Customer']);
  assert.match(await page.locator('#timeline li[data-type="handoff"]').textContent() ?? '', 'Handed off from scripted-ai to a human: customer asked');
  await shot(page, 'console-ai-live');
  assert.equal(pageProblems(page), []);
});

test.run();
