// ACP mode on the raw wire: only JSON-RPC lines on stdout, requests pipelined behind initialize are served.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnAgentProcess, withTimeout } from '../helpers/agent.js';
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

test.run();
