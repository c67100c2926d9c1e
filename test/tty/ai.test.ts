// `codevf fix --hybrid` in a real terminal (tmux) with the scripted ACP agent as the AI: its words under an
// "AI · <name>" label, its write shown as a coloured diff and answered y, then `/human`: the hand-off on
// screen with what the engineer sees, and the engineer joining.
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
  const steps = [{ say: 'Hello, I am the scripted AI.\n' }, { write: 'index.js', content: 'console.log(2)\n' }, { say: 'Changed it; tell me if it works.' }, { end: 'end_turn' }];
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
  await t.waitFor(/AI · Scripted AI: .*Changed it; tell me if it works\./);
  await t.waitFor('Scripted AI (AI) · your turn · /human for an engineer');

  t.send('/human', true);
  s = await t.waitFor('The engineer will see the AI session');
  assert.match(s, 'Handing over to a human engineer (you asked for a human)');
  assert.match(s, /The engineer will see the AI session: \d+ messages, 1 requests with your 1 decisions, 0 outputs/);
  await w.engineerJoins('the counter is off by one');
  await t.waitFor('Engineer connected: Maria');
  await w.eng!.say('I read what the AI did.');
  await t.waitFor(/Maria: I read what the AI did\./);
});

test.run();
