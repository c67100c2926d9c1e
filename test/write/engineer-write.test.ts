// The write request kind from an engineer, through the real agent and sandbox: proposed in the engineer
// console (a real browser) as a diff, shown to the customer with the diff, written only after the yes and
// only if the file did not change meanwhile; the audit log keeps the diff's hash; --policy fails closed.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEMO_ENGINEER } from '../../backend/seed.js';
import { ApproveWrite } from '../../protocol/methods/session.js';
import { isRpcError } from '../../frontends/tty/cli/errors.js';
import { launchBrowser, newPage, pageProblems, signInAs } from '../helpers/browser.js';
import { startWorld, type World } from '../session/harness.js';
import { RequestWriteNote } from '../../protocol/index.js';

interface Ctx { w: World; browser: Browser; page: Page }
const test = suite<Ctx>('write: an engineer proposes a change');
const APP = 'export function login(user) {\n  return user.ok;\n}\n';
const DIFF = '--- a/src/app.js\n+++ b/src/app.js\n@@ -1,3 +1,3 @@\n export function login(user) {\n-  return user.ok;\n+  return user.ok === true;\n }\n';

test.before(async (ctx) => {
  const dir = await (await import('node:fs/promises')).mkdtemp(join(tmpdir(), 'cvf-write-'));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src/app.js'), APP);
  ctx.w = await startWorld({ dir });
  await ctx.w.engineerJoins();
  ctx.browser = await launchBrowser();
  ctx.page = (await newPage(ctx.browser)).page;
});
test.after(async (ctx) => {
  await ctx.browser?.close();
  const dir = ctx.w?.dir;
  await ctx.w?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const audit = async (w: World) => (await readFile(join(w.dir, '.codevf/audit.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));

test('proposed in the console as a diff, the customer sees the diff; allowed, the file is written and the console shows it', async ({ w, page }) => {
  await signInAs(page, w.sb.url, DEMO_ENGINEER, `/console/tasks/${w.taskId}`);
  await page.waitForSelector('#conn.live');
  await page.fill('#write-path', 'src/app.js');
  await page.fill('#write-reason', 'treat only true as logged in');
  await page.fill('#write-diff', DIFF);
  await page.click('#form-request_write button[type=submit]');
  const req = await w.agent.waitFor(RequestWriteNote);
  assert.equal([req.path, req.newFile, req.requester.type, req.refused], ['src/app.js', false, 'engineer', null]);
  assert.match(req.diff, '-  return user.ok;\n+  return user.ok === true;');
  assert.is(await readFile(join(w.dir, 'src/app.js'), 'utf8'), APP, 'nothing written before the yes');
  const item = `#timeline li[data-request-id="${req.requestId}"]`;
  await page.waitForSelector(`${item} pre.diff`);
  const r = await w.agent.request(ApproveWrite, { requestId: req.requestId, decision: 'allow' });
  assert.equal(r, { requestId: req.requestId, decision: 'allow', written: true, path: 'src/app.js' });
  assert.is(await readFile(join(w.dir, 'src/app.js'), 'utf8'), APP.replace('user.ok;', 'user.ok === true;'));
  await page.waitForSelector(`${item} .badge[data-status="allowed"]`);
  await page.waitForSelector('#timeline li[data-type="write_decision"]:has-text("written")');
  const written = (await audit(w)).find((a) => a.event === 'file_written');
  assert.equal([written.path, written.diffSha256], ['src/app.js', req.diffSha256]);
  assert.equal(pageProblems(page), []);
});

test('a change to a file that changed since it was shown is refused and nothing is written', async ({ w }) => {
  await w.eng.socket!.send('request_write', { path: 'src/app.js', reason: 'rewrite', content: 'export const replaced = 1;\n' });
  const req = await w.agent.waitFor(RequestWriteNote, (n) => n.diff.includes('replaced'));
  await writeFile(join(w.dir, 'src/app.js'), 'edited by the customer meanwhile\n');
  try {
    await w.agent.request(ApproveWrite, { requestId: req.requestId, decision: 'allow' });
    assert.unreachable('allowed a stale change');
  } catch (e) {
    assert.ok(isRpcError(e) && e.data.reason === 'file_changed', String(e));
  }
  assert.is(await readFile(join(w.dir, 'src/app.js'), 'utf8'), 'edited by the customer meanwhile\n');
  const d = await w.eng.waitFor('write_decision', (e) => e.payload.requestId === req.requestId);
  assert.equal([d.payload.decision, d.payload.decidedBy], ['deny', 'agent']);
});

test('never-share, .git and a path outside the project are refused at once, nobody asked', async ({ w }) => {
  for (const path of ['.env', '.git/config', '../outside.js']) {
    await w.eng.socket!.send('request_write', { path, reason: 'x', content: 'pwned\n' });
    const req = await w.agent.waitFor(RequestWriteNote, (n) => n.refused !== null && n.path.endsWith(path.replace('../', '')));
    assert.ok(req.refused?.reason, path);
  }
});

test.run();
