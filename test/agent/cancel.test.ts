// Cancellation reaches the work: the backend call a handler started is aborted, and -32800 is answered at once,
// while the backend still holds its reply (no timing: the reply is released only after the test saw -32800).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLIENT_INFO, rawAgent, withTimeout } from '../helpers/agent.js';

for (const [spelling, cancel] of [
  ['$/cancelRequest', (id: number) => ({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } })],
  ['$/cancel_request', (id: number) => ({ jsonrpc: '2.0', method: '$/cancel_request', params: { requestId: id } })],
] as const) {
  test(`${spelling} aborts the backend call in flight and answers -32800 before the backend has replied`, async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let arrived!: (req: IncomingMessage) => void;
    const got = new Promise<IncomingMessage>((r) => { arrived = r; });
    const server = createServer((req, res) => {
      arrived(req);
      void held.then(() => { if (!res.destroyed) res.end('{}'); });
    }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const a = rawAgent('ndjson', ['--host', `http://127.0.0.1:${(server.address() as AddressInfo).port}`]);
    try {
      await a.request(1, 'initialize', CLIENT_INFO);
      a.send({ jsonrpc: '2.0', id: 5, method: 'getRates', params: {} });
      const req = await withTimeout(got, 10_000, 'the backend call');
      const closed = new Promise<void>((r) => req.socket.once('close', () => r()));
      a.send(cancel(5));
      assert.equal(await a.next(), { jsonrpc: '2.0', id: 5, error: { code: -32800, message: 'Request cancelled.', data: { reason: 'cancelled', retryable: false } } });
      await withTimeout(closed, 10_000, 'the agent to abort its HTTP request'); // the call itself stopped
      release();
      assert.equal(await a.request(6, 'ping'), { jsonrpc: '2.0', id: 6, result: {} });
    } finally {
      release();
      a.kill();
      server.close();
    }
  });
}

test.run();
