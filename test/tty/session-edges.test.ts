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
