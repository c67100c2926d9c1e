import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { SNAPSHOT_SHA256_HEADER } from '../../protocol/backend/projects.js';
import { createSnapshot } from '../../agent/snapshot/index.js';
import { uploadSnapshot } from '../../agent/snapshot/upload.js';
import { git, noise, tempDir, within, writeTree } from './helpers.js';

const upload = (o: Parameters<typeof uploadSnapshot>[0]) => within(uploadSnapshot(o), 60_000, 'the upload');

interface Received { headers: http.IncomingHttpHeaders; trailers: NodeJS.Dict<string>; sha256: string; size: number }
const test = suite<{ dir: string; server: http.Server; url: string; got: Received[]; mode: { status: number; early?: boolean } }>('upload');

// A stand-in for the backend route: hashes the body as it streams and checks the digest from the header or trailer.
function handler(ctx: { got: Received[]; mode: { status: number; early?: boolean } }) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const reply = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)); };
    if (ctx.mode.early) return reply(ctx.mode.status, { error: { code: 'payload_too_large', message: 'The snapshot is over the limit.' } });
    const hash = createHash('sha256');
    let size = 0;
    req.on('data', (c: Buffer) => { hash.update(c); size += c.length; });
    req.on('end', () => {
      const sha256 = hash.digest('hex');
      ctx.got.push({ headers: req.headers, trailers: req.trailers, sha256, size });
      if (ctx.mode.status !== 200) return reply(ctx.mode.status, { error: { code: 'token_expired', message: 'The token has expired.' } });
      const want = req.headers[SNAPSHOT_SHA256_HEADER] ?? req.trailers[SNAPSHOT_SHA256_HEADER];
      if (want !== sha256) return reply(400, { error: { code: 'checksum_mismatch', message: 'bad digest' } });
      reply(200, { snapshotId: 'snp_1', size, sha256 });
    });
  };
}

test.before(async (ctx) => {
  ctx.dir = await tempDir('cvf-upload-');
  ctx.got = [];
  ctx.mode = { status: 200 };
  ctx.server = http.createServer(handler(ctx));
  await new Promise<void>((resolve) => ctx.server.listen(0, '127.0.0.1', resolve));
  ctx.url = `http://127.0.0.1:${(ctx.server.address() as AddressInfo).port}/api/cli/upload-repo-snapshot?projectId=p1`;
});
test.before.each((ctx) => { ctx.got.length = 0; ctx.mode = { status: 200 }; });
test.after(async (ctx) => {
  ctx.server.closeAllConnections();
  await new Promise<void>((resolve) => ctx.server.close(() => resolve()));
  await fs.rm(ctx.dir, { recursive: true, force: true });
});

test('a file uploads with its digest in the header, a bearer token, and the parsed answer comes back', async ({ dir, url, got }) => {
  const file = path.join(dir, 'snap.zip');
  const data = noise(3 * 1024 * 1024 + 5, 3);
  await fs.writeFile(file, data);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const r = await upload({ url, token: 'cvf_secret_token_value_123', body: { path: file }, sha256 });
  assert.deepEqual(r, { status: 200, body: { snapshotId: 'snp_1', size: data.length, sha256 }, bytesSent: data.length });
  assert.equal(got[0].headers.authorization, 'Bearer cvf_secret_token_value_123');
  assert.equal(got[0].headers['content-length'], String(data.length));
  assert.equal(got[0].headers[SNAPSHOT_SHA256_HEADER], sha256);
});

test('a snapshot streams straight into the request with its digest as a trailer', async ({ dir, url, got }) => {
  const repo = path.join(dir, 'repo');
  await fs.mkdir(repo);
  git(repo, 'init', '-q');
  await writeTree(repo, { 'a.txt': 'hello\n'.repeat(50_000), 'b.bin': noise(2_000_000, 9) });
  const snap = await createSnapshot(repo);
  const r = await upload({ url, body: snap.stream, sha256: snap.sha256 });
  const { sha256, bytes } = await within(snap.result, 60_000, 'the snapshot');
  assert.deepEqual(r.body, { snapshotId: 'snp_1', size: bytes, sha256 });
  assert.equal(got[0].headers['transfer-encoding'], 'chunked');
  assert.equal(got[0].trailers[SNAPSHOT_SHA256_HEADER], sha256);
});

test('small stream chunks are regrouped into about 1 MiB writes', async ({ url, got }) => {
  const parts = Array.from({ length: 4096 }, (_, i) => Buffer.alloc(1024, i & 0xff));
  const all = Buffer.concat(parts);
  const writes: number[] = [];
  let before = 0;
  const onSent = (n: number) => { writes.push(n - before); before = n; };
  await upload({ url, body: Readable.from(parts), sha256: createHash('sha256').update(all).digest('hex'), onSent });
  assert.equal(got[0].size, all.length);
  assert.deepEqual(writes, [1, 2, 3, 4].map(() => 1024 * 1024));
});

test('a 401 is auth_required and never echoes the token', async ({ dir, url, mode }) => {
  mode.status = 401;
  const file = path.join(dir, 'small.zip');
  await fs.writeFile(file, 'x');
  const err = await upload({ url, token: 'cvf_do_not_print_me_000000', body: { path: file }, sha256: 'a'.repeat(64) }).catch((e) => e);
  assert.ok(err instanceof RpcError);
  assert.deepEqual([err.code, err.data.reason, err.data.backendCode], [ErrorCode.AuthRequired, 'auth_required', 'token_expired']);
  assert.ok(!JSON.stringify(err.toJSON()).includes('cvf_do_not_print_me'));
});

test('an early refusal stops the upload and carries the backend code', async ({ url, mode }) => {
  mode.status = 413;
  mode.early = true;
  const big = Readable.from((function* () { for (let i = 0; i < 200; i++) yield Buffer.alloc(1024 * 1024); })());
  const err = await upload({ url, body: big, sha256: Promise.resolve('0'.repeat(64)) }).catch((e) => e);
  assert.ok(err instanceof RpcError, String(err));
  assert.deepEqual([err.code, err.data.backendCode, err.data.status], [ErrorCode.BackendError, 'payload_too_large', 413]);
});

test('plain http to a non-loopback host is refused before connecting', async ({ dir }) => {
  const err = await upload({ url: 'http://backend.example.com/up', body: { path: path.join(dir, 'none') } }).catch((e) => e);
  assert.deepEqual([err.code, err.data.reason], [ErrorCode.Forbidden, 'insecure_transport']);
});

test('a refused connection is network_unreachable and retryable', async ({ dir }) => {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  const file = path.join(dir, 'x.zip');
  await fs.writeFile(file, 'x');
  const err = await upload({ url: `http://127.0.0.1:${port}/up`, body: { path: file }, sha256: 'a'.repeat(64) }).catch((e) => e);
  assert.deepEqual([err.code, err.data.reason, err.data.retryable], [ErrorCode.NetworkUnreachable, 'network_unreachable', true]);
});

test.run();
