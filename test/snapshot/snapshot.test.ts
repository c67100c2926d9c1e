import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { suite } from 'uvu';
import { RpcError } from '../../protocol/errors.js';
import { createSnapshot, type SnapshotProgress } from '../../agent/snapshot/index.js';
import { git, noise, tempDir, unzipTo, within, writeTree, zipListing } from './helpers.js';

const test = suite<{ base: string; repo: string }>('snapshot');
const LIMIT = 64 * 1024;

test.before(async (ctx) => {
  ctx.base = await tempDir('cvf-snap-');
  ctx.repo = path.join(ctx.base, 'repo');
  await fs.mkdir(ctx.repo);
  git(ctx.repo, 'init', '-q');
  await writeTree(ctx.repo, {
    'README.md': '# demo\n', 'src/a.ts': 'export const a = 1;\n', '.env': 'SECRET=x\n', 'id_rsa': 'key\n',
    'config/.env.production': 'X=1\n', '.env.example': 'X=\n', 'big.bin': noise(LIMIT + 1, 7),
    '.gitignore': 'node_modules/\n', 'node_modules/dep/index.js': 'ignored by git\n',
    '.codevfignore': 'docs/private/\n*.tmp\n!keep.tmp\n', 'docs/private/notes.md': 'private\n', 'docs/public.md': 'public\n',
    'scratch.tmp': 'tmp\n', 'keep.tmp': 'kept\n', 'bin/run.sh': '#!/bin/sh\necho hi\n',
    '..\\..\\evil.txt': 'a Linux name that unzips as ../../evil.txt on Windows\n', 'src/.codevfignore': '*.gen.ts\n',
    'src/b.gen.ts': 'generated\n', '.codevf/config.json': '{"version":1}\n', '.codevf/audit.jsonl': '{}\n',
  });
  await fs.chmod(path.join(ctx.repo, 'bin/run.sh'), 0o755);
  await fs.symlink('/etc/passwd', path.join(ctx.repo, 'link-out'));
  await fs.symlink('../outside', path.join(ctx.repo, 'link-up'));
  await fs.symlink('README.md', path.join(ctx.repo, 'link-in'));
  git(ctx.repo, 'add', '-A');
  git(ctx.repo, 'commit', '-qm', 'init');
  await writeTree(ctx.repo, { 'untracked.txt': 'new file\n' });
});
test.after(async (ctx) => { await fs.rm(ctx.base, { recursive: true, force: true }); });

const INCLUDED = ['.codevfignore', '.env.example', '.gitignore', 'README.md', 'bin/run.sh', 'docs/public.md', 'keep.tmp', 'link-in',
  'src/.codevfignore', 'src/a.ts', 'untracked.txt'];

test('.env, id_rsa, links out of the repository and files over the limit are excluded and reported; .codevf/ is left out', async ({ repo }) => {
  const snap = await createSnapshot(repo, { maxFileBytes: LIMIT });
  snap.stream.resume();
  const { manifest } = await within(snap.result, 60_000, 'the snapshot');
  const excluded = Object.fromEntries(manifest.excluded.map((e) => [e.path, e.reason]));
  assert.deepEqual(excluded, {
    '.env': 'never_share', id_rsa: 'never_share', 'config/.env.production': 'never_share', 'big.bin': 'too_large',
    'link-out': 'symlink_outside_project', 'link-up': 'symlink_outside_project',
    'docs/private/notes.md': 'codevfignore', 'scratch.tmp': 'codevfignore', 'src/b.gen.ts': 'codevfignore',
    '..\\..\\evil.txt': 'unsupported_name',
  });
  assert.deepEqual([...manifest.included].map((f) => f.path).sort(), INCLUDED);
  assert.match(manifest.excluded.find((e) => e.path === 'id_rsa')!.detail, /private key/);
});

test('the zip holds exactly the included files, with their content, modes and in-repo links', async ({ base, repo }) => {
  const zip = path.join(base, 'out.zip');
  const snap = await createSnapshot(repo, { maxFileBytes: LIMIT });
  const result = await within(snap.pipeTo(createWriteStream(zip)), 60_000, 'the snapshot');
  assert.deepEqual(zipListing(zip), INCLUDED);
  const dest = path.join(base, 'x1');
  unzipTo(zip, dest);
  for (const rel of INCLUDED.filter((p) => p !== 'link-in')) {
    assert.equal(await fs.readFile(path.join(dest, rel), 'utf8'), await fs.readFile(path.join(repo, rel), 'utf8'), rel);
  }
  assert.equal(await fs.readlink(path.join(dest, 'link-in')), 'README.md');
  assert.equal((await fs.stat(path.join(dest, 'bin/run.sh'))).mode & 0o111, 0o111);
  const bytes = await fs.readFile(zip);
  assert.deepEqual({ sha256: result.sha256, bytes: result.bytes }, { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
  assert.equal(await snap.sha256, result.sha256);
});

test('progress reports every file and byte by the end', async ({ repo }) => {
  const seen: SnapshotProgress[] = [];
  const snap = await createSnapshot(repo, { maxFileBytes: LIMIT, onProgress: (p) => seen.push(p) });
  snap.stream.resume();
  const { manifest } = await within(snap.result, 60_000, 'the snapshot');
  const total = [...manifest.included].reduce((n, f) => n + f.size, 0);
  assert.deepEqual(seen.at(-1), { filesDone: INCLUDED.length, filesTotal: INCLUDED.length, bytesDone: total, bytesTotal: total });
});

test('the total size limit leaves out files that do not fit, reported', async ({ repo }) => {
  const snap = await createSnapshot(repo, { maxFileBytes: LIMIT, maxTotalBytes: 40 });
  snap.stream.resume();
  const { manifest } = await within(snap.result, 60_000, 'the snapshot');
  assert.ok(manifest.totalBytes <= 40);
  assert.ok(manifest.excluded.some((e) => e.reason === 'total_size_limit'));
  assert.equal(manifest.included.length + manifest.excluded.filter((e) => e.reason === 'total_size_limit').length, INCLUDED.length);
});

test('a folder that is not a git repository is a clear error', async ({ base }) => {
  const plain = path.join(base, 'plain');
  await fs.mkdir(plain);
  const err = await createSnapshot(plain).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof RpcError);
  assert.equal(err.data.reason, 'not_a_git_repository');
});

test('hundreds of mixed files in small output chunks, big ones streamed, through a slow reader come out intact', async ({ base }) => {
  const repo = path.join(base, 'many');
  await fs.mkdir(repo);
  git(repo, 'init', '-q');
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 300; i++) files[`d${i % 7}/f${i}.${i % 5 === 0 ? 'png' : 'txt'}`] = i % 3 ? Buffer.from(`line ${i}\n`.repeat(i * 13)) : noise(i * 97, i + 1);
  await writeTree(repo, files);
  const zip = path.join(base, 'many.zip');
  const snap = await createSnapshot(repo, { streamAbove: 4 * 1024, output: { chunkBytes: 1024, maxInFlight: 4096 } });
  const out = createWriteStream(zip);
  const slow = new Writable({
    highWaterMark: 1024,
    write(chunk, _enc, cb) { out.write(chunk); setImmediate(cb); },
    final(cb) { out.end(cb); },
  });
  await within(snap.pipeTo(slow), 60_000, 'the snapshot');
  const dest = path.join(base, 'many-x');
  unzipTo(zip, dest);
  for (const [rel, content] of Object.entries(files)) assert.ok((await fs.readFile(path.join(dest, rel))).equals(content), rel);
});

test('a reader that gives up mid-zip ends the snapshot with an error instead of hanging', async ({ base }) => {
  const repo = path.join(base, 'many');
  const snap = await createSnapshot(repo, { streamAbove: 4 * 1024, output: { chunkBytes: 1024, maxInFlight: 4096 } });
  const first = await within(new Promise<Buffer>((resolve) => snap.stream.once('data', resolve)), 60_000, 'the first chunk');
  assert.ok(first.length > 0);
  snap.stream.destroy();
  const err = await within(snap.result.then(() => null, (e: Error) => e), 60_000, 'the snapshot');
  assert.ok(err instanceof Error);
});

test('a file deleted after listing is skipped and reported, the zip still completes', async ({ base, repo }) => {
  const snap = await createSnapshot(repo, { maxFileBytes: LIMIT });
  await fs.rm(path.join(repo, 'untracked.txt'));
  const zip = path.join(base, 'gone.zip');
  const r = await within(snap.pipeTo(createWriteStream(zip)), 60_000, 'the snapshot');
  assert.deepEqual(r.manifest.excluded.find((e) => e.path === 'untracked.txt')?.reason, 'missing');
  assert.ok(!zipListing(zip).includes('untracked.txt'));
  await writeTree(repo, { 'untracked.txt': 'new file\n' });
});

test('files swapped for a link, a FIFO or a folder link after listing are skipped, never followed', async ({ base }) => {
  const repo = path.join(base, 'swaps');
  await fs.mkdir(repo);
  git(repo, 'init', '-q');
  await writeTree(repo, { 'a.txt': 'a\n', 'b.txt': 'b\n', 'dir/c.txt': 'c\n', 'ok.txt': 'ok\n' });
  await writeTree(base, { 'elsewhere/c.txt': 'outside secret\n' });
  const snap = await createSnapshot(repo);
  await fs.rm(path.join(repo, 'a.txt'));
  await fs.symlink('/etc/passwd', path.join(repo, 'a.txt'));
  await fs.rm(path.join(repo, 'b.txt'));
  execFileSync('mkfifo', [path.join(repo, 'b.txt')]);
  await fs.rename(path.join(repo, 'dir'), path.join(repo, 'dir-moved'));
  await fs.symlink(path.join(base, 'elsewhere'), path.join(repo, 'dir'));
  const zip = path.join(base, 'swaps.zip');
  const r = await within(snap.pipeTo(createWriteStream(zip)), 60_000, 'the snapshot');
  const reasons = Object.fromEntries(r.manifest.excluded.map((e) => [e.path, e.reason]));
  assert.deepEqual(reasons, { 'a.txt': 'unreadable', 'b.txt': 'not_a_regular_file', 'dir/c.txt': 'symlink_outside_project' });
  assert.deepEqual(zipListing(zip), ['ok.txt']);
});

test('a .codevfignore that git itself ignores still applies to the files beside it', async ({ base }) => {
  const repo = path.join(base, 'hidden-ignore');
  await fs.mkdir(repo);
  git(repo, 'init', '-q');
  await writeTree(repo, { '.gitignore': 'deep/dir/.codevfignore\n', 'deep/dir/.codevfignore': 'private.txt\n', 'deep/dir/private.txt': 'mine\n', 'deep/dir/ok.txt': 'ok\n' });
  const snap = await createSnapshot(repo);
  snap.stream.resume();
  const { manifest } = await within(snap.result, 60_000, 'the snapshot');
  assert.deepEqual([...manifest.included].map((f) => f.path).sort(), ['.gitignore', 'deep/dir/ok.txt']);
  assert.equal(manifest.excluded.find((e) => e.path === 'deep/dir/private.txt')?.reason, 'codevfignore');
});

test('a file in a merge conflict (listed by git once per stage) goes in once, as it is in the working tree', async ({ base }) => {
  const repo = path.join(base, 'conflict');
  await fs.mkdir(repo);
  git(repo, 'init', '-q');
  await writeTree(repo, { 'a.txt': 'base\n', 'b.txt': 'b\n' });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'base');
  git(repo, 'checkout', '-qb', 'other');
  await writeTree(repo, { 'a.txt': 'other\n' });
  git(repo, 'commit', '-qam', 'other');
  git(repo, 'checkout', '-q', 'main');
  await writeTree(repo, { 'a.txt': 'main\n' });
  git(repo, 'commit', '-qam', 'main');
  assert.throws(() => git(repo, 'merge', '-q', 'other'));
  assert.match(git(repo, 'ls-files', '--cached'), /a\.txt\na\.txt\n/, 'git lists the conflicted file more than once');
  const zip = path.join(base, 'conflict.zip');
  const r = await within((await createSnapshot(repo)).pipeTo(createWriteStream(zip)), 60_000, 'the snapshot');
  assert.deepEqual(zipListing(zip), ['a.txt', 'b.txt']);
  assert.equal(r.manifest.included.length, 2);
  const dest = path.join(base, 'conflict-x');
  unzipTo(zip, dest);
  assert.match(await fs.readFile(path.join(dest, 'a.txt'), 'utf8'), /<<<<<<<[\s\S]*>>>>>>>/);
});

test.run();
