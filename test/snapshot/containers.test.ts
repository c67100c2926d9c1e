// Compressed containers carry their content past the redactor: a snapshot leaves them out by their bytes,
// whatever their name, and reports them as never_share; small and streamed (big) entries alike.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { test } from 'uvu';
import { createSnapshot } from '../../agent/snapshot/index.js';
import { git, tempDir, within } from './helpers.js';

test('gzip and zlib content is excluded from a snapshot as never_share; plain files stay', async () => {
  const base = await tempDir('cvf-snap-c-');
  try {
    const repo = path.join(base, 'repo');
    await fs.mkdir(repo);
    git(repo, 'init', '-q');
    const secret = 'DB_PASSWORD=S3cr3tPassw0rd!\n';
    await fs.writeFile(path.join(repo, 'README.md'), '# demo\n');
    await fs.writeFile(path.join(repo, 'backup.txt'), gzipSync(secret));
    await fs.writeFile(path.join(repo, 'object'), deflateSync(`blob ${secret.length}\0${secret}`));
    await fs.writeFile(path.join(repo, 'big.dat'), gzipSync(Buffer.alloc(4 * 1024 * 1024, secret), { level: 0 }));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'init');
    const snap = await createSnapshot(repo, { maxFileBytes: 64 * 1024 * 1024 }); // big.dat (4 MiB) streams: over the 256 KiB default
    snap.stream.resume();
    const { manifest } = await within(snap.result, 60_000, 'the snapshot');
    const excluded = Object.fromEntries(manifest.excluded.map((e) => [e.path, [e.reason, e.detail]]));
    for (const p of ['backup.txt', 'object', 'big.dat']) {
      assert.equal(excluded[p]?.[0], 'never_share', p);
      assert.match(excluded[p][1], /compressed content/, p);
    }
    assert.deepEqual([...manifest.included].map((f) => f.path), ['README.md']);
  } finally {
    await fs.rm(base, { recursive: true, force: true });
  }
});

test.run();
