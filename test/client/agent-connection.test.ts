// The vscode-jsonrpc client (frontends/client) against the real agent over pipes: typed requests, checked
// results, the agent's errors with their reasons, cancellation that reaches the agent, 5,000 pipelined pings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectAgent } from '../../frontends/client/agent-connection.js';
import { EngineerMessageNote, GetRates, Initialize, Ping, RpcDiscover, SendMessage, Shutdown } from '../../protocol/index.js';
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

test('a request in flight when the agent dies rejects with connection_closed, and so does the next one', async () => {
  const server = createServer(() => {}).listen(0, '127.0.0.1'); // never answers: the request stays in flight
  await new Promise((r) => server.once('listening', r));
  const a = start(['--host', `http://127.0.0.1:${(server.address() as AddressInfo).port}`]);
  try {
    await a.conn.request(Initialize, CLIENT_INFO);
    const pending = a.conn.request(GetRates, {}).catch((e: RpcError) => e);
    await new Promise<void>((r) => server.once('request', () => r()));
    a.proc.kill('SIGKILL');
    const err = await withTimeout(pending, 10_000, 'the pending request to fail') as RpcError;
    assert.equal([err.code, err.data.reason], [-32603, 'connection_closed']);
    await withTimeout(a.conn.closed, 10_000, 'closed');
    const later = await a.conn.request(Ping, {}).catch((e: RpcError) => e) as RpcError;
    assert.equal([later.code, later.data.reason], [-32603, 'connection_closed']);
  } finally {
    a.conn.dispose();
    server.closeAllConnections();
    server.close();
  }
});

// A stand-in agent that writes 3,000 notifications as fast as it can, one damaged frame among them, then exits.
const FLOOD = `
const frame = (s) => 'Content-Length: ' + Buffer.byteLength(s) + '\\r\\n\\r\\n' + s;
const note = (i) => frame(JSON.stringify({ jsonrpc: '2.0', method: 'engineer_message', params: { taskId: 't_1', seq: i, text: 'x'.repeat(i % 7 || process.argv[2] === 'small' ? 10 : 19000) } }));
let out = '';
for (let i = 0; i < 3000; i++) out += (i === 1500 && process.argv[1] === 'damaged' ? 'Content-Length: 9\\nnot a header\\n\\n{}' : '') + note(i);
process.stdout.write(out);`;

function flood(damaged: boolean, reader: 'project' | 'stock', size: 'mixed' | 'small' = 'mixed') {
  const p = spawn(process.execPath, ['-e', FLOOD, damaged ? 'damaged' : 'clean', size], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = connectAgent(p.stdout, p.stdin, { reader });
  const input = { pauses: 0 };
  const pause = p.stdout.pause.bind(p.stdout);
  p.stdout.pause = () => { input.pauses++; return pause(); };
  const errors: Error[] = [];
  conn.connection.onError(([e]) => errors.push(e));
  const seqs: number[] = [];
  conn.onNotification(EngineerMessageNote, (m) => seqs.push(m.seq));
  return { conn, errors, seqs, input };
}

test('every notification the agent wrote before its output ended is handled, in order, after a damaged frame too; listeners are independent; the input is paused while the connection catches up', async () => {
  const { conn, errors, seqs, input } = flood(true, 'project');
  let other = 0;
  const second = conn.onNotification(EngineerMessageNote, () => { other++; second.dispose(); });
  await withTimeout(conn.closed, 30_000, 'the end of the input');
  assert.is(seqs.length, 3000);
  assert.ok(seqs.every((s, i) => s === i), 'in order');
  assert.is(other, 1);
  assert.ok(input.pauses > 0, 'the reader paused the input while it held unread bytes');
  assert.is(errors.length, 1);
  assert.match(errors[0].message, /damaged frame/);
});

test('the output ends while thousands of small notifications are still undecoded in the reader: each is handled before closed', async () => {
  const { conn, errors, seqs } = flood(false, 'project', 'small');
  await withTimeout(conn.closed, 30_000, 'the end of the input');
  assert.is(seqs.length, 3000);
  assert.ok(seqs.every((s, i) => s === i), 'in order');
  assert.is(errors.length, 0);
});

test('with vscode-jsonrpc\'s stock reader (no pause), the messages queued when the output ends are still handled before closed', async () => {
  const { conn, errors, seqs } = flood(false, 'stock');
  await withTimeout(conn.closed, 30_000, 'the end of the input');
  assert.is(seqs.length, 3000);
  assert.ok(seqs.every((s, i) => s === i), 'in order');
  assert.is(errors.length, 0);
});

// A stand-in agent that sends the client requests the connection drops without handling them: three with the same
// id (each replaces the one before in the connection's queue), and a $/cancelRequest for one already running (the
// connection cancels its token and takes the notification). Then 3,000 notifications.
const DROPPED = `
const frame = (m) => { const s = JSON.stringify({ jsonrpc: '2.0', ...m }); return 'Content-Length: ' + Buffer.byteLength(s) + '\\r\\n\\r\\n' + s; };
let out = '';
for (let i = 0; i < 3; i++) out += frame({ id: 5, method: 'x/unknown', params: {} });
out += frame({ id: 9, method: 'ping', params: {} });
process.stdout.write(out);
setTimeout(() => {
  out = frame({ method: '$/cancelRequest', params: { id: 9 } }) + frame({ method: '$/cancelRequest', params: { id: 9 } });
  for (let i = 0; i < 3000; i++) out += frame({ method: 'engineer_message', params: { taskId: 't_1', seq: i, text: 'x'.repeat(i % 7 ? 10 : 19000) } });
  process.stdout.write(out);
}, 300);`;

test('requests the connection replaces or cancels without handling them do not stall the reader: every later notification is handled', async () => {
  const p = spawn(process.execPath, ['-e', DROPPED], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = connectAgent(p.stdout, p.stdin);
  let running = 0;
  conn.onRequest(Ping, () => { running++; return new Promise<Record<string, never>>(() => {}); });
  const seqs: number[] = [];
  conn.onNotification(EngineerMessageNote, (m) => seqs.push(m.seq));
  try {
    await withTimeout(conn.closed, 30_000, 'every notification handled and the end of the input');
  } finally {
    conn.dispose();
    p.stdout.destroy();
    p.kill();
  }
  assert.is(running, 1);
  assert.is(seqs.length, 3000);
  assert.ok(seqs.every((s, i) => s === i), 'in order');
});

test.run();
