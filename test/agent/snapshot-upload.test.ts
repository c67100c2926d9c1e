import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Init, UploadSnapshot } from '../../protocol/index.js';
import { typedAgent } from '../helpers/agent.js';
import { tempEnv } from '../helpers/env.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';

const t = suite('uploadSnapshot');
let sb: Sandbox;
t.before(async () => { sb = await startSandbox(); });
t.after(async () => { await sb.stop(); });
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e) => e);

function repoWithSecrets() {
  const dir = mkdtempSync(join(tmpdir(), 'cvf-snap-'));
  execFileSync('git', ['init', '-q', dir]);
  const files: Record<string, string | Buffer> = {
    'package.json': '{"scripts":{"test":"node t.js"}}', 'src/app.js': 'console.log(1)\n'.repeat(500), '.env': 'SECRET=1',
    '.env.example': 'SECRET=', 'id_rsa': '-----BEGIN OPENSSH PRIVATE KEY-----', 'notes/private.txt': 'mine', '.codevfignore': 'notes/\n',
    'big.bin': Buffer.alloc(11 * 1024 * 1024, 7),
  };
  for (const [f, c] of Object.entries(files)) {
    execFileSync('mkdir', ['-p', join(dir, f, '..')]);
    writeFileSync(join(dir, f), c);
  }
  symlinkSync('/etc/passwd', join(dir, 'passwd-link'));
  return dir;
}

t('a snapshot leaves out never-share files, .codevfignore, links out of the repo and files over the limit, reporting each; the backend verifies the checksum', async () => {
  const e = tempEnv(sb.url, { CODEVF_TOKEN: sb.customerToken });
  const dir = repoWithSecrets();
  const a = await typedAgent({ env: e.env, cwd: dir });
  await a.request(Init, { uploadCode: true });
  const res = await a.request(UploadSnapshot, { workDoneToken: 'snap' });
  const excluded = Object.fromEntries(res.excluded.map((x) => [x.path, x.reason.split(':')[0]]));
  assert.equal(excluded, { '.env': 'never_share', id_rsa: 'never_share', 'notes/private.txt': 'codevfignore', 'passwd-link': 'symlink_outside_project', 'big.bin': 'too_large' });
  const kinds = a.notes.filter((n) => n.method === '$/progress' && n.params.token === 'snap').map((n) => n.params.value.kind);
  assert.equal([kinds[0], kinds.at(-1)], ['begin', 'end']);
  const stored = join(sb.dataDir, 'snapshots', JSON.parse(readFileSync(join(dir, '.codevf/config.json'), 'utf8')).projectId);
  const zip = join(stored, readdirSync(stored).find((f) => f.endsWith('.zip'))!);
  const bytes = readFileSync(zip);
  assert.is(createHash('sha256').update(bytes).digest('hex'), res.sha256);
  assert.is(bytes.length, res.size);
  const listing = execFileSync('unzip', ['-Z1', zip]).toString().trim().split('\n').sort();
  assert.equal(listing, ['.codevfignore', '.env.example', 'package.json', 'src/app.js']);
  assert.is(res.files, 4);
  await a.close(); e.cleanup();
});

t('secrets inside shared files are masked in the zip, small and streamed alike; binary files go in byte for byte', async () => {
  const e = tempEnv(sb.url, { CODEVF_TOKEN: sb.customerToken });
  const dir = mkdtempSync(join(tmpdir(), 'cvf-snap-red-'));
  execFileSync('git', ['init', '-q', dir]);
  const AWS = 'AKIAIOSFODNN7EXAMPLE';
  const GH = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
  writeFileSync(join(dir, 'config.js'), `export const key = '${AWS}';\n`);
  writeFileSync(join(dir, 'big.log'), 'ok line\n'.repeat(250_000) + `token ${GH}\n`); // 2 MB: streamed
  const bin = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]), Buffer.from(AWS)]);
  writeFileSync(join(dir, 'image.bin'), bin);
  const a = await typedAgent({ env: e.env, cwd: dir });
  await a.request(Init, { uploadCode: true });
  const res = await a.request(UploadSnapshot, {});
  assert.equal(res.redactions.map((r) => [r.path, r.count]).sort(), [['big.log', 1], ['config.js', 1]]);
  const stored = join(sb.dataDir, 'snapshots', JSON.parse(readFileSync(join(dir, '.codevf/config.json'), 'utf8')).projectId);
  const zip = join(stored, readdirSync(stored).find((f) => f.endsWith('.zip'))!);
  const out = mkdtempSync(join(tmpdir(), 'cvf-unzip-'));
  execFileSync('unzip', ['-q', zip, '-d', out]);
  const config = readFileSync(join(out, 'config.js'), 'utf8');
  assert.not.match(config, AWS);
  assert.match(config, "export const key = '[REDACTED:");
  const big = readFileSync(join(out, 'big.log'), 'utf8');
  assert.not.match(big, GH);
  assert.ok(big.startsWith('ok line\n'.repeat(1000)));
  assert.equal([...readFileSync(join(out, 'image.bin'))], [...bin]);
  await a.close(); e.cleanup();
});

t('a project that did not opt in to uploads refuses, before any byte is sent', async () => {
  const e = tempEnv(sb.url, { CODEVF_TOKEN: sb.customerToken });
  const dir = repoWithSecrets();
  const a = await typedAgent({ env: e.env, cwd: dir });
  await a.request(Init, {});
  const err = await fail(a.request(UploadSnapshot, {}));
  assert.equal([err.code, err.data.reason], [-31007, 'upload_not_allowed']);
  await a.close(); e.cleanup();
});

t.run();
