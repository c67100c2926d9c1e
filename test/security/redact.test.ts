import assert from 'node:assert/strict';
import { test } from 'uvu';
import { redact, StreamRedactor } from '../../agent/security/redact.js';
import { shannonEntropy } from '../../agent/security/secret-patterns.js';

const a36 = 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const KEY = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1234567890abcdef\nqwertyuiopasdfghjkl\n-----END RSA PRIVATE KEY-----';
// [input, masked output, kind]
const SAMPLES: [string, string, string][] = [
  ['AKIAIOSFODNN7EXAMPLE', '[REDACTED:aws_access_key]', 'aws_access_key'],
  [`ghp_${a36}`, '[REDACTED:github_token]', 'github_token'],
  [`github_pat_${'a1B2'.repeat(20)}xy`, '[REDACTED:github_token]', 'github_token'],
  ['glpat-abcdefghij0123456789', '[REDACTED:gitlab_token]', 'gitlab_token'],
  ['xoxb-1234567890-abcdefghij', '[REDACTED:slack_token]', 'slack_token'],
  ['xapp-1-A0123BCDEF-1234567890-abcdef0123', '[REDACTED:slack_token]', 'slack_token'],
  ['https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', 'https://[REDACTED:slack_webhook]', 'slack_webhook'],
  [KEY, '[REDACTED:private_key]', 'private_key'],
  ['eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', '[REDACTED:jwt]', 'jwt'],
  ['sk_live_abcdefghij0123456789', '[REDACTED:stripe_key]', 'stripe_key'],
  ['sk-proj-abcDEF123_-xyz', '[REDACTED:openai_key]', 'openai_key'],
  [`sk-ant-api03-${'x'.repeat(93)}AA`, '[REDACTED:anthropic_key]', 'anthropic_key'],
  [`npm_${a36}`, '[REDACTED:npm_token]', 'npm_token'],
  [`pypi-AgEIcHlwaS5vcmc${'a'.repeat(50)}`, '[REDACTED:pypi_token]', 'pypi_token'],
  [`AIza${'b'.repeat(35)}`, '[REDACTED:google_api_key]', 'google_api_key'],
  [`SG.${'c'.repeat(66)}`, '[REDACTED:sendgrid_key]', 'sendgrid_key'],
  [`hf_${'d'.repeat(34)}`, '[REDACTED:huggingface_token]', 'huggingface_token'],
  [`dop_v1_${'e'.repeat(64)}`, '[REDACTED:digitalocean_token]', 'digitalocean_token'],
  ['postgres://admin:s3cr3t-pw@db.local/app', 'postgres://admin:[REDACTED:url_password]@db.local/app', 'url_password'],
  ['Authorization: Bearer abc.def.ghi', 'Authorization: Bearer [REDACTED:authorization]', 'authorization'],
  ['authorization: Basic dXNlcjpwYXNz', 'authorization: Basic [REDACTED:authorization]', 'authorization'],
  ['API_KEY=Zx8#kQ2!mN5vR9tL', 'API_KEY=[REDACTED:secret_assignment]', 'secret_assignment'],
  ['"password": "Tr0ub4dor&3xYz"', '"password": "[REDACTED:secret_assignment]"', 'secret_assignment'],
  ['cvf_abcdefghijklmnopqrstuvwxyz', '[REDACTED:codevf_token]', 'codevf_token'],
];

test('every pattern of security.md section 5 is masked with its kind', () => {
  for (const [input, masked, kind] of SAMPLES) {
    assert.deepEqual(redact(`before ${input} after`), { text: `before ${masked} after`, count: 1, kinds: [kind] }, input);
  }
});

test('a secret in a stream of plain words and numbers is masked wherever the 64 KiB chunks fall', () => {
  // Plain text holds none of the characters the patterns are looked for by (no '_', '-', '.', ':', '=', capitals):
  // the redactor skips its regex passes on such chunks, and must still see the one chunk that holds the secret.
  const plain = 'a line of build output, nothing secret in it 0123456789\n'.repeat(3000);
  for (const [input, masked, kind] of SAMPLES) {
    for (const at of [0, 65_530, 100_000]) {
      const text = `${plain.slice(0, at)} ${input} \n${plain.slice(at)}`;
      const r = new StreamRedactor();
      let out = '';
      for (let i = 0; i < text.length; i += 65_536) out += r.push(Buffer.from(text.slice(i, i + 65_536)));
      out += r.flush();
      assert.equal(out, `${plain.slice(0, at)} ${masked} \n${plain.slice(at)}`, `${kind} at ${at}`);
      assert.deepEqual([r.count, r.kinds], [1, [kind]], `${kind} at ${at}`);
    }
  }
});

test('a low-entropy assignment and ordinary text are left alone', () => {
  for (const s of ['password=changeme', 'token: aaaaaaaaaaaa', 'the secret is out', 'https://example.com/a:b', 'ghp_short']) {
    assert.deepEqual(redact(s), { text: s, count: 0, kinds: [] }, s);
  }
  assert.ok(shannonEntropy('changeme') < 3.5 && shannonEntropy('Zx8#kQ2!mN5vR9tL') >= 3.5);
});

test('a specific token inside an assignment is reported as its own kind once', () => {
  assert.deepEqual(redact(`GITHUB_TOKEN=ghp_${a36}`), { text: 'GITHUB_TOKEN=[REDACTED:github_token]', count: 1, kinds: ['github_token'] });
});

test('a private key with no END marker is masked to the end of the text', () => {
  assert.deepEqual(redact('x\n-----BEGIN PRIVATE KEY-----\nMIIE\nabc'), { text: 'x\n[REDACTED:private_key]', count: 1, kinds: ['private_key'] });
});

function streamed(input: string, cut: number[]): { text: string; count: number } {
  const r = new StreamRedactor({ maxHold: 256 });
  let out = '';
  let at = 0;
  for (const c of [...cut, input.length]) { out += r.push(Buffer.from(input.slice(at, c))); at = c; }
  return { text: out + r.flush(), count: r.count };
}

test('a secret split across chunks at every position is still masked', () => {
  const line = `log: token ghp_${a36} and https://u:pw123456@h/ and AKIAIOSFODNN7EXAMPLE done\n`;
  const input = `start\n${line}${KEY}\nend\n`;
  const whole = redact(input);
  for (let i = 1; i < input.length; i++) assert.deepEqual(streamed(input, [i]), { text: whole.text, count: whole.count }, `cut at ${i}`);
  assert.deepEqual(streamed(input, [...input].map((_, i) => i).slice(1)), { text: whole.text, count: whole.count }, 'one char at a time');
});

test('a private key longer than the held tail is dropped as it streams and memory stays bounded', () => {
  const r = new StreamRedactor({ maxHold: 256 });
  let out = r.push('a\n-----BEGIN EC PRIVATE KEY-----\n');
  for (let i = 0; i < 1000; i++) out += r.push('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n');
  out += r.push('-----END EC PRIVATE KEY-----\nafter\n') + r.flush();
  assert.equal(out, 'a\n[REDACTED:private_key]\nafter\n');
  assert.equal(r.count, 1);
});

test('a long line without newlines is released in bounded pieces', () => {
  const r = new StreamRedactor({ maxHold: 256 });
  let out = '';
  for (let i = 0; i < 100; i++) out += r.push('x'.repeat(1000));
  assert.ok(out.length >= 100 * 1000 - 256, `held back ${100 * 1000 - out.length} chars`);
  assert.equal(out + r.flush(), 'x'.repeat(100 * 1000));
});

test('multi-byte characters split across chunks come out intact', () => {
  const buf = Buffer.from('héllo wörld ✓ AKIAIOSFODNN7EXAMPLE\n');
  const r = new StreamRedactor();
  let out = '';
  for (const b of buf) out += r.push(Buffer.from([b]));
  assert.equal(out + r.flush(), 'héllo wörld ✓ [REDACTED:aws_access_key]\n');
});

test('the stream redactor masks a token split across chunks and counts it', () => {
  const r = new StreamRedactor();
  const out = r.push(Buffer.from('a xoxb-1234')) + r.push(Buffer.from('567890-abcdefghij\nb\n')) + r.flush();
  assert.equal(out, 'a [REDACTED:slack_token]\nb\n');
  assert.deepEqual([r.count, r.kinds], [1, ['slack_token']]);
});

test.run();
