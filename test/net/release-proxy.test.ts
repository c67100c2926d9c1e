// Release downloads (self-update, the update notice) go through HTTPS_PROXY/HTTP_PROXY as the agent's calls do:
// Node's fetch ignored them, so a user behind a corporate proxy could never update. `backend.test` resolves
// only inside the test proxy, so an answer proves the request went through it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanEnv, codevf, tempHome } from '../tty/helpers.js';
import { json, startHttp, startProxy, type TestProxy, type TestServer } from './servers.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let site: TestServer;
let proxy: TestProxy;
let authProxy: TestProxy;

test.before(async () => {
  home = await tempHome('cvf-release-proxy-');
  site = await startHttp();
  proxy = await startProxy();
  authProxy = await startProxy({ auth: 'alice:s3cret-proxy-pass' });
  site.handle((req, res) => {
    if (req.url === '/rel/latest.json') return json(res, 200, { version: '99.0.0', files: {} });
    if (req.url === '/moved/latest.json') return void res.writeHead(302, { location: '/rel/latest.json' }).end();
    if (req.url === '/to-file/latest.json') return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    json(res, 404, {});
  });
});
test.after(async () => { await site?.close(); await proxy?.close(); await authProxy?.close(); await home?.done(); });

const check = (path: string, extra: NodeJS.ProcessEnv) =>
  codevf(['self-update', '--check', '--json'], { env: cleanEnv(home.dir, { CODEVF_RELEASE_URL: `http://backend.test:${site.port}${path}`, HTTP_PROXY: '', HTTPS_PROXY: '', NO_PROXY: '', ...extra }) });

test('self-update --check reaches the release through HTTP_PROXY, and follows a redirect there', async () => {
  const before = proxy.connects.length;
  const r = await check('/rel', { HTTP_PROXY: proxy.url });
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).latest, '99.0.0');
  const moved = await check('/moved', { HTTP_PROXY: proxy.url });
  assert.is(moved.code, 0, moved.stderr);
  assert.equal(JSON.parse(moved.stdout).updateAvailable, true);
  assert.equal(proxy.connects.slice(before), Array(3).fill(`backend.test:${site.port}`));
});

test('without the proxy the name does not resolve; a redirect off http(s) is refused; proxy credentials never printed', async () => {
  const direct = await check('/rel', { NO_PROXY: 'backend.test', HTTP_PROXY: proxy.url });
  assert.is(direct.code, 1);
  assert.match(direct.stderr, `Error: download failed: http://backend.test:${site.port}/rel/latest.json: ENOTFOUND.`);
  const toFile = await check('/to-file', { HTTP_PROXY: proxy.url });
  assert.is(toFile.code, 1);
  assert.match(toFile.stderr, 'redirected to file:// (refused)');
  const denied = await check('/rel', { HTTP_PROXY: authProxy.url.replace('//', '//alice:wrong@') });
  assert.is(denied.code, 1);
  assert.match(denied.stderr, 'refused CONNECT');
  assert.not.match(denied.stderr, 'wrong');
  const ok = await check('/rel', { HTTP_PROXY: authProxy.url.replace('//', '//alice:s3cret-proxy-pass@') });
  assert.is(ok.code, 0, ok.stderr);
  assert.not.match(ok.stdout + ok.stderr, 's3cret');
});

test.run();
