// `codevf fix` in tmux, the less common turns: a never-share file, a screenshare link, a request nobody answers,
// the engineer leaving and coming back, a low balance and the credits running out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScriptedEngineer } from '../helpers/engineer.js';
import { LiveWorld } from './world.js';

let w: LiveWorld;
test.before(async () => { w = await LiveWorld.start([]); });
test.after.each(() => w.reset());
test.after(() => w?.stop());

test('never-share file, screenshare link, a request that times out to deny, the engineer away and back', async () => {
  const cwd = await w.project();
  await writeFile(join(cwd, '.env'), 'API_KEY=abc\n');
  const t = w.fix('"env trouble"', cwd, { CODEVF_APPROVAL_TIMEOUT_MS: '1500' });
  const taskId = await w.engineerJoins('env trouble');
  const eng = w.eng!;
  await t.waitFor('Engineer connected: Maria');

  await eng.screenshare('https://meet.example.com/abc123');
  await t.waitFor('Engineer requests screenshare:\nOpen link: https://meet.example.com/abc123');

  const f = await eng.requestFile('.env', 'check the settings');
  const s = await t.waitFor('Send .env anyway? (y/n)');
  assert.match(s, 'This file is on the never-share list');
  t.send('n', true);
  assert.is((await eng.waitFor('file_decision', (e) => e.payload.requestId === f)).payload.decision, 'deny');
  await t.waitFor('You denied: .env');

  const c = await eng.requestCommand('ls', 'list the files');
  await t.waitFor('Allow ls? (y/n/a)');
  assert.is((await eng.waitFor('command_decision', (e) => e.payload.requestId === c, 15_000)).payload.decision, 'deny');
  await t.waitFor('Denied automatically (no answer in time): ls');
  t.send('are you there?', true);
  assert.is((await eng.waitFor('customer_message')).payload.text, 'are you there?');

  await eng.close();
  await t.waitFor('Maria disconnected.');
  w.eng = new ScriptedEngineer(w.sb.url, w.sb.engineerToken);
  await w.eng.connect(taskId);
  await t.waitFor('Maria is back.');
  t.key('C-c');
  await t.waitFor('Rate Maria (1-5, Enter to skip):');
  t.key('C-c');
  await t.waitFor('[exit=0]');
});

test('a request the agent will refuse is never asked; a flood is capped and summed up; > chats while asked; d denies all', async () => {
  const cwd = await w.project();
  const t = w.fix('"flood"', cwd);
  await w.engineerJoins('flood');
  const eng = w.eng!;
  await t.waitFor('Engineer connected: Maria');

  // Outside the project: refused by the customer's agent at once, nothing asked; the engineer is told who refused.
  const bad = await eng.requestFile('../../etc/passwd', 'look');
  await t.waitFor(/Maria asked for \.\.\/\.\.\/etc\/passwd, refused by your agent: /);
  const d = await eng.waitFor('file_decision', (e) => e.payload.requestId === bad);
  assert.equal([d.payload.decision, d.payload.decidedBy], ['deny', 'agent']);
  assert.match(d.payload.reason ?? '', /^refused by the customer's agent: /);
  assert.not.match(t.screen(), 'Send ../../etc/passwd');

  // Eight at once: five are asked, three refused (too many open) and summed up, not printed one by one.
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) ids.push(await eng.requestCommand(`echo flood-${i}`, 'flood'));
  await t.waitFor('Allow echo flood-0? (y/n/a)');
  await t.waitFor('Maria asked for `echo flood-5`, refused by your agent: 5 requests are already waiting');
  await t.waitFor('2 more requests were refused by your agent: too many requests were open.');
  for (const id of ids.slice(5)) {
    eng.socket!.cursor = 0;
    const r = await eng.waitFor('command_decision', (e) => e.payload.requestId === id);
    assert.equal([r.payload.decision, r.payload.decidedBy], ['deny', 'agent']);
  }

  // The way out is on screen; plain text is not an answer; Tab chats with the question still open.
  await t.waitFor('d deny every open request');
  t.send('maybe', true);
  await t.waitFor('Answer y (allow once), n (deny) or a (allow for this session). To send a chat message instead, press Tab first.');
  t.key('Tab');
  t.send('what are all these for?', true);
  assert.is((await eng.waitFor('customer_message')).payload.text, 'what are all these for?');
  await t.waitFor('Allow echo flood-0? (y/n/a)');

  // d: every open request denied in one answer; no question is left.
  t.send('d', true);
  await t.waitFor('You denied all 5 open requests.');
  for (const id of ids.slice(0, 5)) {
    eng.socket!.cursor = 0;
    const r = await eng.waitFor('command_decision', (e) => e.payload.requestId === id);
    assert.equal([r.payload.decision, r.payload.decidedBy], ['deny', 'customer']);
  }
  t.send('hello again', true);
  assert.is((await eng.waitFor('customer_message', (e) => e.payload.text === 'hello again')).payload.text, 'hello again');
  assert.is(eng.socket!.events.filter((e) => e.type === 'command_output').length, 0, 'nothing ran');
  t.key('C-c');
  await t.waitFor('Rate Maria (1-5, Enter to skip):');
  t.key('C-c');
  await t.waitFor('[exit=0]');
});

test('if the agent dies during the session, codevf says so and exits 1 (no hang)', async () => {
  const cwd = await w.project();
  const t = w.fix('"agent crash"', cwd);
  await w.engineerJoins('agent crash');
  await t.waitFor('Engineer connected: Maria');
  const agent = t.processes().find((p) => p.args.includes('codevf-agent.js'));
  assert.ok(agent, 'the agent runs under codevf');
  process.kill(agent.pid, 'SIGKILL');
  const s = await t.waitFor('[exit=1]');
  assert.match(s, 'Error: codevf-agent stopped', s);
});

test('low balance warns once; when the credits run out the session ends with the reason and the rating', async () => {
  const poor = await LiveWorld.start(['--seed-credits', '3', '--minute-ms', '400', '--low-balance-minutes', '2']);
  try {
    const cwd = await poor.project();
    const t = poor.fix('"out of credits"', cwd);
    const taskId = await poor.engineerJoins('out of credits');
    await t.waitFor('Engineer connected: Maria');
    await t.waitFor('Warning: low balance', 20_000);
    await t.waitFor(/Maria \(ex-FAANG\) · .*balance \d+ LOW/); // the status line
    const s = await t.waitFor('Rate Maria (1-5, Enter to skip):', 20_000);
    assert.match(s, 'Ended: your credits ran out (run: codevf topup 10)');
    assert.is(t.count('Warning: low balance'), 1);
    t.send('4', true);
    await t.waitFor('[exit=0]');
    assert.is((await poor.task(taskId)).rating, 4);
  } finally {
    await poor.stop();
  }
});

test.run();
