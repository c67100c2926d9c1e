// The AI is held to the engineer's rules: hostile paths, links and never-share files are refused before
// anyone is asked, whether it reads or writes; a command hiding characters is refused; nothing outside the
// project changes and the AI gets only refusals.
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CreateTask } from '../../protocol/methods/session.js';
import { startAiWorld } from './world.js';
import { AiStateNote } from '../../protocol/index.js';

test('hostile reads, writes and commands from the AI are refused at once; nothing outside the project changes', async () => {
  // (.env is asked with the never-share warning, as for an engineer: test/session/files.test.ts covers that path.)
  const reads = ['../outside.txt', '/etc/passwd', 'link-out/outside.txt', 'src/../../outside.txt', '.codevf/session.json'];
  const writes = ['../outside.txt', '/tmp/cvf-ai-pwned', '.git/config', '.env', 'link-out/outside.txt', 'id_rsa'];
  const steps = [...reads.map((read) => ({ read })), ...writes.map((write) => ({ write, content: 'pwned\n' })),
    { run: 'echo ok\u202e;rm -rf ~' }, { end: 'end_turn' }];
  const w = await startAiWorld({ steps });
  try {
    await symlink(join(w.dir, '..'), join(w.dir, 'link-out'));
    const outside = await readFile(join(w.dir, '../outside.txt'), 'utf8');
    await w.agent.request(CreateTask, { description: 'be hostile', mode: 'ai' });
    await w.agent.waitFor(AiStateNote, (s) => s.state === 'ready' && s.detail === 'end_turn', 60_000).catch((e) => { console.error(JSON.stringify(w.agent.notes.map((n) => [n.method, n.params.path ?? n.params.command ?? n.params.text ?? n.params.state, n.params.refused?.reason ?? n.params.detail ?? '']))); throw e; });
    const saw = await w.aiSaw();
    const results = saw.filter((e) => 'read' in e || 'write' in e || 'run' in e);
    assert.is(results.length, reads.length + writes.length + 1);
    assert.equal(results.filter((e) => e.ok), [], 'every one refused');
    const asked = w.agent.notes.filter((n) => /^request_(file|write|command)$/.test(n.method)).map((n) => n.params);
    assert.is(asked.length, reads.length + writes.length + 1);
    assert.equal(asked.filter((r) => !r.refused).map((r) => r.path ?? r.command), [], 'all refused before anyone was asked');
    assert.ok(asked.every((r) => r.requester.type === 'ai'));
    assert.is(await readFile(join(w.dir, '../outside.txt'), 'utf8'), outside);
    assert.is(await readFile(join(w.dir, '.env'), 'utf8'), 'SECRET=hunter2hunter2\n');
    assert.is(await readFile('/tmp/cvf-ai-pwned', 'utf8').catch(() => null), null);
    assert.not.match(JSON.stringify(saw), 'hunter2hunter2');
    assert.not.match(JSON.stringify(saw), 'root:x:0:0');
  } finally { await w.cleanup(); }
});

test.run();
