// Big snapshot entries (read in 64 KiB pieces) in UTF-16, either byte order, with and without a mark: the
// secrets are masked wherever they fall, across a piece boundary too, and every other byte comes back as it was.
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import { createSnapshot } from '../../agent/snapshot/index.js';
import { git, tempDir, unzipTo, within, writeTree } from './helpers.js';

const AWS = 'AKIAIOSFODNN7EXAMPLE';
const GHP = `ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`;

const LINE = 'caf\u00e9 \u4e2d\u6587 ordinary line of text\n';
const fill = (s: string, to: number) => (s + LINE.repeat(Math.ceil((to - s.length) / LINE.length) + 1)).slice(0, to);

/** ~600 KiB of UTF-16: a secret first, one across the first 64 KiB read, a surrogate pair across the second, two last. */
function text(): string {
  let s = fill(`key ${AWS}\n`, 32768 - 12);
  s = `${fill(`${s} ${GHP} `, 65535)}\u{1F600}`;
  return `${fill(s, 300_000)}\npassword = "Zq8kL2m9xQr7Tw" ${AWS}\n`;
}

test('UTF-16LE/BE over 256 KiB, with and without a mark, masked byte for byte in the zip', async () => {
  const base = await tempDir('cvf-u16-');
  const repo = path.join(base, 'repo');
  await fs.mkdir(repo);
  git(repo, 'init', '-q');
  const t = text();
  const le = Buffer.from(t, 'utf16le');
  const be = Buffer.from(le).swap16();
  const files: Record<string, [Buffer, 'le' | 'be']> = {
    'le-bom.txt': [Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'le'], 'le.txt': [le, 'le'],
    'be-bom.txt': [Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'be'], 'be.txt': [be, 'be'],
  };
  await writeTree(repo, Object.fromEntries(Object.entries(files).map(([k, [b]]) => [k, b])));
  const zip = path.join(base, 'a.zip');
  const snap = await createSnapshot(repo, { streamAbove: 256 * 1024 });
  const r = await within(snap.pipeTo(createWriteStream(zip)), 60_000, 'the snapshot');
  unzipTo(zip, path.join(base, 'a'));
  const masked = t.replace(`key ${AWS}`, 'key [REDACTED:aws_access_key]').replace(GHP, '[REDACTED:github_token]')
    .replace(`"Zq8kL2m9xQr7Tw" ${AWS}`, '"[REDACTED:secret_assignment]" [REDACTED:aws_access_key]');
  assert.notEqual(masked, t);
  for (const [name, [data, order]] of Object.entries(files)) {
    assert.ok(data.length > 256 * 1024, name);
    const got = await fs.readFile(path.join(base, 'a', name));
    const mark = data.length - le.length;
    assert.deepEqual([...got.subarray(0, mark)], [...data.subarray(0, mark)], `${name}: the mark kept`);
    const body = order === 'le' ? got.subarray(mark) : Buffer.from(got.subarray(mark)).swap16();
    assert.equal(body.toString('utf16le'), masked, `${name}: secrets masked, the rest as it was`);
    assert.equal(r.redactions.find((x) => x.path === name)?.count, 4, name);
  }
  await fs.rm(base, { recursive: true, force: true });
});

test.run();
