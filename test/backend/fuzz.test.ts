// A bounded, seeded fuzz of the sandbox over loopback: every declared route and page with hostile paths,
// queries, headers and bodies, then hostile frames on both task sockets. Nothing may answer 5xx, and nothing
// may reach the process-wide handler (the sandbox logs "uncaught" there, "internal error" on a 500).
import { request } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { CUSTOMER_SCOPES, ENGINEER_SCOPES, routes } from '../../protocol/backend/index.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { liveTask, OTHER_CUSTOMER, OTHER_ENGINEER, tokenFor } from './_util.js';

const test = suite('backend fuzz');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox({ args: ['--seed-extra'] }); });
test.after(async () => { await sb?.stop(); });

/** mulberry32: the same cases on every run, so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(12);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

const SEGMENTS = ['%', '%E0%A4%A', '%00', '..', '%2e%2e%2f', 'x'.repeat(3000), 'tsk_nope', '\u00e9', '%FF%FE', '*', ' ', '%0d%0aX:1', '{}'];
const QUERIES = ['', '?after=-1', '?after=1e309', '?after=%', '?wait=99999', '?projectId=%E0', '?a=1&a=2&after=x', '?' + 'q='.repeat(2000)];
const TYPES = ['application/json', 'text/plain; x=json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/zip', ''];
function value(depth = 0): unknown {
  const r = rand();
  if (depth > 3 || r < 0.3) return pick([null, true, -1, 1e308, 0.5, '', 'x'.repeat(5000), '<script>', '\u0000', '__proto__', [] as unknown[]]);
  if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
  const keys = ['type', 'id', 'payload', 'text', 'requestId', 'decision', 'path', 'contentBase64', 'scopes', 'name', 'issue',
    'email', 'password', 'url', 'command', 'index', 'stream', 'data', 'exitCode', '__proto__', 'constructor', 'rating'];
  return Object.fromEntries(Array.from({ length: 1 + Math.floor(rand() * 5) }, () => [pick(keys), value(depth + 1)]));
}
const BODIES = [() => JSON.stringify(value()), () => '{"a":', () => '\u0000\u00ff'.repeat(100), () => '[' .repeat(10_000), () => '', () => '{"__proto__":{"x":1}}'];

interface Endpoint { method: string; pattern: string }
function endpoints(o: unknown, out: Endpoint[] = []): Endpoint[] {
  if (o && typeof o === 'object') {
    const e = o as Partial<Endpoint>;
    if (typeof e.pattern === 'string' && typeof e.method === 'string') out.push({ method: e.method, pattern: e.pattern });
    else for (const v of Object.values(o)) endpoints(v, out);
  }
  return out;
}

function send(method: string, path: string, headers: Record<string, string>, body: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(sb.url);
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode!));
    });
    req.on('error', (e) => reject(new Error(`${method} ${path}: ${e.message}`)));
    req.setTimeout(20_000, () => req.destroy(new Error('no answer in 20 s')));
    if (body !== null && method !== 'GET' && method !== 'HEAD') req.end(body); else req.end();
  });
}

test('1,500 hostile HTTP requests over every route and page: no 5xx, no connection dropped', async () => {
  const all = endpoints(routes);
  assert.ok(all.length > 30, `${all.length} endpoints`);
  // Accounts of their own: the fuzz may well revoke every token it holds.
  const customer = await tokenFor(sb.url, OTHER_CUSTOMER, CUSTOMER_SCOPES);
  const engineer = await tokenFor(sb.url, OTHER_ENGINEER, ENGINEER_SCOPES);
  const auths = () => pick<Record<string, string>>([{}, { authorization: `Bearer ${customer}` }, { authorization: `Bearer ${engineer}` },
    { authorization: 'Bearer cvf_' + 'A'.repeat(40) }, { authorization: 'Basic Og==' }, { cookie: 'cvf_session=%E0; x=%' },
    { origin: 'https://evil.example', cookie: 'cvf_session=zzz' }]);
  const failures: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const ep = pick(all);
    const method = rand() < 0.7 ? ep.method : pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
    const path = ep.pattern.replace(/:[A-Za-z]+/g, () => pick(SEGMENTS)).replace(/ /g, '%20') + pick(QUERIES);
    const headers: Record<string, string> = { ...auths(), 'idempotency-key': pick(['k' + i, '', ' ', 'x'.repeat(300)]) };
    const type = pick(TYPES);
    if (type) headers['content-type'] = type;
    const status = await send(method, path, headers, pick(BODIES)()).catch((e: Error) => 0 * failures.push(e.message));
    if (status >= 500) failures.push(`${status} ${method} ${path.slice(0, 120)}`);
  }
  assert.equal(failures.slice(0, 10), []);
  assert.not.match(sb.stderr.join(''), /uncaught|internal error|upgrade failed/);
});

test('hostile upgrades and 3,000 hostile frames on both task sockets: clean closes, no 5xx, nothing uncaught', async () => {
  const { taskId, engineer, customer } = await liveTask(sb);
  await customer.close(); await engineer.close();
  const urls = [routes.tasks.events.path(taskId), routes.engineer.events.path(taskId)];
  const tokens = [sb.customerToken, sb.engineerToken];
  for (const bad of [`${urls[0]}?after=%`, `${urls[0]}/%E0%A4%A`, routes.tasks.events.pattern.replace(':taskId', '%E0%A4%A'), '/nope?after=1']) {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${sb.url.replace(/^http/, 'ws')}${bad}`, { headers: { authorization: `Bearer ${sb.customerToken}` } });
      ws.on('unexpected-response', (_q, res) => { res.resume(); resolve(res.statusCode!); });
      ws.on('open', () => { ws.close(); resolve(101); });
      ws.on('error', () => resolve(0));
    });
    assert.ok(status >= 400 && status < 500, `${bad}: ${status}`);
  }
  const closes: number[] = [];
  let sent = 0;
  for (let round = 0; sent < 3000; round++) {
    const side = round % 2;
    const ws = new WebSocket(`${sb.url.replace(/^http/, 'ws')}${urls[side]}?after=0`, { headers: { authorization: `Bearer ${tokens[side]}` } });
    ws.on('error', () => {});
    await new Promise((r) => { ws.once('open', r); ws.once('close', r); });
    const closed = new Promise<void>((r) => ws.once('close', (code) => { closes.push(code); r(); }));
    for (let k = 0; k < 300 && ws.readyState === WebSocket.OPEN; k++, sent++) {
      const r = rand();
      if (r < 0.05) ws.send(Buffer.from([0xff, 0xfe, 0xc0]), { binary: false });
      else if (r < 0.1) ws.send(Buffer.from(pick(BODIES)()), { binary: true });
      else {
        const type = pick(['customer_message', 'command_decision', 'command_output', 'command_result', 'file_decision', 'file_upload',
          'engineer_message', 'request_command', 'request_file', 'screenshare_request', 'x', '__proto__']);
        ws.send(JSON.stringify(rand() < 0.5 ? { type, id: `f${sent}`, payload: value() } : value()));
      }
    }
    ws.close();
    await closed;
  }
  assert.ok(closes.every((c) => [1000, 1005, 1006, 1007, 1008, 1009].includes(c)), closes.join(','));
  assert.is(await send('GET', routes.account.me.path(), { authorization: `Bearer ${sb.customerToken}` }, null), 200);
  assert.not.match(sb.stderr.join(''), /uncaught|internal error|upgrade failed/);
});

test.run();
