// The zero-plugin path: examples/jetbrains/acp.json has the shape JetBrains IDEs read from ~/.jetbrains/acp.json,
// and the agent it launches (with its args and env) holds a live session for an ACP client (the official SDK).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/agent.js';
import { startAcpWorld, textOf } from '../acp/harness.js';

const CONFIG = resolve(import.meta.dirname, '../../examples/jetbrains/acp.json');

interface AgentServer { command: string; args: string[]; env: Record<string, string> }

test('acp.json registers codevf-agent --acp under agent_servers with command, args and env', () => {
  const cfg = JSON.parse(readFileSync(CONFIG, 'utf8')) as { agent_servers: Record<string, AgentServer> };
  const servers = Object.values(cfg.agent_servers);
  assert.is(servers.length, 1);
  const [s] = servers;
  assert.is(s.command, 'codevf-agent');
  assert.ok(s.args.includes('--acp'));
  assert.type(s.env, 'object');
});

test('the agent launched as acp.json says talks to an ACP client: prompt out, engineer reply in', async () => {
  const cfg = JSON.parse(readFileSync(CONFIG, 'utf8')) as { agent_servers: Record<string, AgentServer> };
  const [s] = Object.values(cfg.agent_servers);
  // `codevf-agent` is the installed bin (dist/codevf-agent.js); the args and env are the file's own.
  const w = await startAcpWorld({ args: s.args, env: s.env });
  try {
    const { sessionId, eng } = await w.startSession();
    const turn = w.agent.request('session/prompt', { sessionId, prompt: [{ type: 'text', text: 'hello from the IDE' }] });
    assert.is((await eng.waitFor('customer_message')).payload.text, 'hello from the IDE');
    await eng.say('hello from the engineer');
    await w.waitUpdate((u) => u.sessionUpdate === 'agent_message_chunk' && textOf(u).includes('hello from the engineer'), 'the reply');
    assert.is((await withTimeout(turn, 15_000, 'the end of the turn')).stopReason, 'end_turn');
  } finally {
    await w.cleanup();
  }
});

test.run();
