// `codevf fix` in a real terminal (tmux) with an engineer scripted over the sandbox's engineer API: waiting,
// chat, approve / deny / allow for the session, file, streaming output, credits, Ctrl+C, summary and rating.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { TTY_BIN, withTimeout } from '../helpers/agent.js';
import { ScriptedEngineer } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { cleanEnv, codevf, nodeRepo, tempHome } from './helpers.js';
import { hasTmux, Tmux } from './tmux.js';

let sb: Sandbox;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let term: Tmux | undefined;
let eng: ScriptedEngineer | undefined;

async function project(): Promise<string> {
  const dir = await nodeRepo(home.dir);
  const r = await codevf(['init', '--yes'], { env, cwd: dir });
  assert.is(r.code, 0, r.stderr);
  return dir;
}

/** The open task with this issue in the engineer's queue, polled until it shows. */
async function openTask(issue: string): Promise<string> {
  return withTimeout((async () => {
    for (;;) {
      const r = await api(sb.url, 'GET', routes.engineer.openTasks.path(), { token: sb.engineerToken });
      const t = r.body.tasks?.find((x: { status: string; issue: string }) => x.status === 'open' && x.issue === issue);
      if (t) return t.taskId as string;
      await new Promise((res) => setTimeout(res, 100));
    }
  })(), 15_000, 'the task in the engineer queue');
}

async function startFix(args: string, cwd: string): Promise<Tmux> {
  term = new Tmux();
  term.start(`${process.execPath} ${TTY_BIN} fix ${args}`, env, cwd);
  return term;
}

test.before(async () => {
  if (!hasTmux()) throw new Error('tmux is needed for the terminal tests: apt-get install -y tmux');
  sb = await startSandbox({ args: ['--minute-ms', '1500'] });
  home = await tempHome();
  env = cleanEnv(home.dir, { CODEVF_HOST: sb.url, TERM: 'xterm-256color', PATH: process.env.PATH });
  assert.is((await codevf(['login', '--with-token'], { env, input: sb.customerToken })).code, 0);
});
test.after.each(async () => {
  term?.kill();
  term = undefined;
  if (eng) await withTimeout(eng.close(), 5000, 'engineer socket close').catch(() => undefined);
  eng = undefined;
});
test.after(async () => { await sb?.stop(); await home?.done(); });

test('a whole session: engineer joins, chat, y / n / a answers, a file, output, credits, Ctrl+C, summary, rating', async () => {
  const cwd = await project();
  const t = await startFix('"users cannot log in"', cwd);
  await t.waitFor('Engineer connecting...');
  await t.waitFor(/waiting for an engineer \d+:\d\d/);
  const taskId = await openTask('users cannot log in');
  eng = new ScriptedEngineer(sb.url, sb.engineerToken);
  await eng.claim(taskId);
  await eng.connect(taskId);
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
  await t.waitFor(/Credits used: [1-9]\d* \(balance \d+\)/, 20_000);
  await t.waitFor(/Maria · credits used [1-9]/);

  // Ctrl+C: the summary, then the rating.
  t.key('C-c');
  s = await t.waitFor('Rate Maria (1-5, Enter to skip):');
  assert.match(s, 'Session Summary\n───────────────\nEngineer: Maria');
  assert.match(s, /Time: \d+ (seconds?|minutes?)/);
  assert.match(s, /Credits Used: \d+/);
  t.send('9', true);
  await t.waitFor('Please type a number from 1 to 5, or press Enter to skip.');
  t.send('5', true);
  await t.waitFor('Thanks! You rated Maria 5/5.');
  await t.waitFor('[exit=0]');
  const task = await api(sb.url, 'GET', routes.tasks.get.path(taskId), { token: sb.customerToken });
  assert.equal([task.body.status, task.body.rating], ['ended', 5]);
});

test('no engineer within --wait: "No engineers available right now", keep waiting once, then stop (exit 0, no rating)', async () => {
  const cwd = await project();
  const t = await startFix('"slow build" --wait 1', cwd);
  await t.waitFor('No engineers available right now.');
  await t.waitFor('Continue waiting? (y/n)');
  t.send('y', true);
  await t.waitFor('Still waiting; you can type a message for the engineer meanwhile.');
  await withTimeout((async () => { while (t.count('Continue waiting? (y/n)') < 2) await new Promise((r) => setTimeout(r, 100)); })(), 10_000, 'the second question');
  t.send('n', true);
  const s = await t.waitFor('[exit=0]');
  assert.match(s, 'Engineer: none joined');
  assert.not.match(s, 'Rate ');
  const mine = await api(sb.url, 'GET', routes.tasks.list.path(), { token: sb.customerToken });
  assert.equal(mine.body.tasks.filter((x: { issue: string }) => x.issue === 'slow build').map((x: { status: string }) => x.status), ['ended']);
});

test('the connection drops and comes back: a warning, then "Connection restored." (the session goes on)', async () => {
  const cwd = await project();
  const t = await startFix('"connection blips"', cwd);
  const taskId = await openTask('connection blips');
  eng = new ScriptedEngineer(sb.url, sb.engineerToken);
  await eng.claim(taskId);
  await eng.connect(taskId);
  await t.waitFor('Engineer connected: Maria');
  await sb.restart();
  await t.waitFor('Warning: Connection lost. Reconnecting...', 20_000);
  await t.waitFor('Connection restored.', 30_000);
  await eng.close().catch(() => undefined);
  eng = new ScriptedEngineer(sb.url, sb.engineerToken);
  await eng.connect(taskId);
  await eng.say('still here');
  await t.waitFor(/\[\d\d:\d\d\] Maria: still here/, 20_000);
  t.key('C-c');
  await t.waitFor('Rate Maria (1-5, Enter to skip):');
  t.send('', true);
  await t.waitFor('[exit=0]');
});

test('the engineer ends the session: the summary shows and Enter skips the rating', async () => {
  const cwd = await project();
  const t = await startFix('"flaky tests"', cwd);
  const taskId = await openTask('flaky tests');
  eng = new ScriptedEngineer(sb.url, sb.engineerToken);
  await eng.claim(taskId);
  await eng.connect(taskId);
  await t.waitFor('Engineer connected: Maria');
  await eng.endSession();
  const s = await t.waitFor('Rate Maria (1-5, Enter to skip):');
  assert.match(s, 'Ended: the engineer ended the session');
  t.send('', true);
  await t.waitFor('[exit=0]');
  const task = await api(sb.url, 'GET', routes.tasks.get.path(taskId), { token: sb.customerToken });
  assert.is(task.body.rating, null);
});

test.run();
