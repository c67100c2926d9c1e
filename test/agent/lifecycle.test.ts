import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { requests } from '../../protocol/index.js';
import { PROTOCOL_VERSION, VERSION } from '../../protocol/version.js';
import type { Framing } from '../../rpc/framing.js';
import { CLIENT_INFO, rawAgent, withTimeout } from '../helpers/agent.js';

const FRAMINGS: Framing[] = ['ndjson', 'content-length'];
const ALL_METHODS = requests.map((r) => r.method);

for (const framing of FRAMINGS) {
  test(`[${framing}] initialize with only clientInfo succeeds and is answered in the same framing`, async () => {
    const a = rawAgent(framing);
    const res = await a.request(1, 'initialize', CLIENT_INFO);
    assert.equal(res, {
      jsonrpc: '2.0', id: 1,
      result: {
        protocolVersion: PROTOCOL_VERSION,
        serverInfo: { name: 'codevf-agent', version: VERSION },
        capabilities: { framings: ['content-length', 'ndjson'], cancellation: ['$/cancelRequest', '$/cancel_request'], methods: ALL_METHODS },
      },
    });
    const raw = a.rawOut().toString();
    assert.ok(framing === 'ndjson' ? raw.startsWith('{"jsonrpc"') && raw.endsWith('\n') : raw.startsWith('Content-Length: '));
    a.kill();
  });

  test(`[${framing}] a request before initialize gets -32002`, async () => {
    const a = rawAgent(framing);
    const res = await a.request(1, 'ping');
    assert.equal(res.error.code, -32002);
    assert.equal(res.error.data, { reason: 'not_initialized', retryable: false });
    assert.equal((await a.request(2, 'initialize', CLIENT_INFO)).id, 2);
    assert.equal(await a.request(3, 'ping'), { jsonrpc: '2.0', id: 3, result: {} });
    a.kill();
  });

  test(`[${framing}] malformed JSON gets -32700 with id null and the next request still works`, async () => {
    const a = rawAgent(framing);
    await a.request(1, 'initialize', CLIENT_INFO);
    a.send('{"jsonrpc": "2.0", "id": 2, "method": "ping"');
    const err = await a.next();
    assert.equal(err.id, null);
    assert.equal(err.error.code, -32700);
    assert.equal(err.error.data.reason, 'parse_error');
    assert.equal(await a.request(3, 'ping'), { jsonrpc: '2.0', id: 3, result: {} });
    a.kill();
  });

  test(`[${framing}] valid JSON that is not a request gets -32600 and the connection survives`, async () => {
    const a = rawAgent(framing);
    await a.request(1, 'initialize', CLIENT_INFO);
    const bad: Array<[unknown, number | null]> = [
      [42, null], ['"text"', null], [[], null], [{ id: 5, method: 'ping', jsonrpc: '1.0' }, 5],
      [{ jsonrpc: '2.0', id: 6 }, 6], [{ jsonrpc: '2.0', id: {}, method: 'ping' }, null],
      [{ jsonrpc: '2.0', id: 8, method: 12 }, 8], [{ jsonrpc: '2.0', id: 9, method: 'ping', params: 'x' }, 9],
    ];
    for (const [msg, id] of bad) {
      a.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
      const res = await a.next();
      assert.equal([res.id, res.error.code, res.error.data.reason], [id, -32600, 'invalid_request'], JSON.stringify(msg));
    }
    assert.equal(await a.request(10, 'ping'), { jsonrpc: '2.0', id: 10, result: {} });
    a.kill();
  });

  test(`[${framing}] an unknown method gets -32601 and bad params get -32602 naming the field`, async () => {
    const a = rawAgent(framing);
    await a.request(1, 'initialize', CLIENT_INFO);
    const nf = await a.request(2, 'noSuchMethod', {});
    assert.equal(nf.error.code, -32601);
    assert.match(nf.error.message, 'noSuchMethod');
    const a2 = rawAgent(framing);
    const bp = await a2.request(1, 'initialize', { clientInfo: { name: 'x' } });
    assert.equal(bp.error.code, -32602);
    assert.match(bp.error.message, 'clientInfo.version');
    assert.equal(bp.error.data.reason, 'invalid_params');
    // zod's English messages, even before anything but initialize's own (zod/mini) declarations has loaded.
    assert.equal(bp.error.data.issues, [{ path: 'clientInfo.version', message: 'Invalid input: expected string, received undefined' }]);
    a.kill(); a2.kill();
  });

  test(`[${framing}] shutdown then exit ends the process with code 0, answering what was in flight`, async () => {
    const a = rawAgent(framing);
    await a.request(1, 'initialize', CLIENT_INFO);
    a.send({ jsonrpc: '2.0', id: 2, method: 'shutdown' });
    a.send({ jsonrpc: '2.0', id: 3, method: 'ping' });
    a.send({ jsonrpc: '2.0', method: 'exit' });
    const got = [await a.next(), await a.next()].sort((x, y) => x.id - y.id);
    assert.equal(got[0], { jsonrpc: '2.0', id: 2, result: null });
    assert.equal([got[1].id, got[1].error.data.reason], [3, 'shutting_down']);
    assert.equal(await withTimeout(a.exited, 3000, 'exit'), { code: 0, signal: null });
  });
}

test('exit without shutdown ends the process with code 1', async () => {
  const a = rawAgent('ndjson');
  await a.request(1, 'initialize', CLIENT_INFO);
  a.send({ jsonrpc: '2.0', method: 'exit' });
  assert.equal(await withTimeout(a.exited, 3000, 'exit'), { code: 1, signal: null });
});

test('stdin EOF and SIGTERM each end the agent cleanly', async () => {
  const a = rawAgent('ndjson');
  await a.request(1, 'initialize', CLIENT_INFO);
  a.proc.stdin.end();
  assert.equal(await withTimeout(a.exited, 3000, 'exit after EOF'), { code: 0, signal: null });
  const b = rawAgent('content-length');
  await b.request(1, 'initialize', CLIENT_INFO);
  b.proc.kill('SIGTERM');
  assert.equal(await withTimeout(b.exited, 3000, 'exit after SIGTERM'), { code: 0, signal: null });
});

test('a pipelined burst of requests is answered in full, each id exactly once', async () => {
  const a = rawAgent('ndjson');
  await a.request(1, 'initialize', CLIENT_INFO);
  const n = 2000;
  let burst = '';
  for (let i = 0; i < n; i++) burst += JSON.stringify({ jsonrpc: '2.0', id: 100 + i, method: 'ping' }) + '\n';
  a.write(burst);
  const ids = new Set<number>();
  for (let i = 0; i < n; i++) ids.add((await a.next()).id);
  assert.is(ids.size, n);
  a.kill();
});

test('Content-Length frames split across writes and several frames in one write are both read', async () => {
  const a = rawAgent('content-length');
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: CLIENT_INFO });
  const frame = `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  for (const piece of [frame.slice(0, 7), frame.slice(7, 30), frame.slice(30)]) { a.write(piece); await new Promise((r) => setTimeout(r, 20)); }
  assert.is((await a.next()).id, 1);
  const ping = (id: number) => { const b = JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }); return `Content-Length: ${b.length}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${b}`; };
  a.write(ping(2) + ping(3) + ping(4));
  assert.equal([(await a.next()).id, (await a.next()).id, (await a.next()).id].sort(), [2, 3, 4]);
  a.kill();
});

test('--framing forces a framing; newline JSON with CRLF line ends is accepted', async () => {
  const a = rawAgent('ndjson', ['--framing', 'ndjson']);
  a.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: CLIENT_INFO }) + '\r\n');
  assert.is((await a.next()).id, 1);
  a.kill();
});

test('--verbose logs go to stderr and --log-file; stdout carries protocol messages only', async () => {
  const file = `/tmp/codevf-agent-test-${process.pid}.log`;
  const a = rawAgent('ndjson', ['--verbose', '--log-file', file]);
  await a.request(1, 'initialize', CLIENT_INFO);
  a.send('not json');
  await a.next();
  await a.request(2, 'ping');
  a.proc.stdin.end();
  await withTimeout(a.exited, 3000, 'exit');
  for (const line of a.rawOut().toString().split('\n').filter(Boolean)) assert.is(JSON.parse(line).jsonrpc, '2.0');
  assert.match(a.stderr(), 'initialize from test 1');
  assert.match(readFileSync(file, 'utf8'), 'initialize from test 1');
});

test('an unknown command-line flag is a usage error on stderr, exit 2', async () => {
  const a = rawAgent('ndjson', ['--bogus']);
  const { code } = await withTimeout(a.exited, 3000, 'exit');
  assert.is(code, 2);
  assert.match(a.stderr(), 'unknown option --bogus');
  assert.is(a.rawOut().length, 0);
});

test.run();
