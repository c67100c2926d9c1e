// The vscode-jsonrpc client (frontends/client) against the real agent over pipes: typed requests, checked
// results, the agent's errors with their reasons, cancellation that reaches the agent, 5,000 pipelined pings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectAgent } from '../../frontends/client/agent-connection.js';
import { GetRates, Initialize, Ping, RpcDiscover, SendMessage, Shutdown } from '../../protocol/index.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import type { RpcError } from '../../protocol/errors.js';
import { CLIENT_INFO, spawnAgentProcess, withTimeout } from '../helpers/agent.js';

function start(args: string[] = []) {
  const a = spawnAgentProcess(args);
  return { ...a, conn: connectAgent(a.proc.stdout, a.proc.stdin) };
}

test('initialize, ping and rpc.discover through vscode-jsonrpc, results checked against their declarations', async () => {
  const a = start();
  const init = await a.conn.request(Initialize, CLIENT_INFO);
  assert.is(init.protocolVersion, PROTOCOL_VERSION);
  assert.equal(await a.conn.request(Ping, {}), {});
  assert.is((await a.conn.request(RpcDiscover, {})).openrpc.slice(0, 2), '1.');
  const pings = await Promise.all(Array.from({ length: 5000 }, () => a.conn.request(Ping, {})));
  assert.is(pings.length, 5000);
  assert.is(await a.conn.request(Shutdown, undefined), null);
  a.conn.dispose();
  a.proc.kill();
});

test('the agent\'s errors arrive as RpcError with code and data.reason; bad params are refused before sending', async () => {
  const a = start();
  await a.conn.request(Initialize, CLIENT_INFO);
  const local = await a.conn.request(SendMessage, { taskId: '', text: 'x' }).then(() => { throw new Error('sent'); }, (e: RpcError) => e);
  assert.equal([local.code, local.data.reason], [-32602, 'invalid_params']);
  const remote = await a.conn.request(SendMessage, { taskId: 't_nope', text: 'hello' }).then(() => { throw new Error('answered'); }, (e: RpcError) => e);
  assert.ok(remote.code < 0 && typeof remote.data.reason === 'string', JSON.stringify(remote));
  a.conn.dispose();
  a.proc.kill();
});

test('an AbortSignal cancels through $/cancelRequest: the agent aborts its backend call and answers -32800', async () => {
  let arrived!: (req: IncomingMessage) => void;
  const got = new Promise<IncomingMessage>((r) => { arrived = r; });
  const server = createServer((req) => arrived(req)).listen(0, '127.0.0.1'); // never answers
  await new Promise((r) => server.once('listening', r));
  const a = start(['--host', `http://127.0.0.1:${(server.address() as AddressInfo).port}`]);
  try {
    await a.conn.request(Initialize, CLIENT_INFO);
    const ctrl = new AbortController();
    const pending = a.conn.request(GetRates, {}, { signal: ctrl.signal }).catch((e: RpcError) => e);
    const req = await withTimeout(got, 10_000, 'the backend call');
    const closed = new Promise<void>((r) => req.socket.once('close', () => r()));
    ctrl.abort();
    const err = await withTimeout(pending, 10_000, 'the cancelled answer') as RpcError;
    assert.equal([err.code, err.data.reason], [-32800, 'cancelled']);
    await withTimeout(closed, 10_000, 'the HTTP request to be aborted');
  } finally {
    a.conn.dispose();
    a.proc.kill();
    server.closeAllConnections();
    server.close();
  }
});

test.run();
