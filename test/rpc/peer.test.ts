import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createDecoder, encode } from '../../rpc/framing.js';
import { withTimeout } from '../helpers/agent.js';

function fixture(framing: 'ndjson' | 'content-length') {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/slow-peer.ts'], { stdio: 'pipe' });
  const dec = createDecoder(framing);
  const inbox: any[] = []; const waiters: Array<(m: any) => void> = [];
  let stderr = '';
  proc.stderr.on('data', (c) => { stderr += c; });
  proc.stdout.on('data', (c: Buffer) => { for (const f of dec.push(c)) { const m = 'text' in f ? JSON.parse(f.text) : f; const w = waiters.shift(); w ? w(m) : inbox.push(m); } });
  return {
    proc, stderr: () => stderr,
    send: (m: unknown) => proc.stdin.write(encode(framing, JSON.stringify(m))),
    next: (): Promise<any> => inbox.length ? Promise.resolve(inbox.shift()) : withTimeout(new Promise((r) => waiters.push(r)), 8000, 'message'),
  };
}

test('$/cancelRequest {id} cancels an in-flight request with -32800 and aborts its handler', async () => {
  const f = fixture('content-length');
  f.send({ jsonrpc: '2.0', id: 1, method: 'wait', params: { ms: 60_000 } });
  f.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } });
  const res = await f.next();
  assert.equal(res, { jsonrpc: '2.0', id: 1, error: { code: -32800, message: 'Request cancelled.', data: { reason: 'cancelled', retryable: false } } });
  await new Promise((r) => setTimeout(r, 50));
  assert.match(f.stderr(), 'aborted');
  f.proc.kill();
});

test('$/cancel_request {requestId} (ACP) cancels too; other requests are unaffected and answered once', async () => {
  const f = fixture('ndjson');
  f.send({ jsonrpc: '2.0', id: 'a', method: 'wait', params: { ms: 60_000 } });
  f.send({ jsonrpc: '2.0', id: 'b', method: 'wait', params: { ms: 30 } });
  f.send({ jsonrpc: '2.0', method: '$/cancel_request', params: { requestId: 'a' } });
  const got = [await f.next(), await f.next()];
  assert.equal(got.map((m) => m.id).sort(), ['a', 'b']);
  assert.is(got.find((m) => m.id === 'a').error.code, -32800);
  assert.equal(got.find((m) => m.id === 'b').result, { waited: 30 });
  f.send({ jsonrpc: '2.0', method: '$/cancel_request', params: { requestId: 'a' } }); // late cancel: ignored
  f.send({ jsonrpc: '2.0', id: 'c', method: 'wait', params: { ms: 1 } });
  assert.is((await f.next()).id, 'c');
  f.proc.kill();
});

test('a cancel that arrives after the work is done answers with the result, never "cancelled" for an action that happened', async () => {
  const f = fixture('ndjson');
  f.send({ jsonrpc: '2.0', id: 9, method: 'work', params: { ms: 150 } });
  f.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 9 } });
  assert.equal(await f.next(), { jsonrpc: '2.0', id: 9, result: { waited: 150 } });
  f.proc.kill();
});

test('a handler that throws unexpectedly answers -32603 without a stack trace or its message', async () => {
  const f = fixture('ndjson');
  f.send({ jsonrpc: '2.0', id: 1, method: 'explode' });
  const res = await f.next();
  assert.is(res.error.code, -32603);
  assert.is(res.error.data.reason, 'internal_error');
  assert.not.match(JSON.stringify(res), 'secret stack');
  assert.not.match(JSON.stringify(res), 'at ');
  f.proc.kill();
});

test('a duplicate in-flight request id is refused rather than answered twice', async () => {
  const f = fixture('ndjson');
  f.send({ jsonrpc: '2.0', id: 1, method: 'wait', params: { ms: 100 } });
  f.send({ jsonrpc: '2.0', id: 1, method: 'wait', params: { ms: 1 } });
  const first = await f.next();
  assert.equal([first.id, first.error.code], [null, -32600]);
  assert.equal((await f.next()).result, { waited: 100 });
  f.proc.kill();
});

test.run();
