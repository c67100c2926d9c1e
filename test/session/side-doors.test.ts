// Side doors, end to end through the real agent and sandbox: a committed secret asked for as a git object,
// compressed files, UTF-16 files in all four forms, the agent's own token through approved commands
// (base64, xxd -p, URL encoding, base64url), an AWS secret without a keyword, a link to a never-share file.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApproveCommand, UploadFile } from '../../protocol/methods/session.js';
import { startWorld, type World } from './harness.js';
import { RequestCommandNote, RequestFileNote } from '../../protocol/index.js';

const GHP = `ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`;
const SECRETS = `DB_URL=postgres://app:S3cr3tPassw0rd@db.internal/app\nGITHUB=${GHP}\n`;

let w: World;
const git = (...args: string[]) => execFileSync('git', ['-C', w.dir, ...args], { encoding: 'utf8' }).trim();

test.before(async () => {
  w = await startWorld();
  git('init', '-q');
  await writeFile(join(w.dir, 'secrets.txt'), SECRETS);
  git('add', 'secrets.txt');
  execFileSync('git', ['-C', w.dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'oops']);
  await w.engineerJoins();
});
test.after(() => w?.cleanup());

const rpcError = async (p: Promise<unknown>) => {
  try { await p; } catch (e) { return e as { data: { reason: string } }; }
  return null;
};

async function askFile(path: string) {
  const id = await w.eng.requestFile(path, 'side door');
  return w.agent.waitFor(RequestFileNote, (p) => p.requestId === id);
}

test('a committed secret asked for as a git object, or a copy of it, is never shared by default; the reason is shown', async () => {
  const blob = git('rev-parse', 'HEAD:secrets.txt');
  const objectPath = `.git/objects/${blob.slice(0, 2)}/${blob.slice(2)}`;
  await copyFile(join(w.dir, objectPath), join(w.dir, 'blob-copy'));
  for (const [path, why] of [[objectPath, 'git metadata'], ['.git/config', 'git metadata'], ['blob-copy', 'zlib']]) {
    const req = await askFile(path);
    assert.match(req.neverShare ?? '', why, path);
    assert.is((await rpcError(w.agent.request(UploadFile, { requestId: req.requestId, decision: 'allow' })))?.data.reason, 'never_share', path);
    await w.agent.request(UploadFile, { requestId: req.requestId, decision: 'deny' });
  }
});

test('compressed files are never shared by default, whatever their name', async () => {
  await writeFile(join(w.dir, 'notes.txt.gz'), gzipSync(SECRETS));
  await writeFile(join(w.dir, 'data.bin'), execFileSync('xz', ['-c'], { input: SECRETS }));
  await writeFile(join(w.dir, 'plain.dat'), execFileSync('bzip2', ['-c'], { input: SECRETS }));
  execFileSync('zip', ['-q', join(w.dir, 'bundle.txt'), 'secrets.txt'], { cwd: w.dir });
  for (const path of ['notes.txt.gz', 'data.bin', 'plain.dat', 'bundle.txt']) {
    const req = await askFile(path);
    assert.match(req.neverShare ?? '', 'compressed content', path);
    await w.agent.request(UploadFile, { requestId: req.requestId, decision: 'deny' });
  }
});

test('UTF-16 files, little- and big-endian, with and without a mark, reach the engineer redacted', async () => {
  const le = Buffer.from(SECRETS, 'utf16le');
  const files: Record<string, Buffer> = {
    'le-bom.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'le.txt': le,
    'be-bom.txt': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]), 'be.txt': Buffer.from(le).swap16(),
  };
  for (const [name, data] of Object.entries(files)) {
    await writeFile(join(w.dir, name), data);
    const req = await askFile(name);
    const sent = await w.agent.request(UploadFile, { requestId: req.requestId, decision: 'allow' });
    assert.is(sent.redactions, 2, name);
    const up = await w.eng.waitFor('file_upload', (e) => e.payload.requestId === req.requestId);
    const got = await w.eng.download(up.payload.downloadPath);
    const text = name.startsWith('be') ? Buffer.from(got).swap16().toString('utf16le') : got.toString('utf16le');
    assert.not.match(text, 'S3cr3tPassw0rd', name);
    assert.not.match(text, GHP, name);
    assert.match(text, 'GITHUB=[REDACTED:github_token]', name);
  }
});

test("the agent's own token does not leave through base64, xxd -p, base64url or URL encoding of its credentials file", async () => {
  const token = w.sb.customerToken;
  await mkdir(join(w.dir, 'cfg'));
  await writeFile(join(w.dir, 'cfg/auth.json'), JSON.stringify({ 'https://api.codevf.com': { accessToken: token, store: 'file' } }, null, 2));
  const commands: Array<[string, (s: string) => Buffer]> = [
    ['base64 cfg/auth.json', (s) => Buffer.from(s, 'base64')],
    ['xxd -p cfg/auth.json', (s) => Buffer.from(s.length % 2 ? s.slice(1) : s, 'hex')],
    ["base64 -w0 cfg/auth.json | tr '+/' '-_'", (s) => Buffer.from(s, 'base64url')],
    [`node -e "process.stdout.write(encodeURIComponent(require('fs').readFileSync('cfg/auth.json','utf8')))"`, (s) => { try { return Buffer.from(decodeURIComponent(s)); } catch { return Buffer.from(s); } }],
  ];
  for (const [command, decode] of commands) {
    const id = await w.eng.requestCommand(command, 'show me your config');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    const done = await w.eng.waitFor('command_result', (e) => e.payload.requestId === id);
    assert.is(done.payload.exitCode, 0, command);
    const out = w.eng.socket!.events.filter((e) => e.type === 'command_output' && e.payload.requestId === id).map((e: any) => e.payload.data).join('');
    assert.match(out, '[REDACTED:codevf_credential]', command);
    for (const seg of out.replace(/\s/g, '').split(/\[REDACTED:[a-z_]+\]/)) {
      for (let k = 0; k < 4; k++) {
        const d = decode(seg.slice(k)).toString('latin1');
        for (let i = 0; i + 8 <= token.length; i++) assert.not.ok(d.includes(token.slice(i, i + 8)), `${command}: token part ${token.slice(i, i + 8)} recoverable`);
      }
    }
  }
});

test('an AWS secret beside its key id is redacted from a shared file without any keyword', async () => {
  await writeFile(join(w.dir, 'aws.js'), "const creds = new AWS.Credentials('AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');\n");
  const req = await askFile('aws.js');
  await w.agent.request(UploadFile, { requestId: req.requestId, decision: 'allow' });
  const up = await w.eng.waitFor('file_upload', (e) => e.payload.requestId === req.requestId);
  assert.is((await w.eng.download(up.payload.downloadPath)).toString(), "const creds = new AWS.Credentials('[REDACTED:aws_access_key]', '[REDACTED:aws_secret_key]');\n");
});

test('the never-share warning comes from the file that would be served: a harmless name linked to .env warns', async () => {
  await writeFile(join(w.dir, '.env'), 'API_KEY=abc\n');
  await symlink('.env', join(w.dir, 'innocent.txt'));
  const req = await askFile('innocent.txt');
  assert.match(req.neverShare ?? '', '.env');
  await w.agent.request(UploadFile, { requestId: req.requestId, decision: 'deny' });
});

test.run();
