// The agent's own token split across the chunks of a stream (command output, large snapshot entries): at every
// split point, in every encoding, no part of it longer than a few characters reaches the output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addKnownSecret, clearKnownSecrets } from '../../agent/security/known-secrets.js';
import { redact, StreamRedactor } from '../../agent/security/redact.js';

const TOKEN = 'cvf_at_Xq3kP9vLm2Rt7YwZ8nB4cD6fG1hJ5sK0';
const fileWith = (pad: number) => Buffer.from(JSON.stringify({ pad: ' '.repeat(pad), host: 'https://api.codevf.test', accessToken: TOKEN }, null, 2));

type Decode = (s: string) => string;
const forms = (file: Buffer): Array<[string, string, Decode]> => [
  ['raw', file.toString(), (s) => s],
  ['base64 (76 columns)', file.toString('base64').replace(/.{76}/g, '$&\n'), (s) => Buffer.from(s, 'base64').toString('latin1')],
  ['base64 (CRLF)', file.toString('base64').replace(/.{64}/g, '$&\r\n'), (s) => Buffer.from(s, 'base64').toString('latin1')],
  ['base64url', file.toString('base64url'), (s) => Buffer.from(s, 'base64url').toString('latin1')],
  ['xxd -p', file.toString('hex').replace(/.{60}/g, '$&\n'), (s) => Buffer.from(s.length % 2 ? s.slice(1) : s, 'hex').toString('latin1')],
  ['HEX', file.toString('hex').toUpperCase(), (s) => Buffer.from(s.length % 2 ? s.slice(1) : s, 'hex').toString('latin1')],
  ['url', encodeURIComponent(file.toString()), (s) => { try { return decodeURIComponent(s); } catch { return s; } }],
];

/** The longest piece of the token that `decode` recovers from `out` (segments between masks, any alignment). */
function recovered(out: string, decode: Decode): number {
  let best = 0;
  for (const seg of out.replace(/\s/g, '').split(/\[REDACTED:[a-z_]+\]/)) {
    for (let k = 0; k < 4; k++) {
      const d = decode(seg.slice(k));
      for (let i = 0; i < TOKEN.length; i++) {
        while (i + best + 1 <= TOKEN.length && d.includes(TOKEN.slice(i, i + best + 1))) best++;
      }
    }
  }
  return best;
}

function run(chunks: string[]): string {
  const r = new StreamRedactor();
  return chunks.map((c) => r.push(Buffer.from(c))).join('') + r.flush();
}

function check(text: string, name: string, decode: Decode, splits: number[]): void {
  assert.ok(recovered(text, decode) === TOKEN.length, `${name}: the test must see the token before redaction`);
  for (const s of splits) {
    const two = run([text.slice(0, s), text.slice(s)]);
    assert.ok(recovered(two, decode) <= 4, `${name}, split at ${s}: ${recovered(two, decode)} characters of the token recoverable`);
    assert.ok(two.endsWith('\ndone\n'), `${name}, split at ${s}: text after the token kept`);
    for (const d of [1, 3, 40]) {
      const three = run([text.slice(0, s), text.slice(s, s + d), text.slice(s + d)]);
      assert.ok(recovered(three, decode) <= 4, `${name}, split at ${s} and ${s + d}: ${recovered(three, decode)} characters recoverable`);
    }
  }
}

test('a token split across two or three chunks at any point, in any encoding, does not leave', () => {
  clearKnownSecrets();
  addKnownSecret(TOKEN);
  // Zeros first: valid in every encoding, so decoding a segment starts aligned.
  const texts = (pad: number) => forms(fileWith(pad)).map(([name, enc, decode]) => [`${name} (pad ${pad})`, `${'0'.repeat(100)}\n${enc}\ndone\n`, decode] as const);
  for (let pad = 0; pad < 3; pad++) { // every split point, at each alignment of the token
    for (const [name, text, decode] of texts(pad)) check(text, name, decode, [...Array(text.length - 100).keys()].map((i) => i + 96));
  }
  for (let pad = 0; pad < 60; pad++) { // a chunk ending just after a line break, with the token at every column
    for (const [name, text, decode] of texts(pad)) {
      check(text, name, decode, [...text.matchAll(/\n/g)].map((m) => m.index! + 1).filter((s) => s < text.length - 3));
    }
  }
  clearKnownSecrets();
});

test('ordinary output split anywhere comes through unchanged, and a complete line is not held back', () => {
  clearKnownSecrets();
  addKnownSecret(TOKEN);
  const text = 'build ok\nlines 6376 and Y3Zm and 63 76 66\n' + 'abc'.repeat(50) + '\n';
  for (let s = 0; s < text.length; s++) assert.is(run([text.slice(0, s), text.slice(s)]), text, `split at ${s}`);
  const r = new StreamRedactor();
  assert.is(r.push(Buffer.from('step 1 of 3 done\nstep 2')), 'step 1 of 3 done\n', 'a finished line goes at once');
  clearKnownSecrets();
});

test('an AWS secret beside its key id is caught whichever comes first, with a chunk boundary anywhere between them', () => {
  const id = 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n';
  const secret = 'the other value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n';
  for (const text of [`${id}some line between\n${secret}done\n`, `${secret}some line between\n${id}done\n`]) {
    for (let s = 1; s < text.length; s++) {
      const out = run([text.slice(0, s), text.slice(s)]);
      assert.not.match(out, 'wJalrXUtnFEMI', `split at ${s}: ${JSON.stringify(out)}`);
      assert.not.match(out, 'AKIAIOSFODNN7EXAMPLE', `split at ${s}`);
      assert.ok(out.endsWith('done\n'), `split at ${s}`);
    }
  }
});

test('an encoding wrapped at 16 columns or more is found at every alignment', () => {
  clearKnownSecrets();
  addKnownSecret(TOKEN);
  for (let pad = 0; pad < 40; pad++) {
    for (const width of [16, 17, 20, 33]) {
      for (const enc of ['base64', 'hex'] as const) {
        const text = Buffer.from(' '.repeat(pad) + JSON.stringify({ t: TOKEN })).toString(enc).replace(new RegExp(`.{${width}}`, 'g'), '$&\n');
        assert.ok(redact(text).kinds.includes('codevf_credential'), `${enc} at ${width} columns, pad ${pad}`);
      }
    }
  }
  clearKnownSecrets();
});

test.run();
