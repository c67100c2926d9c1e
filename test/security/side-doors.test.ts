// Side doors around redaction: version-control metadata and compressed containers (never shared by default),
// UTF-16 in both byte orders with and without a mark, the agent's own tokens in encoded forms, and an AWS
// secret without a keyword.
import { execFileSync } from 'node:child_process';
import { deflateSync, gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addKnownSecret, clearKnownSecrets } from '../../agent/security/known-secrets.js';
import { containerReason, neverShareReason } from '../../agent/security/never-share.js';
import { redact } from '../../agent/security/redact.js';
import { redactBytes, utf16Order } from '../../agent/security/redact-bytes.js';

const TOKEN = 'cvf_at_Xq3kP9vLm2Rt7YwZ8nB4cD6fG1hJ5sK0';

test('version-control metadata is on the never-share list at any depth', () => {
  for (const p of ['.git/objects/ab/cdef0123', '.git/config', 'vendor/lib/.git/packed-refs', '.hg/store/data/x.i', '.svn/wc.db', '.bzr/branch/x', '_darcs/patches/x', '.jj/repo/store/x']) {
    assert.ok(neverShareReason(p), p);
  }
  for (const p of ['.gitignore', '.github/workflows/ci.yml', 'src/git.ts', 'docs/.gitkeep']) assert.is(neverShareReason(p), null, p);
});

test('compressed containers are recognised by their bytes, not their names', () => {
  const text = Buffer.from('password = "hunter2hunter2"\n'.repeat(20));
  const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { input: text });
  const cases: Record<string, Buffer> = {
    'zlib (git object)': deflateSync(Buffer.concat([Buffer.from('blob 580\0'), text])),
    gzip: gzipSync(text), xz: sh('xz', ['-c']), bzip2: sh('bzip2', ['-c']),
    zip: Buffer.from('504b0304140000000800', 'hex'), 'git pack': Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 1])]),
  };
  for (const [name, data] of Object.entries(cases)) assert.match(containerReason(data) ?? '', 'compressed content', name);
  for (const plain of ['x^2 + y^2 = z^2\n', 'BZh is a bzip2 magic\n', 'PK files\n', 'xx', '']) assert.is(containerReason(Buffer.from(plain)), null, plain);
});

test('UTF-16 in both byte orders, with and without a mark, is detected and redacted byte for byte', () => {
  const secret = `token = ghp_${'a1B2c3D4e5'.repeat(3)}abcdef\n`;
  const text = `line one\n${secret}line three\n`;
  const le = Buffer.from(text, 'utf16le');
  const be = Buffer.from(le).swap16();
  const variants: Array<[string, Buffer, 'le' | 'be']> = [
    ['LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'le'], ['LE without BOM', le, 'le'],
    ['BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'be'], ['BE without BOM', be, 'be'],
  ];
  for (const [name, data, order] of variants) {
    assert.is(utf16Order(data), order, name);
    const r = redactBytes(data);
    assert.is(r.count, 1, name);
    const back = order === 'le' ? r.data.toString('utf16le') : Buffer.from(r.data).swap16().toString('utf16le');
    assert.not.match(back, 'ghp_', name);
    assert.match(back, 'line one\ntoken = [REDACTED:github_token]\nline three', name);
    if (data[0] === 0xff || data[0] === 0xfe) assert.equal([...r.data.subarray(0, 2)], [...data.subarray(0, 2)], `${name}: mark kept`);
  }
  assert.is(utf16Order(Buffer.from('plain ascii text, long enough')), null);
});

/** The token must not be recoverable from `out` decoded with `decode` (segments between masks, any alignment). */
function recoverable(out: string, decode: (s: string) => string): boolean {
  for (const seg of out.replace(/\s/g, '').split(/\[REDACTED:[a-z_]+\]/)) {
    for (let k = 0; k < 4; k++) {
      const d = decode(seg.slice(k));
      for (let i = 0; i + 6 <= TOKEN.length; i++) if (d.includes(TOKEN.slice(i, i + 6))) return true;
    }
  }
  return false;
}

test("the agent's own token is redacted raw, base64 (wrapped), base64url, hex (xxd -p) and URL-encoded", () => {
  clearKnownSecrets();
  addKnownSecret(TOKEN);
  const file = Buffer.from(JSON.stringify({ host: 'https://api.codevf.test', accessToken: TOKEN, savedAt: '2026-01-01' }, null, 2));
  for (let pad = 0; pad < 3; pad++) { // every alignment of the token in the stream
    const data = Buffer.concat([Buffer.from('x'.repeat(pad)), file]);
    const b64 = data.toString('base64').replace(/.{76}/g, '$&\n');
    const hex = data.toString('hex').replace(/.{60}/g, '$&\n');
    const forms: Array<[string, string, (s: string) => string]> = [
      ['raw', data.toString(), (s) => s],
      ['base64', b64, (s) => Buffer.from(s, 'base64').toString('latin1')],
      ['base64url', data.toString('base64url'), (s) => Buffer.from(s, 'base64url').toString('latin1')],
      ['hex', hex, (s) => Buffer.from(s.length % 2 ? s.slice(1) : s, 'hex').toString('latin1')],
      ['HEX', data.toString('hex').toUpperCase(), (s) => Buffer.from(s.length % 2 ? s.slice(1) : s, 'hex').toString('latin1')],
      ['url', encodeURIComponent(data.toString()), (s) => { try { return decodeURIComponent(s); } catch { return s; } }],
    ];
    for (const [name, text, decode] of forms) {
      assert.ok(recoverable(text, decode), `${name}: the test itself must see the token before redaction`);
      const r = redact(text);
      assert.ok(r.kinds.includes('codevf_credential'), `${name} (pad ${pad}): ${r.text.slice(0, 200)}`);
      assert.not.ok(recoverable(r.text, decode), `${name} (pad ${pad}) still holds the token`);
    }
  }
  clearKnownSecrets();
  assert.is(redact(Buffer.from(TOKEN).toString('hex')).count, 0, 'nothing known, nothing masked');
});

test('an AWS secret access key beside its key id is caught without a keyword', () => {
  const src = "const creds = new AWS.Credentials('AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');";
  const r = redact(src);
  assert.is(r.text, "const creds = new AWS.Credentials('[REDACTED:aws_access_key]', '[REDACTED:aws_secret_key]');");
  assert.is(redact("const id = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';").count, 0, 'alone, 40 characters are not a secret');
});

test.run();
