import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';

const test = suite('backend http edge');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox(); });
test.after(async () => { await sb?.stop(); });

const raw = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
  const res = await fetch(sb.url + path, { method, body, headers: { authorization: `Bearer ${sb.customerToken}`, ...headers } });
  return { status: res.status, body: await res.json() as any };
};

test('unknown paths are 404 and wrong methods 405, with the JSON error body', async () => {
  assert.equal(await raw('GET', '/api/cli/nope'), { status: 404, body: { error: { code: 'route_not_found', message: 'No route GET /api/cli/nope' } } });
  const r = await raw('DELETE', routes.account.me.path());
  assert.equal([r.status, r.body.error.code], [405, 'method_not_allowed']);
});

test('malformed JSON is a 400 without a stack trace', async () => {
  const r = await raw('POST', routes.tasks.create.path(), '{"issue":', { 'content-type': 'application/json' });
  assert.equal(r, { status: 400, body: { error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } } });
});

test('a JSON body over 1 MiB is a 413', async () => {
  const r = await raw('POST', routes.tasks.create.path(), JSON.stringify({ issue: 'x'.repeat(1_100_000) }), { 'content-type': 'application/json' });
  assert.equal([r.status, r.body.error.code], [413, 'payload_too_large']);
});

test('a body that is not JSON is a 415', async () => {
  const r = await raw('POST', routes.tasks.create.path(), 'issue=x', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal([r.status, r.body.error.code], [415, 'unsupported_media_type']);
});

test('SIGTERM closes the sandbox cleanly with exit code 0', async () => {
  const other = await startSandbox();
  const exit = new Promise<unknown>((r) => other.proc.once('exit', (code, signal) => r([code, signal])));
  await other.stop();
  assert.equal(await exit, [0, null], other.stderr.join(''));
  const r = await api(sb.url, 'GET', routes.account.me.path(), { token: sb.customerToken });
  assert.is(r.status, 200);
});

test.run();
