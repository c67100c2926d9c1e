import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import * as rpc from 'vscode-jsonrpc/node';
import { requests } from '../../protocol/index.js';
import { CLIENT_INFO, rawAgent, spawnAgentProcess, withTimeout } from '../helpers/agent.js';

test('rpc.discover lists every method the agent answers and equals schemas/openrpc.json', async () => {
  const a = rawAgent('ndjson');
  const init = await a.request(1, 'initialize', CLIENT_INFO);
  const doc = (await a.request(2, 'rpc.discover')).result;
  const onDisk = JSON.parse(readFileSync('schemas/openrpc.json', 'utf8'));
  assert.equal(doc, onDisk);
  const answered = doc.methods.filter((m: any) => m['x-kind'] === 'request' && m['x-direction'] === 'client-to-agent').map((m: any) => m.name);
  assert.equal(answered.sort(), [...init.result.capabilities.methods].sort());
  assert.equal(answered.sort(), requests.filter((r) => r.direction === 'client-to-agent').map((r) => r.method).sort());
  a.kill();
});

test('a stock vscode-jsonrpc client (as LSP4J and Neovim speak) talks to the agent over Content-Length', async () => {
  const a = spawnAgentProcess();
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(a.proc.stdout), new rpc.StreamMessageWriter(a.proc.stdin));
  conn.listen();
  const init: any = await withTimeout(conn.sendRequest('initialize', CLIENT_INFO), 5000, 'initialize');
  assert.is(init.serverInfo.name, 'codevf-agent');
  assert.equal(await conn.sendRequest('ping', {}), {});
  const err = await conn.sendRequest('nope', {}).then(() => null, (e) => e);
  assert.equal([err.code, err.data.reason], [-32601, 'method_not_found']);
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  assert.equal(await withTimeout(a.exited, 3000, 'exit'), { code: 0, signal: null });
  conn.dispose();
});

test.run();
