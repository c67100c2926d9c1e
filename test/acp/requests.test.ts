import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { choose, startAcpWorld, textOf } from './harness.js';

test('allow_always allows that exact command for the session: the same command later runs without a prompt', async () => {
  const w = await startAcpWorld();
  try {
    const { eng } = await w.startSession();
    w.answer = choose('allow_always');
    const first = await eng.requestCommand('echo again', 'first run');
    await w.waitPermission('the prompt for the first run');
    await eng.waitFor('command_result', (e) => e.payload.requestId === first);

    w.answer = () => { throw new Error('no prompt expected for a command allowed for the session'); };
    const second = await eng.requestCommand('echo again', 'second run');
    const done = await w.waitUpdate((u) => u.sessionUpdate === 'tool_call_update' && u.toolCallId === second && u.status === 'completed', 'the second run');
    assert.ok(textOf(done).includes('again'));
    assert.is(w.permissions.length, 1, 'one prompt in all');

    const other = await eng.requestCommand('echo different', 'not covered');
    const ask = await w.waitPermission('a prompt for a different command');
    assert.is(ask.toolCall.toolCallId, other);
  } finally {
    await w.cleanup();
  }
});

test('output streams as in_progress tool_call_updates before the command completes', async () => {
  const w = await startAcpWorld();
  try {
    const { eng } = await w.startSession();
    w.answer = choose('allow_once');
    const id = await eng.requestCommand('echo first-part; sleep 1; echo second-part; exit 3', 'stream it');
    const live = await w.waitUpdate((u) => u.sessionUpdate === 'tool_call_update' && u.toolCallId === id && u.status === 'in_progress'
      && textOf(u).includes('first-part'), 'output while running');
    assert.not.ok(textOf(live).includes('second-part'));
    const done = await w.waitUpdate((u) => u.sessionUpdate === 'tool_call_update' && u.toolCallId === id && u.status !== 'in_progress', 'the end');
    assert.is(done.sessionUpdate === 'tool_call_update' && done.status, 'failed');
    assert.ok(textOf(done).includes('second-part') && textOf(done).includes('exit code 3'), textOf(done));
  } finally {
    await w.cleanup();
  }
});

test('a file request becomes a read permission; allow_once shares the file with the engineer', async () => {
  const w = await startAcpWorld();
  try {
    await writeFile(join(w.dir, 'notes.txt'), 'the login handler is in src/auth.js\n');
    const { eng } = await w.startSession();
    w.answer = choose('allow_once');
    const id = await eng.requestFile('notes.txt', 'read your notes');
    const ask = await w.waitPermission('the file prompt');
    assert.is(ask.toolCall.kind, 'read');
    assert.is(ask.toolCall.title, 'notes.txt');
    const upload = await eng.waitFor('file_upload', (e) => e.payload.requestId === id);
    assert.is((await eng.download(upload.payload.downloadPath)).toString(), 'the login handler is in src/auth.js\n');
    await w.waitUpdate((u) => u.sessionUpdate === 'tool_call_update' && u.toolCallId === id && u.status === 'completed', 'the shared file');
  } finally {
    await w.cleanup();
  }
});

test('a permission prompt answered "cancelled" denies: nothing runs without an explicit yes', async () => {
  const w = await startAcpWorld();
  try {
    const { eng } = await w.startSession();
    w.answer = () => ({ outcome: { outcome: 'cancelled' } });
    const id = await eng.requestCommand('echo nope', 'try');
    await w.waitPermission('the prompt');
    const d = await eng.waitFor('command_decision', (e) => e.payload.requestId === id);
    assert.is(d.payload.decision, 'deny');
  } finally {
    await w.cleanup();
  }
});

test('ACP mode refuses a never-share file without a prompt, even from an editor that allows every read, and says how to share it', async () => {
  const w = await startAcpWorld();
  try {
    await writeFile(join(w.dir, '.env'), 'API_KEY=not-for-the-engineer\n');
    const { eng } = await w.startSession();
    w.answer = choose('allow_once'); // an editor set to auto-approve reads
    const id = await eng.requestFile('.env', 'read your env');
    const d = await eng.waitFor('file_decision', (e) => e.payload.requestId === id);
    assert.is(d.payload.decision, 'deny');
    const refused = await w.waitUpdate((u) => u.sessionUpdate === 'tool_call_update' && u.toolCallId === id && u.status === 'failed', 'the refusal');
    assert.match(textOf(refused), 'is on the never-share list');
    assert.match(textOf(refused), 'codevf fix');
    assert.is(w.permissions.length, 0, 'no prompt for a never-share file');
  } finally {
    await w.cleanup();
  }
});

test('ACP text from the engineer reaches the editor with every control shown, not sent raw', async () => {
  const w = await startAcpWorld();
  try {
    const { eng } = await w.startSession();
    w.answer = choose('allow_once');
    await eng.say('look\x1b]2;pwned\x07 \x1b[2J \u202eevil');
    const said = await w.waitUpdate((u) => u.sessionUpdate === 'agent_message_chunk' && textOf(u).includes('look'), 'the chat');
    assert.match(textOf(said), 'look\\x1b]2;pwned\\x07 \\x1b[2J \\u202eevil');
    const id = await eng.requestCommand(String.raw`printf '\033[31mred\033[0m \033]0;t\007done'`, 'reason\x1b[8m');
    const ask = await w.waitPermission('the prompt');
    assert.not.match(JSON.stringify(ask.toolCall.content), /\\u001b/);
    const done = await w.waitUpdate((u) => u.sessionUpdate === 'tool_call_update' && u.toolCallId === id && u.status === 'completed', 'the output');
    assert.match(textOf(done), 'red \\x1b]0;t\\x07done');
    assert.not.match(textOf(done), /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  } finally {
    await w.cleanup();
  }
});

test.run();
