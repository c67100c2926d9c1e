// `codevf fix` in a real terminal (tmux) with an engineer scripted over the sandbox's engineer API: waiting,
// chat, approve / deny / allow for the session, file, streaming output, credits, Ctrl+C, summary and rating.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { withTimeout } from '../helpers/agent.js';
import { ScriptedEngineer } from '../helpers/engineer.js';
import { api } from '../helpers/sandbox.js';
import { LiveWorld } from './world.js';

let w: LiveWorld;
test.before(async () => { w = await LiveWorld.start(['--minute-ms', '1500']); });
test.after.each(() => w.reset());
test.after(() => w?.stop());

test('a whole session: engineer joins, chat, y / n / a answers, a file, output, credits, Ctrl+C, summary, rating', async () => {
  const cwd = await w.project();
  const t = w.fix('"users cannot log in"', cwd);
  await t.waitFor('Engineer connecting...');
  await t.waitFor(/waiting for an engineer \d+:\d\d/);
  const taskId = await w.engineerJoins('users cannot log in');
  const eng = w.eng!;
  await t.waitFor('Engineer connected: Maria (ex-FAANG)');
  await t.waitFor('Billing: 1 credit/min');
  await t.waitFor('You can chat below. Press Ctrl+C to exit');

  await eng.say('Hello! I see you are having authentication issues.');
  await t.waitFor(/\[\d\d:\d\d\] Maria: Hello! I see you are having authentication issues\./);
  t.send("Yes, users can't login", true);
  const msg = await eng.waitFor('customer_message');
  assert.is(msg.payload.text, "Yes, users can't login");
  await t.waitFor(/\[\d\d:\d\d\] You: Yes, users can't login/);

  // y: allowed once; its output streams onto the screen.
  const r1 = await eng.requestCommand('node -e "console.log(\'out-\'+(40+2))"', 'see the output');
  let s = await t.waitFor(/Allow node -e .*\? \(y\/n\/a\)/);
  assert.match(s, 'Maria requests to run a command');
  assert.match(s, `$ node -e "console.log('out-'+(40+2))"`);
  assert.match(s, `folder: ${cwd}`);
  assert.match(s, 'reason: see the output');
  t.send('x', true);
  await t.waitFor('Answer y (allow once), n (deny) or a (allow for this session).');
  t.send('y', true);
  assert.is((await eng.waitFor('command_decision', (e) => e.payload.requestId === r1)).payload.decision, 'allow');
  await t.waitFor('│ out-42');
  await t.waitFor(/✓ node -e .* finished \(exit 0/);

  // n: denied, nothing runs.
  const r2 = await eng.requestCommand('node -e "process.exit(3)"', 'try a failure');
  await t.waitFor('Allow node -e "process.exit(3)"? (y/n/a)');
  t.send('n', true);
  assert.is((await eng.waitFor('command_decision', (e) => e.payload.requestId === r2)).payload.decision, 'deny');
  await t.waitFor('You denied: node -e "process.exit(3)"');

  // a is refused for a command with shell syntax (the question stays open); then y runs it once.
  const r3 = await eng.requestCommand('node -e "process.exit(1)"', 'check the exit');
  await t.waitFor('Allow node -e "process.exit(1)"? (y/n/a)');
  t.send('a', true);
  await t.waitFor('Answer y or n.');
  t.send('y', true);
  assert.is((await eng.waitFor('command_decision', (e) => e.payload.requestId === r3)).payload.decision, 'allow');
  await t.waitFor('Command failed with exit code 1: node -e "process.exit(1)"');

  // a: allowed for the session; the same command later runs without a question.
  const r4 = await eng.requestCommand('ls no-such-file', 'look for the file');
  await t.waitFor('Allow ls no-such-file? (y/n/a)');
  t.send('a', true);
  assert.is((await eng.waitFor('command_decision', (e) => e.payload.requestId === r4)).payload.decision, 'allow');
  await t.waitFor('You allowed for this session: ls no-such-file');
  await t.waitFor('Command failed with exit code 2: ls no-such-file');
  const r4b = await eng.requestCommand('ls no-such-file', 'again');
  assert.is((await eng.waitFor('command_decision', (e) => e.payload.requestId === r4b)).payload.decision, 'allow');
  await t.waitFor('Allowed automatically (you allowed it for this session): ls no-such-file');

  // A file: y sends it.
  const r5 = await eng.requestFile('package.json', 'read the scripts');
  s = await t.waitFor('Send package.json? (y/n)');
  assert.match(s, 'Maria requests a file');
  t.send('a', true);
  await t.waitFor('"a" is for commands only: answer y or n.');
  t.send('y', true);
  const up = await eng.waitFor('file_upload', (e) => e.payload.requestId === r5);
  assert.is(up.payload.path, 'package.json');
  await t.waitFor('You sent: package.json');

  // Credits, live.
  await t.waitFor(/Maria \(ex-FAANG\) · 1 credit\/min · [1-9]\d* min · Credits used: [1-9]\d* · balance \d+ · connected/, 20_000);

  // Ctrl+C: the summary, then the rating.
  t.key('C-c');
  s = await t.waitFor('Rate Maria (1-5, Enter to skip):');
  assert.match(s, 'Session Summary\n───────────────\nEngineer: Maria');
  assert.match(s, /Time: \d+ (seconds?|minutes?)/);
  assert.match(s, /Billed: \d+ minutes? with an engineer, \d+ credits?/);
  t.send('9', true);
  await t.waitFor('Please type a number from 1 to 5, or press Enter to skip.');
  t.send('5', true);
  await t.waitFor('Thanks! You rated Maria 5/5.');
  await t.waitFor('[exit=0]');
  const task = await w.task(taskId);
  assert.equal([task.status, task.rating], ['ended', 5]);
});

test('no engineer within --wait: "No engineers available right now", keep waiting once, then stop (exit 0, no rating)', async () => {
  const cwd = await w.project();
  const t = w.fix('"slow build" --wait 1', cwd);
  await t.waitFor('No engineers available right now.');
  await t.waitFor('Continue waiting? (y/n)');
  t.send('y', true);
  await t.waitFor('Still waiting; you can type a message for the engineer meanwhile.');
  await withTimeout((async () => { while (t.count('Continue waiting? (y/n)') < 2) await new Promise((r) => setTimeout(r, 100)); })(), 10_000, 'the second question');
  t.send('n', true);
  const s = await t.waitFor('[exit=0]');
  assert.match(s, 'Engineer: none joined');
  assert.not.match(s, 'Rate ');
  const mine = await api(w.sb.url, 'GET', routes.tasks.list.path(), { token: w.sb.customerToken });
  assert.equal(mine.body.tasks.filter((x: { issue: string }) => x.issue === 'slow build').map((x: { status: string }) => x.status), ['ended']);
});

test('the connection drops and comes back: a warning, then "Connection restored." (the session goes on)', async () => {
  const cwd = await w.project();
  const t = w.fix('"connection blips"', cwd);
  const taskId = await w.engineerJoins('connection blips');
  await t.waitFor('Engineer connected: Maria');
  await w.sb.restart();
  await t.waitFor('Warning: Connection lost. Reconnecting...', 20_000);
  await t.waitFor('Connection restored.', 30_000);
  await w.eng!.close().catch(() => undefined);
  w.eng = new ScriptedEngineer(w.sb.url, w.sb.engineerToken);
  await w.eng.connect(taskId);
  await w.eng.say('still here');
  await t.waitFor(/\[\d\d:\d\d\] Maria: still here/, 20_000);
  t.key('C-c');
  await t.waitFor('Rate Maria (1-5, Enter to skip):');
  t.send('', true);
  await t.waitFor('[exit=0]');
});

test('the engineer ends the session: the summary shows and Enter skips the rating', async () => {
  const cwd = await w.project();
  const t = w.fix('"flaky tests"', cwd);
  const taskId = await w.engineerJoins('flaky tests');
  await t.waitFor('Engineer connected: Maria');
  await w.eng!.endSession();
  const s = await t.waitFor('Rate Maria (1-5, Enter to skip):');
  assert.match(s, 'Ended: the engineer ended the session');
  t.send('', true);
  await t.waitFor('[exit=0]');
  assert.is((await w.task(taskId)).rating, null);
});

test.run();
