// The engineer console in a real browser against the real sandbox: the engineer claims a task a customer
// created over the API, and everything flows live both ways over the engineer WebSocket the page opens.
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { DEMO_CUSTOMER, DEMO_ENGINEER } from '../../backend/seed.js';
import { TaskSocket } from '../helpers/engineer.js';
import { launchBrowser, newPage, pageProblems, shot, signInAs } from '../helpers/browser.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { createTask, post } from './_util.js';

interface Ctx { sb: Sandbox; browser: Browser; page: Page; taskId: string; customer: TaskSocket }
const test = suite<Ctx>('web: engineer console');

test.before(async (ctx) => {
  ctx.sb = await startSandbox({ args: ['--minute-ms', '1500'] });
  ctx.browser = await launchBrowser();
  ctx.page = (await newPage(ctx.browser)).page;
});
test.after(async (ctx) => {
  await ctx.customer?.close();
  await ctx.browser?.close();
  await ctx.sb?.stop();
});

const tasks = routes.tasks;
const timelineItem = (page: Page, type: string, text?: string) =>
  page.waitForSelector(`#timeline li[data-type="${type}"]${text ? `:has-text(${JSON.stringify(text)})` : ''}`);

async function ask(page: Page, form: string, fields: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, value);
  await page.click(`#form-${form} button[type=submit]`);
}

test('the engineer signs in, sees the open task in the queue and claims it', async (ctx) => {
  const { sb, page } = ctx;
  ctx.taskId = await createTask(sb, 'checkout page returns 500 <script>alert(1)</script>');
  await signInAs(page, sb.url, DEMO_ENGINEER);
  assert.is(new URL(page.url()).pathname, '/console');
  const row = page.locator(`#queue tr[data-task-id="${ctx.taskId}"]`);
  assert.match(await row.textContent() ?? '', 'checkout page returns 500 <script>', 'the issue is shown as text');
  await shot(page, 'console-queue');
  await Promise.all([page.waitForURL(`**/console/tasks/${ctx.taskId}`), row.locator('button:has-text("Claim")').click()]);
  await page.waitForSelector('#conn.live');
  ctx.customer = await TaskSocket.open(sb.url + tasks.events.path(ctx.taskId), sb.customerToken);
  await ctx.customer.waitFor('engineer_connected');
  await timelineItem(page, 'engineer_connected');
});

test('chat flows both ways live', async ({ sb, page, taskId, customer }) => {
  await page.fill('#form-engineer_message textarea', 'Hi, I am looking at it now');
  await page.click('#form-engineer_message button[type=submit]');
  const said = await customer.waitFor('engineer_message');
  assert.is(said.payload.text, 'Hi, I am looking at it now');
  // The ack that clears the form reaches the page independently of the customer's copy of the event.
  await page.waitForFunction(() => document.querySelector<HTMLTextAreaElement>('#form-engineer_message textarea')?.value === '');

  const r = await post(sb, tasks.sendMessage.path(taskId), { text: 'Thanks! It started after the deploy <b>yesterday</b>' });
  assert.is(r.status, 200);
  const li = await timelineItem(page, 'customer_message', 'It started after the deploy');
  assert.match(await li.textContent() ?? '', '<b>yesterday</b>', 'customer text is escaped, not markup');
});

test('a requested command shows the customer decision, streamed output and the result', async ({ sb, page, taskId, customer }) => {
  await ask(page, 'request_command', { 'cmd-command': 'npm test', 'cmd-reason': 'see which test fails' });
  const req = await customer.waitFor('request_command');
  assert.equal([req.payload.command, req.payload.reason], ['npm test', 'see which test fails']);
  const item = `#timeline li[data-request-id="${req.payload.requestId}"]`;
  await page.waitForSelector(`${item} .badge[data-status="pending"]`);

  await post(sb, tasks.approveCommand.path(taskId), { requestId: req.payload.requestId, decision: 'allow' });
  await page.waitForSelector(`${item} .badge[data-status="allowed"]`);
  await timelineItem(page, 'command_decision', 'allowed');
  await post(sb, tasks.commandOutput.path(taskId), { requestId: req.payload.requestId, stream: 'stdout', index: 0, data: 'ok 1 - login\n' });
  await page.waitForSelector(`${item} pre:has-text("ok 1 - login")`);
  await post(sb, tasks.commandOutput.path(taskId), { requestId: req.payload.requestId, stream: 'stderr', index: 0, data: 'not ok 2 - checkout\n' });
  await page.waitForSelector(`${item} pre .stderr:has-text("not ok 2 - checkout")`);
  await post(sb, tasks.commandResult.path(taskId), { requestId: req.payload.requestId, exitCode: 1, durationMs: 420 });
  await page.waitForSelector(`${item} [data-exit-code="1"]`);

  await ask(page, 'request_command', { 'cmd-command': 'rm -rf node_modules', 'cmd-reason': 'clean install' });
  const second = await customer.waitFor('request_command');
  await post(sb, tasks.approveCommand.path(taskId), { requestId: second.payload.requestId, decision: 'deny', reason: 'not now' });
  await page.waitForSelector(`#timeline li[data-request-id="${second.payload.requestId}"] .badge[data-status="denied"]`);
  await timelineItem(page, 'command_decision', 'not now');
});

test('a requested file arrives as a download link and a screenshare link reaches the customer', async ({ sb, page, taskId, customer }) => {
  await ask(page, 'request_file', { 'file-path': 'src/checkout.js', 'file-reason': 'read the handler' });
  const req = await customer.waitFor('request_file');
  await post(sb, tasks.approveFile.path(taskId), { requestId: req.payload.requestId, decision: 'allow' });
  const content = 'export function checkout() { throw new Error("boom"); }\n';
  await post(sb, tasks.uploadFile.path(taskId),
    { requestId: req.payload.requestId, path: 'src/checkout.js', contentBase64: Buffer.from(content).toString('base64') });
  const link = await page.waitForSelector('#timeline li[data-type="file_upload"] a.file');
  assert.is(await link.textContent(), 'src/checkout.js');
  const res = await page.request.get(sb.url + (await link.getAttribute('href'))!);
  assert.is(res.status(), 200);
  assert.is(await res.text(), content, 'the session cookie downloads the file');

  await ask(page, 'screenshare_request', { 'share-url': 'https://meet.example.com/abc' });
  const share = await customer.waitFor('screenshare_request');
  assert.is(share.payload.url, 'https://meet.example.com/abc');
});

test('billing updates arrive live while the engineer is connected', async ({ page }) => {
  await page.waitForFunction(() => Number(document.getElementById('bill-minutes')?.textContent) >= 1, undefined, { timeout: 20_000 });
  await timelineItem(page, 'billing_update');
  await shot(page, 'console-live');
  assert.equal(pageProblems(page), [], 'no script errors and nothing refused by the CSP');
});

test('forms still work without JavaScript, by posting to the server', async ({ sb, browser, taskId, customer }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signInAs(page, sb.url, DEMO_ENGINEER, `/console/tasks/${taskId}`);
  await page.fill('#form-engineer_message textarea', 'sent without scripts');
  await Promise.all([page.waitForURL(`**/console/tasks/${taskId}`), page.click('#form-engineer_message button[type=submit]')]);
  const said = await customer.waitFor('engineer_message', (e) => e.payload.text === 'sent without scripts');
  assert.ok(said);
  await context.close();
});

test('a customer account cannot open the console', async ({ sb, browser, taskId }) => {
  const { context, page } = await newPage(browser);
  await signInAs(page, sb.url, DEMO_CUSTOMER, `/console/tasks/${taskId}`);
  assert.match(await page.textContent('main') ?? '', 'engineer accounts');
  await context.close();
});

test('the queue page notices a new task and offers a refresh', async ({ sb, browser }) => {
  const { context, page } = await newPage(browser);
  await signInAs(page, sb.url, DEMO_ENGINEER);
  assert.ok(await page.isHidden('#queue-changed'));
  const taskId = await createTask(sb, 'a second problem');
  await page.waitForSelector('#queue-changed', { state: 'visible', timeout: 20_000 });
  await page.click('#queue-changed a');
  await page.waitForSelector(`#queue tr[data-task-id="${taskId}"]`);
  await context.close();
});

test('after a server restart the console reconnects and shows what it missed, once', async (ctx) => {
  const { sb, page, taskId } = ctx;
  await ctx.customer.close();
  await sb.restart();
  const r = await post(sb, tasks.sendMessage.path(taskId), { text: 'sent while the console was away' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  await page.waitForSelector('#conn.live', { timeout: 30_000 });
  await timelineItem(page, 'customer_message', 'sent while the console was away');
  ctx.customer = await TaskSocket.open(sb.url + tasks.events.path(taskId), sb.customerToken);
  await page.fill('#form-engineer_message textarea', 'back again');
  await page.click('#form-engineer_message button[type=submit]');
  await ctx.customer.waitFor('engineer_message', (e) => e.payload.text === 'back again');
  assert.is(await page.locator('#timeline li[data-type="customer_message"]:has-text("sent while the console was away")').count(), 1);
  const seqs = await page.locator('#timeline li[data-seq]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
  assert.equal(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'every event shown once, in order');
});

test('ending the session tells the customer and disables the forms', async ({ page, customer }) => {
  await page.click('#form-end_session button[type=submit]');
  const end = await customer.waitFor('session_end');
  assert.is(end.payload.reason, 'engineer_ended');
  await timelineItem(page, 'session_end');
  assert.ok(await page.isDisabled('#form-engineer_message button'));
  await shot(page, 'console-ended');
});

test.run();
