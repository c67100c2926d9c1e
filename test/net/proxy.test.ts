import type { Server } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket, WebSocketServer } from 'ws';
import { HttpClient, type HttpClientOptions } from '../../agent/net/http.js';
import { ErrorCode } from '../../protocol/errors.js';
import { rejection, tempDirs } from '../project/helpers.js';
import {
  json, selfSignedCert, startHttp, startHttps, startProxy, testLookup, type TestProxy, type TestServer,
} from './servers.js';

// `backend.test` resolves only inside the test proxy (or through testLookup for direct connections):
// a successful call without testLookup proves the request went through the proxy.
let srv: TestServer;
let proxy: TestProxy;
const clients: HttpClient[] = [];
const tmp = tempDirs('codevf-proxy-');
test.after(tmp.cleanup);

function client(opts: Partial<HttpClientOptions>): HttpClient {
  const c = new HttpClient({ baseUrl: `http://backend.test:${srv.port}`, insecure: true, retries: 0, timeoutMs: 5000, ...opts });
  clients.push(c);
  return c;
}

/** Sends one message once open and resolves with the first reply. */
function echo(ws: WebSocket, text: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no WebSocket reply within 5 s')), 5000);
    ws.on('open', () => ws.send(text));
    ws.on('message', (m) => { clearTimeout(t); resolve(String(m)); });
    ws.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

test.before.each(async () => {
  srv = await startHttp();
  srv.handle((_q, res) => json(res, 200, { via: 'backend' }));
  proxy = await startProxy();
});
test.after.each(async () => {
  clients.splice(0).forEach((c) => c.close());
  await srv.close();
  await proxy.close();
});

test('REST over http goes through HTTP_PROXY with CONNECT', async () => {
  const c = client({ env: { HTTP_PROXY: proxy.url } });
  assert.equal(await c.request('GET', '/api/x'), { via: 'backend' });
  assert.equal(proxy.connects, [`backend.test:${srv.port}`]);
  assert.is(srv.seen[0].url, '/api/x');
});

test('lowercase http_proxy is honoured and wins over uppercase', async () => {
  const c = client({ env: { http_proxy: proxy.url, HTTP_PROXY: 'http://127.0.0.1:1' } });
  await c.request('GET', '/x');
  assert.is(proxy.connects.length, 1);
});

test('keep-alive reuses one tunnel for several requests', async () => {
  const c = client({ env: { HTTP_PROXY: proxy.url } });
  for (let i = 0; i < 3; i++) await c.request('GET', '/x');
  assert.equal([srv.seen.length, proxy.connects.length], [3, 1]);
});

test('NO_PROXY bypasses the proxy for a listed host and a listed suffix', async () => {
  for (const noProxy of ['backend.test', '.test', 'other.example, *.test', `backend.test:${srv.port}`]) {
    const c = client({ env: { HTTP_PROXY: proxy.url, NO_PROXY: noProxy }, lookup: testLookup });
    assert.equal(await c.request('GET', '/x'), { via: 'backend' }, noProxy);
  }
  assert.is(proxy.connections, 0);
});

test('NO_PROXY for another port does not bypass', async () => {
  const c = client({ env: { HTTP_PROXY: proxy.url, no_proxy: 'backend.test:1' } });
  await c.request('GET', '/x');
  assert.is(proxy.connects.length, 1);
});

test('loopback hosts never go through the proxy', async () => {
  const c = client({ baseUrl: `http://127.0.0.1:${srv.port}`, env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url } });
  assert.equal(await c.request('GET', '/x'), { via: 'backend' });
  assert.is(proxy.connections, 0);
});

/** A ws echo server on `server`, one round trip from `c`: the URL used and the reply. */
async function wsRoundTrip(server: Server, c: HttpClient, path: string, reply: (m: string, auth?: string) => string) {
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(reply(String(m), req.headers.authorization))));
  const { url, options } = await c.webSocketOptions(path);
  const ws = new WebSocket(url, options);
  try {
    return { url, answer: await echo(ws, 'ping') };
  } finally {
    ws.terminate();
    wss.close();
  }
}

test('a WebSocket goes through the proxy and carries the token', async () => {
  const c = client({ env: { HTTP_PROXY: proxy.url }, token: () => 'cvf_ws_token' });
  const r = await wsRoundTrip(srv.server, c, '/ws/task', (m, auth) => `${m}|${auth}`);
  assert.equal(r, { url: `ws://backend.test:${srv.port}/ws/task`, answer: 'ping|Bearer cvf_ws_token' });
  assert.equal(proxy.connects, [`backend.test:${srv.port}`]);
});

test('a secure WebSocket (wss) goes through HTTPS_PROXY with the certificate checked', async () => {
  const cert = selfSignedCert(await tmp.make());
  const tlsSrv = await startHttps(cert);
  try {
    const c = client({ baseUrl: `https://backend.test:${tlsSrv.port}`, insecure: false, env: { HTTPS_PROXY: proxy.url }, ca: cert.cert });
    const r = await wsRoundTrip(tlsSrv.server, c, '/ws', (m) => `secure ${m}`);
    assert.equal(r, { url: `wss://backend.test:${tlsSrv.port}/ws`, answer: 'secure ping' });
    assert.equal(proxy.connects, [`backend.test:${tlsSrv.port}`]);
  } finally {
    await tlsSrv.close();
  }
});

test('https through HTTPS_PROXY verifies the certificate inside the tunnel', async () => {
  const cert = selfSignedCert(await tmp.make());
  const tlsSrv = await startHttps(cert);
  tlsSrv.handle((_q, res) => json(res, 200, { tls: true }));
  try {
    const trusted = client({ baseUrl: `https://backend.test:${tlsSrv.port}`, insecure: false, env: { HTTPS_PROXY: proxy.url }, ca: cert.cert });
    assert.equal(await trusted.request('GET', '/x'), { tls: true });
    const untrusted = client({ baseUrl: `https://backend.test:${tlsSrv.port}`, insecure: true, retries: 3, env: { HTTPS_PROXY: proxy.url } });
    const err = await rejection(untrusted.request('GET', '/x'));
    assert.equal([err.code, err.data.cause, err.data.retryable], [ErrorCode.NetworkUnreachable, 'tls', false]);
    assert.is(proxy.connects.length, 2, 'a certificate failure is not retried');
  } finally {
    await tlsSrv.close();
  }
});

test('proxy credentials from the proxy URL are sent; wrong ones are a proxy error', async () => {
  await proxy.close();
  proxy = await startProxy({ auth: 'user:p@ss' });
  const ok = client({ env: { HTTP_PROXY: `http://user:p%40ss@127.0.0.1:${proxy.port}` } });
  assert.equal(await ok.request('GET', '/x'), { via: 'backend' });
  const bad = client({ env: { HTTP_PROXY: `http://user:wrong@127.0.0.1:${proxy.port}` } });
  const err = await rejection(bad.request('GET', '/x'));
  assert.equal([err.code, err.data.cause], [ErrorCode.NetworkUnreachable, 'proxy']);
  assert.match(err.message, /refused CONNECT backend\.test:\d+ \(HTTP 407\)/);
  assert.not.match(err.message, /wrong/);
});

test('a proxy that is down is network_unreachable', async () => {
  await proxy.close();
  const err = await rejection(client({ env: { HTTP_PROXY: `http://127.0.0.1:${proxy.port}` } }).request('GET', '/x'));
  assert.equal([err.code, err.data.cause], [ErrorCode.NetworkUnreachable, 'proxy']);
});

test.run();
