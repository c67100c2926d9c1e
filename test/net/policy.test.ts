import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpClient } from '../../agent/net/http.js';
import { bypassesProxy, proxyFor } from '../../agent/net/proxy.js';
import { checkUrl, isLoopbackHost } from '../../agent/net/url-policy.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { rejection } from '../project/helpers.js';
import { startHttp, startProxy } from './servers.js';

function thrown(f: () => unknown): RpcError {
  try { f(); } catch (err) { assert.instance(err, RpcError); return err as RpcError; }
  throw new Error('expected a throw');
}

test('plain http to a non-loopback host is refused without insecure, before any connection', async () => {
  // A proxy and a server that would see any attempt: neither may be contacted.
  const proxy = await startProxy();
  const srv = await startHttp();
  const env = { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url };
  try {
    const err = thrown(() => new HttpClient({ baseUrl: `http://backend.test:${srv.port}`, env }));
    assert.equal([err.code, err.data.reason, err.data.host], [ErrorCode.Forbidden, 'insecure_transport', `backend.test:${srv.port}`]);
    assert.match(err.message, /Use https:\/\/, or pass --insecure/);
    const loopback = new HttpClient({ baseUrl: `http://127.0.0.1:${srv.port}`, env });
    const abs = await rejection(loopback.request('GET', `http://backend.test:${srv.port}/upload-target`));
    assert.is(abs.data.reason, 'insecure_transport');
    const ws = await rejection(loopback.webSocketOptions(`ws://backend.test:${srv.port}/ws`));
    assert.is(ws.data.reason, 'insecure_transport');
    assert.equal([proxy.connections, srv.seen.length], [0, 0]);
    loopback.close();
  } finally {
    await proxy.close();
    await srv.close();
  }
});

test('loopback hosts may use plain http', () => {
  for (const h of ['http://127.0.0.1:1', 'http://127.8.9.10', 'http://localhost:8080', 'http://[::1]:80', 'ws://127.0.0.1/ws']) {
    assert.is(checkUrl(h).href.startsWith(h.split(':')[0]), true, h);
  }
  assert.equal(['localhost', '127.0.0.1', '::1', '[::1]', '::ffff:127.0.0.1'].map(isLoopbackHost), [true, true, true, true, true]);
  assert.equal(['localhost.evil.com', '128.0.0.1', '10.0.0.1', '::2', '127.0.0.1.nip.io'].map(isLoopbackHost), [false, false, false, false, false]);
});

test('insecure allows plain http to another host; https needs no opt-in', () => {
  assert.is(checkUrl('http://backend.example:8080', true).host, 'backend.example:8080');
  assert.is(checkUrl('https://api.codevf.com').host, 'api.codevf.com');
  assert.is(checkUrl('wss://api.codevf.com/ws').protocol, 'wss:');
});

test('other schemes, credentials in the URL and garbage are invalid_host', () => {
  for (const bad of ['ftp://api.codevf.com', 'https://user:pw@api.codevf.com', 'not a url', 'file:///etc/passwd']) {
    const err = thrown(() => checkUrl(bad, true));
    assert.equal([err.code, err.data.reason], [ErrorCode.InvalidParams, 'invalid_host'], bad);
    assert.not.match(err.message, /pw@/);
  }
});

test('proxyFor picks the proxy by scheme, accepts a bare host:port and ignores junk', () => {
  const env = { HTTPS_PROXY: 'proxy.corp:3128', http_proxy: 'http://plain.corp:8080' };
  assert.is(proxyFor(new URL('https://api.codevf.com'), env)?.href, 'http://proxy.corp:3128/');
  assert.is(proxyFor(new URL('wss://api.codevf.com'), env)?.host, 'proxy.corp:3128');
  assert.is(proxyFor(new URL('http://api.example'), env)?.host, 'plain.corp:8080');
  assert.is(proxyFor(new URL('ws://api.example'), env)?.host, 'plain.corp:8080');
  assert.is(proxyFor(new URL('https://api.codevf.com'), {}), null);
  assert.is(proxyFor(new URL('https://api.codevf.com'), { HTTPS_PROXY: 'socks5://x:1080' }), null);
});

test('NO_PROXY understands *, suffixes, ports, IPs and CIDR ranges', () => {
  const bypass = (url: string, no: string) => bypassesProxy(new URL(url), { NO_PROXY: no });
  assert.is(bypass('https://api.codevf.com', '*'), true);
  assert.is(bypass('https://api.codevf.com', 'codevf.com'), true);
  assert.is(bypass('https://api.codevf.com', '.codevf.com'), true);
  assert.is(bypass('https://notcodevf.com', 'codevf.com'), false);
  assert.is(bypass('https://api.codevf.com', 'api.codevf.com:443'), true);
  assert.is(bypass('https://api.codevf.com:8443', 'api.codevf.com:443'), false);
  assert.is(bypass('https://10.1.2.3', '10.0.0.0/8'), true);
  assert.is(bypass('https://11.1.2.3', '10.0.0.0/8'), false);
  assert.is(bypass('https://[fd00::5]', 'fd00::/8'), true);
  assert.is(bypass('https://192.168.1.1', 'foo, 192.168.1.1 bar'), true);
  assert.is(bypass('https://api.codevf.com', ''), false);
});

test.run();
