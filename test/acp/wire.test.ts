// ACP mode on the raw wire: only JSON-RPC lines on stdout, requests pipelined behind initialize are served.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rawAgent, spawnAgentProcess, withTimeout } from '../helpers/agent.js';
import { tempEnv } from '../helpers/env.js';

test('requests pipelined right behind initialize are served, and stdout carries JSON-RPC lines only', async () => {
  const home = tempEnv('http://127.0.0.1:9', { CODEVF_TOKEN: '' });
  const a = spawnAgentProcess(['--acp'], home.env);
  try {
    let out = '';
    a.proc.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    a.proc.stdin.write([
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: 1, clientCapabilities: {} } },
      { jsonrpc: '2.0', id: 2, method: 'session/new', params: { cwd: 'relative', mcpServers: [] } },
      { jsonrpc: '2.0', id: 3, method: 'session/new', params: { cwd: home.home, mcpServers: [] } },
    ].map((m) => JSON.stringify(m) + '\n').join(''));
    await withTimeout(new Promise<void>((r) => { const t = setInterval(() => { if (out.split('\n').length > 3) { clearInterval(t); r(); } }, 20); }),
      15_000, `three answers; got ${out}`);
    const msgs = out.trim().split('\n').map((l) => JSON.parse(l));
    const byId = new Map(msgs.map((m) => [m.id, m]));
    assert.is(byId.get(1).result.protocolVersion, 1);
    assert.is(byId.get(2).error.code, -32602);
    assert.is(byId.get(3).error.code, -32000);
    assert.is((byId.get(3).error.message.match(/codevf login/g) ?? []).length, 1, byId.get(3).error.message);
  } finally {
    a.proc.stdin.end();
    await withTimeout(a.exited, 5000, 'agent exit').catch(() => a.proc.kill('SIGKILL'));
    home.cleanup();
  }
});

test('ACP dispatch from its declarations: initialize first, an unknown method is -32601 naming the served ones, bad params -32602 naming the field', async () => {
  const home = tempEnv('http://127.0.0.1:9', { CODEVF_TOKEN: '' });
  const a = rawAgent('ndjson', ['--acp'], home.env);
  try {
    const early = await a.request(1, 'session/new', { cwd: home.home, mcpServers: [] });
    assert.equal([early.error.code, early.error.data.reason], [-32600, 'not_initialized']);
    assert.is((await a.request(2, 'initialize', { protocolVersion: 1, clientCapabilities: {} })).result.protocolVersion, 1);
    const unknown = await a.request(3, 'session/load', { sessionId: 's' });
    assert.equal([unknown.error.code, unknown.error.data.reason], [-32601, 'method_not_found']);
    assert.match(unknown.error.message, 'initialize, authenticate, session/new, session/prompt, session/cancel');
    const bad = await a.request(4, 'session/prompt', { sessionId: 's', prompt: 'not a list' });
    assert.equal([bad.error.code, bad.error.data.reason], [-32602, 'invalid_params']);
    assert.match(bad.error.message, /session\/prompt: prompt:/);
    const auth = await a.request(5, 'authenticate', { methodId: 'nope' });
    assert.equal([auth.error.code, auth.error.data.reason], [-32602, 'invalid_params']);
  } finally {
    a.proc.stdin.end();
    await withTimeout(a.exited, 5000, 'agent exit').catch(() => a.proc.kill('SIGKILL'));
    home.cleanup();
  }
});

test.run();
