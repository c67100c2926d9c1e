import net, { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as z from 'zod';
import { HttpClient, type HttpClientOptions } from '../../agent/net/http.js';
import { endpoint } from '../../protocol/backend/define.js';
import { ErrorCode } from '../../protocol/errors.js';
import { rejection } from '../project/helpers.js';
import { json, startHttp, type TestServer } from './servers.js';

const TOKEN = 'cvf_secret_token_abcdefghijklmnop';
let srv: TestServer;
const clients: HttpClient[] = [];
const slept: number[] = [];

function client(opts: Partial<HttpClientOptions> = {}): HttpClient {
  const c = new HttpClient({
    baseUrl: `http://127.0.0.1:${srv.port}/`, token: () => TOKEN, env: {}, backoffMs: 1, maxBackoffMs: 2,
    sleep: async (ms) => { slept.push(ms); }, ...opts,
  });
  clients.push(c);
  return c;
}

test.before.each(async () => { srv = await startHttp(); slept.length = 0; });
test.after.each(async () => { clients.splice(0).forEach((c) => c.close()); await srv.close(); });

test('GET sends the bearer token and returns the parsed JSON', async () => {
  srv.handle((_q, res) => json(res, 200, { ok: true }));
  assert.equal(await client().request('GET', '/api/x', { query: { a: 1, skip: undefined } }), { ok: true });
  assert.equal([srv.seen[0].method, srv.seen[0].url, srv.seen[0].headers.authorization], ['GET', '/api/x?a=1', `Bearer ${TOKEN}`]);
});

test('POST sends a JSON body with its content type', async () => {
  srv.handle((_q, res, body) => json(res, 201, { echo: JSON.parse(body) }));
  assert.equal(await client().request('POST', 'api/y', { body: { n: 1 } }), { echo: { n: 1 } });
  assert.is(srv.seen[0].headers['content-type'], 'application/json');
});

test('a path prefix in the base URL is kept', async () => {
  srv.handle((_q, res) => json(res, 200, {}));
  await client({ baseUrl: `http://127.0.0.1:${srv.port}/prefix/` }).request('GET', '/api/z');
  assert.is(srv.seen[0].url, '/prefix/api/z');
});

test('401 is auth_required telling to run codevf login, without the token', async () => {
  srv.handle((_q, res) => json(res, 401, { error: { code: 'token_expired', message: `token ${TOKEN} expired` } }));
  const err = await rejection(client().request('GET', '/api/me'));
  assert.equal(err.toJSON(), {
    code: ErrorCode.AuthRequired, message: 'Authentication failed. Please run: codevf login',
    data: { reason: 'auth_required', retryable: false, backendCode: 'token_expired' },
  });
  assert.is(srv.seen.length, 1);
});

test("the backend's error body becomes BackendError with its code and message", async () => {
  srv.handle((_q, res) => json(res, 409, { error: { code: 'not_your_task', message: 'That task belongs to someone else.' } }));
  const err = await rejection(client().request('POST', '/api/t', { body: {} }));
  assert.equal(err.toJSON(), {
    code: ErrorCode.BackendError, message: 'That task belongs to someone else.',
    data: { reason: 'backend_error', retryable: false, status: 409, backendCode: 'not_your_task' },
  });
});

test('a backend message that echoes the token is masked', async () => {
  srv.handle((_q, res) => json(res, 400, { error: { code: 'bad', message: `bad header Bearer ${TOKEN}` } }));
  const err = await rejection(client().request('GET', '/x'));
  assert.not.match(JSON.stringify(err.toJSON()), TOKEN);
  assert.not.match(JSON.stringify(err.toJSON()), 'secret_token');
});

test('a non-JSON error body maps to http_<status>', async () => {
  srv.handle((_q, res) => res.writeHead(500).end('<html>oops</html>'));
  const err = await rejection(client().request('POST', '/x', { body: {} }));
  assert.equal([err.code, err.message, err.data.backendCode, err.data.retryable],
    [ErrorCode.BackendError, 'The CodeVF server answered HTTP 500.', 'http_500', true]);
});

test('GET is retried on 503 with growing backoff and then succeeds', async () => {
  srv.handle((_q, res, _b, n) => (n < 3 ? json(res, 503, { error: { code: 'busy', message: 'busy' } }) : json(res, 200, { n })));
  const c = client({ backoffMs: 100, maxBackoffMs: 10_000 });
  assert.equal(await c.request('GET', '/x'), { n: 3 });
  assert.is(srv.seen.length, 3);
  assert.is(slept.length, 2);
  assert.ok(slept[0] >= 50 && slept[0] <= 100 && slept[1] >= 100 && slept[1] <= 200, `delays ${slept}`);
});

test('POST without an idempotency key is never retried', async () => {
  srv.handle((_q, res) => json(res, 503, { error: { code: 'busy', message: 'busy' } }));
  const err = await rejection(client().request('POST', '/x', { body: {} }));
  assert.equal([srv.seen.length, err.data.backendCode, err.data.retryable], [1, 'busy', true]);
});

test('POST with an idempotency key is retried with the same key', async () => {
  srv.handle((_q, res, _b, n) => (n < 2 ? json(res, 502, {}) : json(res, 200, { ok: 1 })));
  assert.equal(await client().request('POST', '/x', { body: {}, idempotencyKey: 'k-1' }), { ok: 1 });
  assert.equal(srv.seen.map((s) => s.headers['idempotency-key']), ['k-1', 'k-1']);
});

test('a 400 is not retried even for GET', async () => {
  srv.handle((_q, res) => json(res, 400, { error: { code: 'invalid_body', message: 'field x' } }));
  await rejection(client().request('GET', '/x'));
  assert.is(srv.seen.length, 1);
});

test('retries stop after the configured number and the last error is returned', async () => {
  srv.handle((_q, res) => json(res, 504, { error: { code: 'gateway', message: 'gateway timeout' } }));
  const err = await rejection(client({ retries: 2 }).request('GET', '/x'));
  assert.equal([srv.seen.length, err.data.backendCode], [3, 'gateway']);
});

test('Retry-After on 429 is honoured', async () => {
  srv.handle((_q, res, _b, n) => (n === 1 ? json(res, 429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '2' }) : json(res, 200, {})));
  await client().request('GET', '/x');
  assert.equal(slept, [2000]);
});

test('a Retry-After beyond the limit is returned to the caller, not waited for', async () => {
  srv.handle((_q, res) => json(res, 503, { error: { code: 'maintenance', message: 'back soon' } }, { 'retry-after': '3600' }));
  const err = await rejection(client({ maxRetryAfterMs: 60_000 }).request('GET', '/x'));
  assert.equal([srv.seen.length, slept, err.data.retryAfterMs], [1, [], 3_600_000]);
});

test('a request with no answer times out as network_unreachable and GET retries', async () => {
  srv.handle(() => {}); // never answers
  const err = await rejection(client({ timeoutMs: 150, retries: 1 }).request('GET', '/slow'));
  assert.equal([err.code, err.data.reason, err.data.cause, err.data.retryable], [ErrorCode.NetworkUnreachable, 'network_unreachable', 'timeout', true]);
  assert.match(err.message, /^Cannot connect to CodeVF servers\. Please check your internet connection\. \(127\.0\.0\.1:\d+: no answer within 0\.15 s\)$/);
  assert.is(srv.seen.length, 2);
});

test('a refused connection is network_unreachable naming the host', async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const err = await rejection(client({ baseUrl: `http://127.0.0.1:${port}` }).request('GET', '/x'));
  assert.equal(err.toJSON(), {
    code: ErrorCode.NetworkUnreachable,
    message: `Cannot connect to CodeVF servers. Please check your internet connection. (127.0.0.1:${port}: connection refused)`,
    data: { reason: 'network_unreachable', retryable: true, host: `127.0.0.1:${port}`, cause: 'refused' },
  });
  assert.is(slept.length, 3, 'GET retried 3 times');
});

test('a dropped connection is retried for GET but not for POST', async () => {
  srv.handle((req, res, _b, n) => (n === 1 ? req.socket.destroy() : json(res, 200, { n })));
  assert.equal(await client().request('GET', '/x'), { n: 2 });
  srv.seen.length = 0;
  const err = await rejection(client().request('POST', '/x', { body: {} }));
  assert.equal([err.data.cause, srv.seen.length], ['reset', 1]);
});

test('upload streams the body and returns the JSON answer', async () => {
  srv.handle((_q, res, body) => json(res, 200, { size: body.length }));
  const r = await client().upload('POST', '/upload', { body: () => Readable.from([Buffer.alloc(70_000, 1), Buffer.alloc(30_000, 2)]) });
  assert.equal(r, { size: 100_000 });
  assert.is(srv.seen[0].headers['content-type'], 'application/octet-stream');
});

test('a failing upload source fails with its own error, not a network error', async () => {
  srv.handle((_q, res) => json(res, 200, {}));
  const boom = new Error('disk read failed');
  const body = () => new Readable({ read() { this.destroy(boom); } });
  try {
    await client().upload('POST', '/upload', { body, idempotencyKey: 'u1' });
    assert.unreachable();
  } catch (err) {
    assert.is(err, boom);
  }
});

test('call validates the answer against the endpoint schema', async () => {
  const ep = endpoint({ method: 'GET', pattern: '/api/thing/:id', auth: 'none', summary: 't', response: z.object({ id: z.string() }) });
  srv.handle((req, res) => json(res, 200, req.url === '/api/thing/a%2Fb' ? { id: 'ok' } : { id: 7 }));
  assert.equal(await client().call(ep, { params: ['a/b'] }), { id: 'ok' });
  const err = await rejection(client().call(ep, { params: ['other'] }));
  assert.equal([err.code, err.data.backendCode], [ErrorCode.BackendError, 'invalid_response']);
});

test('call sends an idempotency key for endpoints that honour one', async () => {
  const ep = endpoint({ method: 'POST', pattern: '/api/p', auth: 'none', summary: 'p', idempotency: 'optional', body: z.object({}), response: z.object({}) });
  srv.handle((_q, res, _b, n) => (n === 1 ? json(res, 503, {}) : json(res, 200, {})));
  await client().call(ep, { body: {} });
  const keys = srv.seen.map((s) => s.headers['idempotency-key']);
  assert.is(keys.length, 2);
  assert.is(keys[0], keys[1]);
  assert.match(String(keys[0]), /^[0-9a-f-]{36}$/);
});

test('auth: false sends no token', async () => {
  srv.handle((_q, res) => json(res, 200, {}));
  await client().request('POST', '/api/cli/auth/device', { body: {}, auth: false });
  assert.is(srv.seen[0].headers.authorization, undefined);
});

test('the token is sent only to the backend, never to another origin', async () => {
  const other = await startHttp();
  try {
    other.handle((_q, res) => json(res, 200, {}));
    await client().upload('PUT', `http://127.0.0.1:${other.port}/bucket/obj`, { body: () => Readable.from([Buffer.from('zip')]) });
    await client().request('GET', `http://localhost:${srv.port}/x`); // same port, other host name: another origin
    assert.is(other.seen[0].headers.authorization, undefined);
    assert.is(srv.seen[0].headers.authorization, undefined);
  } finally {
    await other.close();
  }
});

test('a 401 calls onUnauthorized once and sends again with the new token, even a POST', async () => {
  srv.handle((req, res) => (req.headers.authorization === 'Bearer cvf_new' ? json(res, 200, { ok: true }) : json(res, 401, {})));
  let token = 'cvf_old';
  let refreshes = 0;
  const c = client({ token: () => token, onUnauthorized: async () => { refreshes++; token = 'cvf_new'; return true; } });
  assert.equal(await c.request('POST', '/x', { body: {} }), { ok: true });
  assert.equal([refreshes, srv.seen.map((s) => s.headers.authorization)], [1, ['Bearer cvf_old', 'Bearer cvf_new']]);
});

test('an upload whose body is a writer writes it again after a 401 and a token refresh', async () => {
  srv.handle((req, res, body) => (req.headers.authorization === 'Bearer cvf_new' ? json(res, 200, { size: body.length }) : json(res, 401, {})));
  let token = 'cvf_old';
  const c = client({ token: () => token, onUnauthorized: async () => { token = 'cvf_new'; return true; } });
  let writes = 0;
  const writer = {
    async writeTo(dest: import('node:stream').Writable) {
      writes++;
      for (let i = 0; i < 4; i++) await new Promise<void>((resolve, reject) => dest.write(Buffer.alloc(25_000, i), (err) => (err ? reject(err) : resolve())));
    },
  };
  assert.equal(await c.upload('POST', '/upload', { body: writer }), { size: 100_000 });
  assert.equal([writes, srv.seen.map((x) => x.headers.authorization)], [2, ['Bearer cvf_old', 'Bearer cvf_new']]);
});

test('a refresh that fails leaves the 401 as auth_required after one request', async () => {
  srv.handle((_q, res) => json(res, 401, { error: { code: 'token_revoked', message: 'revoked' } }));
  const err = await rejection(client({ onUnauthorized: async () => false }).request('GET', '/x'));
  assert.equal([err.data.reason, err.data.backendCode, srv.seen.length], ['auth_required', 'token_revoked', 1]);
});

test.run();
