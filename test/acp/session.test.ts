import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/agent.js';
import { choose, startAcpWorld, textOf } from './harness.js';

test('initialize offers codevf login; a prompt reaches the engineer and the reply streams back as agent_message_chunk', async () => {
  const w = await startAcpWorld();
  try {
    const init = await w.agent.request('initialize', { protocolVersion: 1, clientCapabilities: {} });
    assert.is(init.protocolVersion, 1);
    assert.ok(init.authMethods?.some((m) => m.id === 'codevf-login'));
    const { sessionId, eng } = await w.startSession();

    const turn = w.agent.request('session/prompt', { sessionId, prompt: [{ type: 'text', text: 'the login page returns 500' }] });
    const seen = await eng.waitFor('customer_message');
    assert.is(seen.payload.text, 'the login page returns 500');

    await eng.say('Looking at it now');
    const chunk = await w.waitUpdate((u) => u.sessionUpdate === 'agent_message_chunk' && textOf(u).includes('Looking at it now'), 'the reply');
    assert.is(textOf(chunk), 'Looking at it now');
    const done = await withTimeout(turn, 15_000, 'the end of the turn');
    assert.is(done.stopReason, 'end_turn');
  } finally {
    await w.cleanup();
  }
});

test('a prompt before any engineer joins says it is waiting, and the engineer who joins reads it', async () => {
  const w = await startAcpWorld();
  try {
    const { sessionId, eng } = await w.startSession({ join: false });
    const turn = w.agent.request('session/prompt', { sessionId, prompt: [{ type: 'text', text: 'tests fail on CI only' }] });
    await w.waitUpdate((u) => u.sessionUpdate === 'agent_thought_chunk' && textOf(u).includes('Waiting for an engineer'), 'the waiting note');
    await eng.claim(sessionId);
    await eng.connect(sessionId);
    assert.is((await eng.waitFor('customer_message')).payload.text, 'tests fail on CI only');
    await eng.say('On it');
    assert.is((await withTimeout(turn, 15_000, 'the end of the turn')).stopReason, 'end_turn');
  } finally {
    await w.cleanup();
  }
});

test('a command answered allow_once runs and its output arrives as tool_call_update; reject_once runs nothing', async () => {
  const w = await startAcpWorld();
  try {
    const { eng } = await w.startSession();

    w.answer = choose('allow_once');
    const ran = await eng.requestCommand('echo acp-hello', 'see the output');
    const ask = await w.waitPermission('the first permission prompt');
    assert.is(ask.toolCall.toolCallId, ran);
    assert.is(ask.toolCall.title, 'echo acp-hello');
    assert.is(ask.toolCall.kind, 'execute');
    assert.equal(ask.options.map((o) => o.kind).sort(), ['allow_always', 'allow_once', 'reject_once']);
    const shown = ask.toolCall.content?.map((c) => (c.type === 'content' && c.content.type === 'text' ? c.content.text : '')).join('\n') ?? '';
    assert.ok(shown.includes(w.dir), `the prompt names the folder: ${shown}`);
    assert.ok(shown.includes('see the output'), 'the prompt gives the reason');
    const finished = await w.waitUpdate((u) => u.sessionUpdate === 'tool_call_update' && u.toolCallId === ran && u.status === 'completed', 'the command finishing');
    assert.ok(textOf(finished).includes('acp-hello'), textOf(finished));
    assert.ok(textOf(finished).includes('exit code 0'));
    const result = await eng.waitFor('command_result', (e) => e.payload.requestId === ran);
    assert.is(result.payload.exitCode, 0);

    w.answer = choose('reject_once');
    const denied = await eng.requestCommand('touch denied-marker', 'make a marker');
    const ask2 = await w.waitPermission('the second permission prompt');
    assert.is(ask2.toolCall.title, 'touch denied-marker');
    const decision = await eng.waitFor('command_decision', (e) => e.payload.requestId === denied);
    assert.is(decision.payload.decision, 'deny');
    await w.waitUpdate((u) => u.sessionUpdate === 'tool_call_update' && u.toolCallId === denied && u.status === 'failed', 'the denial');
    assert.not.ok(existsSync(join(w.dir, 'denied-marker')), 'a denied command never runs');
  } finally {
    await w.cleanup();
  }
});

test('a chained command is offered once only, never "allow always"', async () => {
  const w = await startAcpWorld();
  try {
    const { eng } = await w.startSession();
    const id = await eng.requestCommand('echo a && echo b', 'two steps');
    const ask = await w.waitPermission('the prompt');
    assert.is(ask.toolCall.toolCallId, id);
    assert.equal(ask.options.map((o) => o.kind).sort(), ['allow_once', 'reject_once']);
  } finally {
    await w.cleanup();
  }
});

test('session/cancel ends the turn as cancelled and ends the CodeVF session', async () => {
  const w = await startAcpWorld();
  try {
    const { sessionId, eng } = await w.startSession();
    const turn = w.agent.request('session/prompt', { sessionId, prompt: [{ type: 'text', text: 'never mind' }] });
    await eng.waitFor('customer_message');
    await w.agent.notify('session/cancel', { sessionId });
    const done = await withTimeout(turn, 15_000, 'the cancelled turn');
    assert.is(done.stopReason, 'cancelled');
    const end = await eng.waitFor('session_end');
    assert.is(end.payload.reason, 'customer_ended');
    const again = await w.agent.request('session/prompt', { sessionId, prompt: [{ type: 'text', text: 'hello?' }] }).then(() => null, (e) => e);
    assert.ok(again, 'a prompt after cancel is refused');
    assert.match(String(again.message), /ended/);
  } finally {
    await w.cleanup();
  }
});

test('closing the ACP connection ends the CodeVF session (ACP has no way back into it)', async () => {
  const w = await startAcpWorld();
  try {
    const { eng } = await w.startSession();
    await w.waitUpdate((u) => u.sessionUpdate === 'agent_thought_chunk' && textOf(u).includes('joined'), 'the engineer joining');
    w.closeInput();
    const end = await eng.waitFor('session_end', undefined, 15_000);
    assert.is(end.payload.reason, 'customer_ended');
  } finally {
    await w.cleanup();
  }
});

test('without a token session/new answers ACP auth_required (-32000) and tells to run codevf login', async () => {
  const w = await startAcpWorld({ token: '' });
  try {
    await w.agent.request('initialize', { protocolVersion: 1, clientCapabilities: {} });
    const err = await w.agent.request('session/new', { cwd: w.dir, mcpServers: [] }).then(() => null, (e) => e);
    assert.ok(err, 'session/new is refused');
    assert.is(err.code, -32000);
    assert.match(String(err.message), /codevf login/);
    const auth = await w.agent.request('authenticate', { methodId: 'codevf-login' }).then(() => null, (e) => e);
    assert.is(auth?.code, -32000);
  } finally {
    await w.cleanup();
  }
});

test.run();
