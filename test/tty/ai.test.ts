// `codevf fix --hybrid` in a real terminal (tmux) with the scripted ACP agent as the AI: its words under an
// "AI · <name>" label, its write shown as a coloured diff and answered y, then `/human`: the hand-off on
// screen with what the engineer sees (the newest lines of the redacted transcript, neutralised; /transcript
// for all of it), and the engineer joining.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scriptedAiBin } from '../ai/world.js';
import { LiveWorld } from './world.js';

let w: LiveWorld;
test.before(async () => { w = await LiveWorld.start([]); });
test.after.each(() => w.reset());
test.after(() => w?.stop());

test('--hybrid: the AI speaks under its own label, its write is a coloured diff answered y, /human hands over and the engineer joins', async () => {
  const cwd = await w.project();
  const config = JSON.parse(await readFile(join(cwd, '.codevf/config.json'), 'utf8'));
  await writeFile(join(cwd, '.codevf/config.json'), JSON.stringify({ ...config, allowedTools: ['scripted'] }));
  await writeFile(join(cwd, 'index.js'), 'console.log(1)\n');
  await mkdir(join(w.home.dir, '.config/codevf'), { recursive: true });
  const hostile = ['../a.txt', '../b.txt', '../c.txt', '../d.txt', '../e.txt'].map((read) => ({ read }));
  const steps = [{ say: 'Hello, I am the scripted AI.\n' }, ...hostile, { write: 'index.js', content: 'console.log(2)\n' },
    { say: 'Changed it \x1b]0;pwned\x07\x1b[41mkey AKIAIOSFODNN7EXAMPLE\x1b[0m; tell me if it works.' }, { end: 'end_turn' }];
  await writeFile(join(w.home.dir, '.config/codevf/ai-agents.json'), JSON.stringify({ agents: { scripted: {
    command: process.execPath, args: [await scriptedAiBin()], title: 'Scripted AI', env: { CVF_AI_STEPS: JSON.stringify(steps) } } } }));

  const t = w.fix('"the counter is off by one" --hybrid', cwd);
  await t.waitFor('Starting the AI agent...');
  await t.waitFor(/\[\d\d:\d\d\] AI · Scripted AI: Hello, I am the scripted AI\./);
  let s = await t.waitFor('Apply this change to index.js? (y/n)');
  assert.match(s, 'Scripted AI (AI) proposes a change to index.js');
  assert.match(s, '-console.log(1)');
  assert.match(s, '+console.log(2)');
  const colours = t.visibleEscapes();
  assert.match(colours, /\x1b\[(?:[0-9;]*;)?32m\+console\.log\(2\)/, 'added line in green');
  assert.match(colours, /\x1b\[(?:[0-9;]*;)?31m-console\.log\(1\)/, 'removed line in red');
  t.send('y', true);
  await t.waitFor('You applied the change to index.js');
  assert.is(await readFile(join(cwd, 'index.js'), 'utf8'), 'console.log(2)\n');
  await t.waitFor(/AI · Scripted AI: .*Changed it .*tell me if it works\./);
  await t.waitFor('Scripted AI (AI) · your turn · /human for an engineer');

  t.send('/human', true);
  s = await t.waitFor('/transcript shows all of it.');
  const handoff = s.slice(s.lastIndexOf('Handing over to a human engineer'));
  assert.match(handoff, 'Handing over to a human engineer (you asked for a human)');
  // 1 + 2 x 5 + 1 + 1 lines (the customer, the AI, each refused read and what the AI said of it, the write, the AI): the newest 12.
  assert.match(handoff, /The engineer will see the AI session \(\d+ entries, secrets redacted\); the last 12 lines:\n +… 2 earlier\n/);
  assert.match(handoff, 'AI · Scripted AI asked to read ../e.txt: denied (agent)');
  assert.match(handoff, 'AI · Scripted AI asked to change index.js: allowed (customer)');
  assert.match(handoff, /AI · Scripted AI: I wrote index\.js\.Changed it \\x1b\]0;pwned\\x07\\x1b\[41mkey \[REDACTED:[^\]]+\]/, 'redacted, escapes shown as text');
  assert.not.match(handoff, 'AKIAIOSFODNN7EXAMPLE');
  assert.not.match(handoff, 'You: the counter is off by one', 'older than the last 12 lines');
  assert.not.match(t.visibleEscapes(), /\x1b\]0;pwned|\x1b\[41m/, 'no escape from the transcript reaches the terminal');
  t.send('/transcript', true);
  s = await t.waitFor('(end of the AI session)');
  const all = s.slice(s.lastIndexOf('What the engineer sees: the whole AI session'));
  assert.match(all, 'You: the counter is off by one');
  assert.match(all, 'AI · Scripted AI asked to read ../a.txt: denied (agent)');
  assert.match(all, 'AI · Scripted AI asked to change index.js: allowed (customer)');
  await w.engineerJoins('the counter is off by one');
  await t.waitFor('Engineer connected: Maria');
  await w.eng!.say('I read what the AI did.');
  await t.waitFor(/Maria: I read what the AI did\./);
});

test.run();
