// `session/request_permission` (the AI agent's own tools) through real processes with the scripted ACP agent:
// an edit inside the project is a write request put to the customer with its diff and honoured on yes and no
// (OpenCode's way, the new content through fs/write_text_file, is that same answer; a different write is
// asked again); an edit to a never-share or outside path is refused without asking; the agent's own read,
// shell and fetch tools are refused without asking (shown as refused requests, audited), with a reason
// telling the AI to use fs/read_text_file or terminal/create.
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApproveWrite, CreateTask } from '../../protocol/methods/session.js';
import { AiStateNote, RequestCommandNote, RequestFileNote, RequestWriteNote } from '../../protocol/index.js';
import { startAiWorld } from './world.js';

const V1 = 'let n = 0;\nn += 2;\nexport default n;\n';
const V2 = 'let n = 0;\nn += 1;\nexport default n;\n';
const V4 = 'let n = 1;\nn += 1;\nexport default n;\n';

test('permissions: edits are asked with their diff and honoured; never-share, outside, read, execute and fetch are refused unasked', async () => {
  const steps = [
    // 1. OpenCode's way: permission with the whole file as oldText, then the same content through fs/write_text_file.
    { permission: { kind: 'edit', title: 'edit src/count.js', diff: { path: 'src/count.js', oldText: V1, newText: V2 }, then: 'client' } },
    // 2. A different write afterwards is asked again (the yes covered exactly one change).
    { write: 'src/count.js', content: 'let n = 99;\n' },
    // 3. A part of the file as oldText (Claude Code's way); allowed, the agent's own tool writes it.
    { permission: { kind: 'edit', title: 'edit part of src/count.js', diff: { path: 'src/count.js', oldText: 'let n = 0;', newText: 'let n = 1;' }, then: 'own' } },
    // 3b. That yes covered the change, not the text: the part written as a whole file is asked (and denied).
    { write: 'src/count.js', content: 'let n = 1;' },
    // 4. Denied: the agent gets its reject option and does nothing.
    { permission: { kind: 'edit', title: 'rewrite src/count.js', diff: { path: 'src/count.js', oldText: null, newText: 'gone\n' }, then: 'own' } },
    // 5-6. Never-share and outside the project: refused before anyone is asked.
    { permission: { kind: 'edit', title: 'edit .env', diff: { path: '.env', oldText: null, newText: 'SECRET=x\n' }, then: 'own' } },
    { permission: { kind: 'edit', title: 'edit ../outside.txt', diff: { path: '../outside.txt', oldText: null, newText: 'pwned\n' }, then: 'own' } },
    { permission: { kind: 'edit', title: 'edit through a link', diff: { path: 'link-out/outside.txt', oldText: null, newText: 'pwned\n' }, then: 'own' } },
    // 7-9. The agent's own read, shell and fetch tools: refused, whatever the customer would say.
    { permission: { kind: 'read', title: 'read src/app.js', path: 'src/app.js' } },
    { permission: { kind: 'execute', title: 'cat .env', command: 'cat .env' } },
    { permission: { kind: 'fetch', title: 'fetch http://169.254.169.254/latest/meta-data' } },
    // 10. An edit with no diff cannot be shown: refused.
    { permission: { kind: 'edit', title: 'edit somehow', path: 'src/count.js' } },
    { end: 'end_turn' },
  ];
  const w = await startAiWorld({ steps, files: { 'src/count.js': V1 } });
  try {
    await symlink(join(w.dir, '..'), join(w.dir, 'link-out'));
    const { taskId } = await w.agent.request(CreateTask, { description: 'fix the counter', mode: 'ai' });
    const answered = new Set<string>();
    // (A write the customer already allowed is announced too, then settled by rule: it is picked by what it shows.)
    const answer = async (decision: 'allow' | 'deny', shows: string, check: (r: any) => void) => {
      const r = await w.agent.waitFor(RequestWriteNote, (n) => !n.refused && !answered.has(n.requestId) && (n.diff + n.reason).includes(shows), 30_000);
      answered.add(r.requestId);
      check(r);
      await w.agent.request(ApproveWrite, { requestId: r.requestId, decision });
    };
    const AI = { type: 'ai', name: 'Scripted AI', tool: 'scripted' };
    await answer('allow', 'its own edit tool (edit src/count.js)', (r) => {
      assert.equal([r.path, r.requester, r.newFile], ['src/count.js', AI, false]);
      assert.match(r.diff, '-n += 2;');
      assert.match(r.diff, '+n += 1;');
      assert.match(r.reason, 'Scripted AI (AI) wants to change this file with its own edit tool (edit src/count.js)');
    });
    await answer('deny', '+let n = 99;', (r) => assert.match(r.reason, 'wants to change this file'));
    await answer('allow', 'edit part of src/count.js', (r) => {
      // The diff is against the file as it is now (V2, written by step 1), with the part replaced.
      assert.match(r.diff, '-let n = 0;');
      assert.match(r.diff, '+let n = 1;');
      assert.not.match(r.diff, 'n += 2');
    });
    await answer('deny', '-export default n;', (r) => assert.match(r.reason, 'wants to change this file'));
    await answer('deny', 'rewrite src/count.js', (r) => assert.match(r.diff, '+gone'));
    await w.agent.waitFor(AiStateNote, (s) => s.state === 'ready' && s.detail === 'end_turn', 60_000);

    const perms = (await w.aiSaw()).filter((e) => 'permission' in e);
    assert.equal(perms.map((e) => [e.outcome.optionId ?? e.outcome.outcome, e.wrote]),
      [['yes', 'client'], ['yes', 'own'], ['no', null], ['no', null], ['no', null], ['no', null], ['no', null], ['no', null], ['no', null], ['no', null]],
      'only "allow once" is ever chosen; refused and denied ones get the reject option');
    assert.is(perms.filter((e) => e.meta?.codevf).length, 8, 'every refusal and denial says why in _meta.codevf');
    const why = (title: string) => perms.find((e) => e.permission === title).meta.codevf.message as string;
    assert.match(why('read src/app.js'), 'fs/read_text_file');
    assert.match(why('cat .env'), 'terminal/create');
    assert.match(why('fetch http://169.254.169.254/latest/meta-data'), 'network');
    assert.match(why('edit .env'), 'never-share');
    assert.match(why('edit ../outside.txt'), 'leave the project');
    assert.match(why('edit somehow'), 'no diff');
    assert.equal((await w.aiSaw()).filter((e) => 'write' in e).map((e) => e.ok), [false, false], 'the different writes were asked and denied');

    assert.is(await readFile(join(w.dir, 'src/count.js'), 'utf8'), V4, 'steps 1 and 3 applied, 2 and 4 not');
    assert.is(await readFile(join(w.dir, '.env'), 'utf8'), 'SECRET=hunter2hunter2\n');
    assert.is(await readFile(join(w.dir, '../outside.txt'), 'utf8'), 'outside the project\n');

    // Shown to the customer as refused requests of the matching kind, named as the AI's; nobody was asked.
    const refusedWrites = w.agent.notes.filter((n) => n.method === 'request_write' && n.params.refused).map((n) => [n.params.path, n.params.refused.reason]);
    assert.equal(refusedWrites, [['.env', 'never_share'], ['../outside.txt', 'path_traversal'], ['link-out/outside.txt', 'path_outside_project']]);
    const file = await w.agent.waitFor(RequestFileNote);
    assert.equal([file.path, file.requester, file.refused?.reason], ['src/app.js', AI, 'ai_tool_read']);
    const cmd = await w.agent.waitFor(RequestCommandNote);
    assert.equal([cmd.command, cmd.requester, cmd.refused?.reason], ['cat .env', AI, 'ai_tool_execute']);
    const shown = w.agent.notes.filter((n) => /^request_(file|command|write)$/.test(n.method) && !n.params.refused).map((n) => n.params.requestId);
    const byRule = w.agent.notes.filter((n) => n.method === 'request_resolved' && n.params.decidedBy === 'rule').map((n) => n.params.requestId);
    assert.is(byRule.length, 1, 'the write of exactly the allowed change was settled by that answer');
    assert.equal(shown.filter((id) => !byRule.includes(id)).sort(), [...answered].sort(), 'only the four edits and the two different writes were asked');

    const audit = (await readFile(join(w.dir, '.codevf/audit.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(audit.filter((a) => a.event === 'decision' && a.requester?.type === 'ai').map((a) => [a.kind, a.decision, a.decidedBy]), [
      ['write', 'allow', 'customer'], ['write', 'allow', 'rule'], ['write', 'deny', 'customer'], ['write', 'allow', 'customer'], ['write', 'deny', 'customer'],
      ['write', 'deny', 'customer'], ['write', 'deny', 'agent'], ['write', 'deny', 'agent'], ['write', 'deny', 'agent'], ['file', 'deny', 'agent'], ['command', 'deny', 'agent'],
    ]);
    assert.equal(audit.filter((a) => a.event === 'ai_permission_refused').map((a) => [a.subject, a.refusal, a.requester?.name]), [
      ['fetch: fetch http://169.254.169.254/latest/meta-data', 'ai_tool_fetch', 'Scripted AI'],
      [`edit: edit somehow (${join(w.dir, 'src/count.js')})`, 'ai_tool_no_diff', 'Scripted AI']]);
    assert.is(audit.filter((a) => a.event === 'file_written').length, 1, 'CodeVF wrote only the fs/write_text_file change; the edit tool wrote its own');
    assert.not.match(JSON.stringify(await w.aiSaw()), 'hunter2hunter2');
    assert.ok(taskId);
  } finally { await w.cleanup(); }
});

test.run();
