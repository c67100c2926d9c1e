import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectFiles } from '../../agent/security/safe-file.js';

const AWS = 'AKIAIOSFODNN7EXAMPLE';
const GH = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';

test('a file that is not UTF-8 (Latin-1, UTF-16) is still redacted; the bytes around each secret are unchanged', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cvf-bin-'));
  const latin1 = Buffer.concat([Buffer.from('caf\xe9 ', 'latin1'), Buffer.from(`key=${AWS}\ntoken ${GH}\n`), Buffer.from([0xff, 0x00, 0x01])]);
  writeFileSync(join(root, 'config.txt'), latin1);
  writeFileSync(join(root, 'notes.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`aws ${AWS}\n`, 'utf16le')]));
  const files = await ProjectFiles.open(root);

  const a = await files.read('config.txt');
  const bytesA = Buffer.from(a.content, 'base64');
  assert.equal([a.binary, a.redactions.count], [true, 2]);
  assert.not.ok(bytesA.includes(AWS) || bytesA.includes(GH));
  assert.equal([...bytesA.subarray(0, 5)], [...latin1.subarray(0, 5)]);
  assert.equal([...bytesA.subarray(-3)], [0xff, 0x00, 0x01]);

  const b = await files.read('notes.txt');
  const textB = Buffer.from(b.content, 'base64').toString('utf16le');
  assert.equal([b.binary, b.redactions.count], [true, 1]);
  assert.not.match(textB, AWS);
  assert.match(textB, '[REDACTED:');
});

test.run();
