// The engineer console in a real browser against the real sandbox: the engineer claims a task a customer
// created over the API, and everything flows live both ways over the engineer WebSocket the page opens.
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { routes, SNAPSHOT_SHA256_HEADER, summaryFigures } from '../../protocol/backend/index.js';
import { DEMO_CUSTOMER, DEMO_ENGINEER } from '../../backend/seed.js';
import { TaskSocket } from '../helpers/engineer.js';
import { launchBrowser, newPage, pageProblems, shot, signInAs } from '../helpers/browser.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
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
  assert.equal([res.headers()['content-disposition'], res.headers()['x-content-type-options']],
    [`attachment; filename="checkout.js"; filename*=UTF-8''checkout.js`, 'nosniff']);
  const odd = await post(sb, tasks.uploadFile.path(taskId), { path: 'docs/r\u00e9sum\u00e9 "final"\r\n(1).txt', contentBase64: 'aGk=' });
  assert.is(odd.status, 200, JSON.stringify(odd.body));
  const shared = await customer.waitFor('file_upload', (e) => e.seq === odd.body.seq);
  const oddRes = await page.request.get(sb.url + shared.payload.downloadPath);
  assert.is(oddRes.headers()['content-disposition'],
    `attachment; filename="r_sum_ _final___(1).txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%0D%0A%281%29.txt`,
    'the name is quoted safely, exact in filename*');

  await ask(page, 'screenshare_request', { 'share-url': 'ftp://meet.example.com/abc' });
  await page.waitForSelector('#send-error:not([hidden])');
  assert.is(await page.textContent('#send-error'), 'Link: must be an http(s) URL', 'the error names the field as labelled');
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

test('a browser asking for a page that does not exist gets an HTML 404 page; the API still answers JSON', async ({ sb, browser }) => {
  const { context, page } = await newPage(browser);
  const res = await page.goto(sb.url + '/no/such/page');
  assert.is(res?.status(), 404);
  assert.match(res?.headers()['content-type'] ?? '', 'text/html');
  assert.is(await page.textContent('h1'), 'Not found');
  const api = await page.request.get(sb.url + '/api/no/such/route', { headers: { accept: 'text/html' } });
  assert.equal([api.status(), (await api.json()).error.code], [404, 'route_not_found']);
  await context.close();
});

test('the console shows the task\'s project, synced branch and commit, test and build commands, and its snapshot', async ({ sb, page }) => {
  const project = (await post(sb, routes.projects.init.path(), { name: 'shop', type: 'node', testCommand: 'npm test',
    buildCommand: 'npm run build', uploadCode: true, codevfBranchOnly: true }, {})).body;
  const head = 'c0ffee'.padEnd(40, '0');
  await post(sb, routes.projects.sync.path(), { projectId: project.projectId, branch: 'codevf', headCommit: head }, {});
  const zip = Buffer.from('PK\x05\x06'.padEnd(22, '\0'), 'binary');
  const up = await fetch(`${sb.url}${routes.projects.uploadSnapshot.path()}?projectId=${project.projectId}`, { method: 'POST', body: zip,
    headers: { authorization: `Bearer ${sb.customerToken}`, [SNAPSHOT_SHA256_HEADER]: createHash('sha256').update(zip).digest('hex') } });
  const snapshot = await up.json() as { snapshotId: string; sha256: string };
  const task = await api(sb.url, 'POST', tasks.create.path(), { token: sb.customerToken,
    body: { issue: 'with a project', projectId: project.projectId, snapshotId: snapshot.snapshotId } });
  await api(sb.url, 'POST', routes.engineer.claim.path(task.body.taskId), { token: sb.engineerToken, body: {} });
  await page.goto(`${sb.url}/console/tasks/${task.body.taskId}`);
  const text = (id: string) => page.textContent(`#${id}`).then((t) => t?.trim());
  assert.equal(await Promise.all(['project-name', 'project-branch', 'project-commit', 'project-test', 'project-build'].map(text)),
    ['shop (node)', 'codevf', head, 'npm test', 'npm run build']);
  const res = await page.request.get(sb.url + (await page.getAttribute('#snapshot', 'href'))!);
  assert.equal([res.status(), res.headers()['content-disposition'], res.headers()['x-content-type-options']],
    [200, `attachment; filename="shop-${snapshot.sha256.slice(0, 12)}.zip"; filename*=UTF-8''shop-${snapshot.sha256.slice(0, 12)}.zip`, 'nosniff']);
  assert.ok(Buffer.from(await res.body()).equals(zip), 'the snapshot downloads as uploaded');
});

test('ending the session asks first, tells the customer, disables the forms and the page says it ended', async ({ sb, page, taskId, customer }) => {
  await page.goto(`${sb.url}/console/tasks/${taskId}`);
  await page.waitForSelector('#conn.live');
  const asked: string[] = [];
  page.once('dialog', (d) => { asked.push(d.message()); void d.dismiss(); });
  await page.click('#form-end_session button[type=submit]');
  assert.equal(asked, ['End this session for the customer too? Billing stops and it cannot be resumed.']);
  assert.is((await post(sb, tasks.sendMessage.path(taskId), { text: 'still going after cancel' })).status, 200, 'cancel keeps it live');
  await timelineItem(page, 'customer_message', 'still going after cancel');
  page.once('dialog', (d) => void d.accept());
  await page.click('#form-end_session button[type=submit]');
  const end = await customer.waitFor('session_end');
  assert.is(end.payload.reason, 'engineer_ended');
  await page.waitForSelector('#ended');
  await timelineItem(page, 'session_end');
  const figures = summaryFigures(end.payload);
  assert.equal([await page.textContent('#ended-time'), await page.textContent('#ended-billed')], [figures.time, figures.billed],
    'the console words time and bill as protocol/ defines them (the terminal uses the same)');
  assert.ok(await page.isDisabled('#form-engineer_message button'));
  await shot(page, 'console-ended');
});

test.run();
