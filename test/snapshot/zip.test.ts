// The zip writer on its own: what the container says (checked by Info-ZIP's unzip and Python's zipfile,
// two independent readers), both deflate paths, big files, and output chunks reused under pressure into
// a file and into an HTTP request on loopback.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import { suite } from 'uvu';
import { crc32, crc32Portable, createDeflater } from '../../agent/snapshot/deflate.js';
import { createSnapshot } from '../../agent/snapshot/index.js';
import { git, noise, tempDir, unzipTo, within, writeTree } from './helpers.js';

const test = suite<{ base: string; repo: string; files: Record<string, Buffer> }>('zip writer');
const AWS = 'AKIAIOSFODNN7EXAMPLE';

test.before(async (ctx) => {
  ctx.base = await tempDir('cvf-zip-');
  ctx.repo = path.join(ctx.base, 'repo');
  await fs.mkdir(ctx.repo);
  git(ctx.repo, 'init', '-q');
  const text = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => `line ${i * seed} of a source file\n`).join(''));
  ctx.files = {
    'empty.txt': Buffer.alloc(0),
    'small.ts': text(50, 3),
    'noise.dat': noise(3000, 5), // deflate would make it bigger: stored
    'big/text.log': text(40_000, 7), // ~1 MB of text: streamed, deflated
    'big/blob.bin': noise(700_000, 11), // big binary, not a compressed format: streamed, deflated
    'big/photo.png': noise(600_000, 13), // big, already compressed: stored, CRC first
    'deep/ü/ñame with spaces.md': text(10, 17),
  };
  for (let i = 0; i < 150; i++) ctx.files[`many/f${i}.txt`] = i % 4 ? text(i * 3, i) : noise(i * 200, i + 1);
  await writeTree(ctx.repo, ctx.files);
  await writeTree(ctx.repo, {
    'secret.env.js': `const k = '${AWS}';\n`,
    'big/secret.log': Buffer.concat([text(20_000, 19), Buffer.from(`key ${AWS}\n`), text(20_000, 23)]),
    // Big text that is not UTF-8: masked all the same, every other byte kept.
    'big/latin1.txt': Buffer.from(`caf\u00e9 ${'\u00e9t\u00e9 '.repeat(60_000)}${AWS} fin\n`, 'latin1'),
    'big/utf16.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${'\u00e9t\u00e9 \u4e2d '.repeat(40_000)}${AWS} end\n`, 'utf16le')]),
  });
});
test.after(async (ctx) => { await fs.rm(ctx.base, { recursive: true, force: true }); });

/** Entries as Python's zipfile sees them (it also checks every CRC). */
function pythonView(zip: string): Record<string, { method: number; size: number }> {
  const script = [
    'import json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'bad = z.testzip()',
    'if bad: sys.exit("bad CRC: " + bad)',
    'print(json.dumps({i.filename: {"method": i.compress_type, "size": i.file_size} for i in z.infolist()}))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script, zip], { encoding: 'utf8' }));
}

async function checkContent(zip: string, dest: string, files: Record<string, Buffer>): Promise<void> {
  execFileSync('unzip', ['-tq', zip]);
  unzipTo(zip, dest);
  for (const [rel, content] of Object.entries(files)) assert.ok((await fs.readFile(path.join(dest, rel))).equals(content), rel);
}

test('this Node takes the reused-context path, and both paths inflate back to the input', () => {
  const fast = createDeflater(5);
  const portable = createDeflater(5, 'portable');
  assert.equal(fast.kind, 'reused-context', 'the zlib binding changed: snapshots fall back to the slower, hungrier path');
  assert.equal(portable.kind, 'portable');
  const inputs = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(300_000, 'repeat '), noise(200_000, 3), Buffer.alloc(70_000, 0)];
  for (const d of [fast, portable]) {
    for (const input of inputs) {
      const parts: Buffer[] = [];
      // In two writes, the second one ending the entry: the context is reset between entries.
      d.write(input.subarray(0, input.length >> 1), false, (c) => parts.push(Buffer.from(c)));
      d.write(input.subarray(input.length >> 1), true, (c) => parts.push(Buffer.from(c)));
      assert.ok(zlib.inflateRawSync(Buffer.concat(parts)).equals(input), `${d.kind}, ${input.length} bytes`);
    }
    d.close();
  }
});

test('CRC-32: zlib and the table agree, also continued across pieces', () => {
  for (const b of [Buffer.alloc(0), Buffer.from('123456789'), noise(100_000, 9)]) {
    assert.equal(crc32(b), crc32Portable(b, 0));
    assert.equal(crc32(b.subarray(17), crc32(b.subarray(0, 17))), crc32(b));
  }
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926); // the standard check value
});

test('two readers agree on every entry: stored where deflate does not help, streamed big files, UTF-8 names, secrets masked', async ({ base, repo, files }) => {
  const zip = path.join(base, 'a.zip');
  const snap = await createSnapshot(repo, { streamAbove: 256 * 1024 });
  const r = await within(snap.pipeTo(createWriteStream(zip)), 60_000, 'the snapshot');
  await checkContent(zip, path.join(base, 'a'), files);
  const view = pythonView(zip);
  assert.equal(view['noise.dat'].method, 0);
  assert.equal(view['big/photo.png'].method, 0);
  assert.equal(view['big/blob.bin'].method, 8);
  assert.equal(view['big/text.log'].method, 8);
  assert.equal(view['small.ts'].method, 8);
  assert.equal(Object.keys(view).length, r.manifest.included.length);
  assert.deepEqual(r.redactions.map((x) => x.path).sort(), ['big/latin1.txt', 'big/secret.log', 'big/utf16.txt', 'secret.env.js']);
  for (const [f, enc] of [['big/secret.log', 'utf8'], ['secret.env.js', 'utf8'], ['big/latin1.txt', 'latin1'], ['big/utf16.txt', 'utf16le']] as const) {
    const original = await fs.readFile(path.join(repo, f));
    const masked = Buffer.from(original.toString(enc).replace(AWS, '[REDACTED:aws_access_key]'), enc);
    assert.ok((await fs.readFile(path.join(base, 'a', f))).equals(masked), `${f}: the secret masked, every other byte as it was`);
  }
  const bytes = await fs.readFile(zip);
  assert.equal(r.sha256, createHash('sha256').update(bytes).digest('hex'));
});

test('Zip64 records, and the portable deflate path, give a zip both readers accept with the same content', async ({ base, repo, files }) => {
  const zip = path.join(base, 'z64.zip');
  const snap = await createSnapshot(repo, { forceZip64: true, deflater: 'portable' });
  await within(snap.pipeTo(createWriteStream(zip)), 60_000, 'the snapshot');
  await checkContent(zip, path.join(base, 'z64'), files);
  assert.equal(pythonView(zip)['small.ts'].size, files['small.ts'].length);
  const tail = (await fs.readFile(zip)).subarray(-22 - 20 - 56);
  assert.equal(tail.readUInt32LE(0), 0x06064b50, 'the Zip64 end record precedes the locator and the classic record');
});

test('output chunks reused under pressure: into a file, and into an HTTP request read slowly', async ({ base, repo, files }) => {
  const output = { chunkBytes: 4096, maxInFlight: 8192 };
  const zip = path.join(base, 'tight.zip');
  await within((await createSnapshot(repo, { output })).pipeTo(createWriteStream(zip, { highWaterMark: 1024 })), 60_000, 'the snapshot');
  await checkContent(zip, path.join(base, 'tight'), files);

  const received: Buffer[] = [];
  const server = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => { received.push(Buffer.from(c)); req.pause(); setTimeout(() => req.resume(), 1); });
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const snap = await createSnapshot(repo, { output });
    const req = http.request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, method: 'POST', path: '/' });
    const answered = new Promise<void>((resolve, reject) => { req.on('response', (res) => { res.resume(); res.on('end', resolve); }); req.on('error', reject); });
    const r = await within(snap.writeTo(req), 60_000, 'the upload');
    await within(answered, 60_000, 'the answer');
    const body = Buffer.concat(received);
    assert.equal(createHash('sha256').update(body).digest('hex'), r.sha256, 'what arrived is what was hashed');
    await fs.writeFile(path.join(base, 'http.zip'), body);
    await checkContent(path.join(base, 'http.zip'), path.join(base, 'http'), files);
  } finally {
    server.close();
  }
});

test('any other Writable gets copies: a PassThrough read late still holds the right bytes', async ({ base, repo, files }) => {
  const pass = new PassThrough({ highWaterMark: 1 << 30 }); // takes everything, read only at the end
  const snap = await createSnapshot(repo, { output: { chunkBytes: 4096 } });
  await within(snap.writeTo(pass, { end: true }), 60_000, 'the snapshot');
  const chunks: Buffer[] = [];
  for await (const c of pass) chunks.push(c as Buffer);
  await fs.writeFile(path.join(base, 'pass.zip'), Buffer.concat(chunks));
  await checkContent(path.join(base, 'pass.zip'), path.join(base, 'pass'), files);
});

test('abort stops the zip and rejects the result; a snapshot is written only once', async ({ base, repo }) => {
  const snap = await createSnapshot(repo, { output: { chunkBytes: 1024, maxInFlight: 1024 } });
  const slow = new PassThrough({ highWaterMark: 1024 });
  const run = snap.writeTo(slow).then(() => null, (e: Error) => e);
  await new Promise((resolve) => slow.once('data', resolve));
  snap.abort(new Error('stop now'));
  slow.resume();
  const err = await within(run, 60_000, 'the aborted snapshot');
  assert.match(String(err), /stop now/);
  await assert.rejects(snap.result, /stop now/);
  await assert.rejects(snap.writeTo(createWriteStream(path.join(base, 'twice.zip'))), /only once/);
});

test.run();
