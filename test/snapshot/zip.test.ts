// The zip writer on its own: what the container says (checked by Info-ZIP's unzip and Python's zipfile,
// two independent readers), both deflate paths, big files, and output chunks reused under pressure into
// a file and into an HTTP request on loopback.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import zlib from 'node:zlib';
import { suite } from 'uvu';
import { crc32, crc32Portable, createDeflater } from '../../agent/snapshot/deflate.js';
import { createSnapshot } from '../../agent/snapshot/index.js';
import { ZipOutput } from '../../agent/snapshot/output.js';
import { git, noise, tempDir, unzipTo, within, writeTree } from './helpers.js';

const test = suite<{ base: string; repo: string; files: Record<string, Buffer> }>('zip writer');
const AWS = 'AKIAIOSFODNN7EXAMPLE';
const PASSWORD = 'Zq8#\u00e0k2Lm9$x\u00e9Qr';

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
    // A secret with non-ASCII characters: as Latin-1, the UTF-8 bytes of 'à' (C3 A0) would read as a space.
    'i18n.js': `const password = "${PASSWORD}";\n`,
    'big/i18n.log': `${'r\u00e9sum\u00e9 ok\n'.repeat(30_000)}const password = "${PASSWORD}";\n`,
  });
  // Starts like UTF-16 but has an odd length: every byte must come back.
  ctx.files['big/odd.bin'] = Buffer.concat([Buffer.from([0xff, 0xfe]), noise(300_001, 29)]);
  await writeTree(ctx.repo, { 'big/odd.bin': ctx.files['big/odd.bin'] });
});
test.after(async (ctx) => { await fs.rm(ctx.base, { recursive: true, force: true }); });

/** Entries as Python's zipfile sees them (it also checks every CRC). */
function pythonView(zip: string): Record<string, { method: number; size: number; packed: number }> {
  const script = [
    'import json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'bad = z.testzip()',
    'if bad: sys.exit("bad CRC: " + bad)',
    'print(json.dumps({i.filename: {"method": i.compress_type, "size": i.file_size, "packed": i.compress_size} for i in z.infolist()}))',
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
  // A big file in a compressed format: deflate's stored blocks, a few bytes per 64 KiB.
  assert.equal(view['big/photo.png'].method, 8);
  assert.ok(view['big/photo.png'].packed - view['big/photo.png'].size < 100, 'level 0 adds only block headers');
  assert.equal(view['big/blob.bin'].method, 8);
  assert.equal(view['big/text.log'].method, 8);
  assert.equal(view['small.ts'].method, 8);
  assert.equal(Object.keys(view).length, r.manifest.included.length);
  assert.deepEqual(r.redactions.map((x) => x.path).sort(), ['big/i18n.log', 'big/latin1.txt', 'big/secret.log', 'big/utf16.txt', 'i18n.js', 'secret.env.js']);
  const cases = [['big/secret.log', 'utf8', AWS, 'aws_access_key'], ['secret.env.js', 'utf8', AWS, 'aws_access_key'], ['big/latin1.txt', 'latin1', AWS, 'aws_access_key'],
    ['big/utf16.txt', 'utf16le', AWS, 'aws_access_key'], ['i18n.js', 'utf8', PASSWORD, 'secret_assignment'], ['big/i18n.log', 'utf8', PASSWORD, 'secret_assignment']] as const;
  for (const [f, enc, secret, kind] of cases) {
    const original = await fs.readFile(path.join(repo, f));
    const masked = Buffer.from(original.toString(enc).replace(secret, `[REDACTED:${kind}]`), enc);
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
  // Forced, every local header carries Zip64 sizes and streamed entries a 24-byte descriptor: the fast path too.
  const fast = path.join(base, 'z64-fast.zip');
  await within((await createSnapshot(repo, { forceZip64: true })).pipeTo(createWriteStream(fast)), 60_000, 'the snapshot');
  await checkContent(fast, path.join(base, 'z64-fast'), files);
  assert.equal(Object.keys(pythonView(fast)).length, Object.keys(pythonView(zip)).length);
});

test('a file still being written goes in as it was when opened: it cannot pass the limits or stall the zip', async ({ base }) => {
  const repo = path.join(base, 'growing');
  await fs.mkdir(repo);
  git(repo, 'init', '-q');
  const log = path.join(repo, 'app.log');
  await fs.writeFile(log, noise(512 * 1024, 31));
  const limit = 1024 * 1024;
  const snap = await createSnapshot(repo, { maxFileBytes: limit, output: { chunkBytes: 4096, maxInFlight: 4096 } });
  let appends = 0;
  const appender = setInterval(() => { if (appends++ < 40) appendFileSync(log, noise(128 * 1024, appends)); }, 1);
  const zip = path.join(base, 'growing.zip');
  const out = createWriteStream(zip, { highWaterMark: 1024 });
  const slow = new Writable({ highWaterMark: 1024, write(c, _e, cb) { out.write(c, () => setTimeout(cb, 1)); }, final(cb) { out.end(cb); } });
  try {
    const r = await within(snap.pipeTo(slow), 60_000, 'the snapshot');
    assert.ok(appends > 3, 'the file grew while it was zipped');
    const view = pythonView(zip);
    if (view['app.log']) assert.ok(view['app.log'].size <= limit, `${view['app.log'].size} bytes went in, over the ${limit}-byte limit`);
    else assert.equal(r.manifest.excluded.find((e) => e.path === 'app.log')?.reason, 'too_large');
  } finally {
    clearInterval(appender);
  }
});

test('output chunks reused under pressure: into a file, and into an HTTP request read slowly', async ({ base, repo, files }) => {
  const output = { chunkBytes: 4096, maxInFlight: 8192 };
  const probe = createWriteStream(path.join(base, 'probe'));
  assert.deepEqual([new ZipOutput(probe).reusesChunks, new ZipOutput(new PassThrough()).reusesChunks], [true, false]);
  probe.destroy();
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
    assert.ok(new ZipOutput(req).reusesChunks, 'an HTTP request takes the chunks as they are');
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

test('a destination closed before or while the zip is written fails it, never a success or a hang', async ({ base, repo }) => {
  const gone = createWriteStream(path.join(base, 'gone.zip'));
  gone.destroy();
  await new Promise<void>((resolve) => gone.once('close', () => resolve()));
  await assert.rejects(within((await createSnapshot(repo)).pipeTo(gone), 60_000, 'the snapshot'), /closed before the zip was complete/);

  for (const ms of [0, 2, 10]) {
    const out = createWriteStream(path.join(base, `cut-${ms}.zip`));
    const snap = await createSnapshot(repo, { output: { chunkBytes: 4096, maxInFlight: 4096 } });
    const run = snap.pipeTo(out);
    setTimeout(() => out.destroy(), ms);
    await assert.rejects(within(run, 60_000, 'the snapshot'), /closed before the zip was complete/, `destroyed after ${ms} ms`);
    await assert.rejects(snap.result);
  }
});

test('an abort while the destination is still finishing is not lost', async ({ repo }) => {
  let ending!: () => void;
  const ended = new Promise<void>((resolve) => { ending = resolve; });
  const stuck = new Writable({ write(_c, _e, cb) { cb(); }, final() { ending(); /* and never finishes */ } });
  const snap = await createSnapshot(repo);
  const run = snap.writeTo(stuck).then(() => null, (e: Error) => e);
  await within(ended, 60_000, 'the end of the zip');
  snap.abort(new Error('stop while finishing'));
  assert.match(String(await within(run, 10_000, 'the aborted snapshot')), /stop while finishing/);
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
