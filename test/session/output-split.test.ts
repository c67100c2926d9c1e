// The agent's own token, printed by an approved command in an encoded form so that it straddles a chunk of
// the output (a pause in the middle of it, or the 64 KiB read of a pipe): what the engineer receives holds
// no part of it beyond a few characters.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApproveCommand } from '../../protocol/methods/session.js';
import { RequestCommandNote } from '../../protocol/index.js';
import { startWorld, type World } from './harness.js';

let w: World;
test.before(async () => {
  w = await startWorld();
  await w.engineerJoins();
});
test.after(() => w?.cleanup());

type Decode = (s: string) => Buffer;
/** `before`: how many characters of the token each case puts ahead of a line break (wrapped forms). */
interface Form { name: string; width: number; before: number[]; encode(b: Buffer): string; decode: Decode; coreAt(byte: number): number }
const FORMS: Form[] = [
  { name: 'base64', width: 76, before: [4, 8], encode: (b) => b.toString('base64'), decode: (s) => Buffer.from(s, 'base64'), coreAt: (b) => Math.ceil(b / 3) * 4 },
  { name: 'base64 -w 58', width: 58, before: [2], encode: (b) => b.toString('base64'), decode: (s) => Buffer.from(s, 'base64'), coreAt: (b) => Math.ceil(b / 3) * 4 },
  { name: 'xxd -p', width: 60, before: [2, 8], encode: (b) => b.toString('hex'), decode: (s) => Buffer.from(s.length % 2 ? s.slice(1) : s, 'hex'), coreAt: (b) => 2 * b },
  { name: 'base64 -w0', width: 0, before: [0], encode: (b) => b.toString('base64'), decode: (s) => Buffer.from(s, 'base64'), coreAt: (b) => Math.ceil(b / 3) * 4 },
  { name: 'url', width: 0, before: [0], encode: (b) => encodeURIComponent(b.toString()), decode: (s) => { try { return Buffer.from(decodeURIComponent(s)); } catch { return Buffer.from(s); } }, coreAt: (b) => b },
];

const wrap = (s: string, width: number) => (width ? s.replace(new RegExp(`.{${width}}`, 'g'), '$&\n') : s);

/**
 * The credentials file encoded in `form`, with the encoded token starting `before` characters ahead of a line
 * break (wrapped forms), and the index just after that break (unwrapped: a point inside the token).
 */
function encoded(token: string, form: Form, before: number): { text: string; split: number } {
  for (let pad = 0; pad < 200; pad++) {
    const file = Buffer.from(JSON.stringify({ pad: ' '.repeat(pad), 'https://api.codevf.com': { accessToken: token } }, null, 2));
    const at = form.coreAt(file.indexOf(token));
    const text = `${wrap(form.encode(file), form.width)}\ndone\n`;
    if (!form.width) return { text, split: at + 8 };
    if (at % form.width === form.width - before) return { text, split: at + before + Math.floor(at / form.width) + 1 };
  }
  throw new Error('no padding puts the token there');
}

/** The longest piece of `token` that decoding `out` recovers (segments between masks, every alignment). */
function recovered(out: string, token: string, decode: Decode): number {
  let best = 0;
  for (const seg of out.replace(/\s/g, '').split(/\[REDACTED:[a-z_]+\]/)) {
    for (let k = 0; k < 4; k++) {
      const d = decode(seg.replace(/^x+/, '').slice(k)).toString('latin1');
      for (let i = 0; i < token.length; i++) while (i + best < token.length && d.includes(token.slice(i, i + best + 1))) best++;
    }
  }
  return best;
}

async function run(command: string): Promise<string> {
  const id = await w.eng.requestCommand(command, 'show me your config');
  await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
  await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
  const done = await w.eng.waitFor('command_result', (e) => e.payload.requestId === id);
  assert.is(done.payload.exitCode, 0, command);
  return w.eng.socket!.events.filter((e) => e.type === 'command_output' && e.payload.requestId === id).map((e: any) => e.payload.data).join('');
}

const filler = (n: number) => `${'x'.repeat(n - 1)}\n`;

test('an encoded token cut by a pause in the output, or by the 64 KiB read of the pipe, is not recoverable', async () => {
  const token = w.sb.customerToken;
  let n = 0;
  for (const form of FORMS) {
    // Wrapped: 2 or 3 characters of the token before a line break (too few to hold back), or 4 and more (held back).
    for (const before of form.before) {
      const { text, split } = encoded(token, form, before);
      assert.is(recovered(text, token, form.decode), token.length, `${form.name}: the test must see the whole token before redaction`);
      const paused = `f${n++}`;
      await writeFile(join(w.dir, paused), text);
      // The 64 KiB case: filler so that the pipe's first read ends at the same point of the token.
      const piped = `f${n++}`;
      await writeFile(join(w.dir, piped), filler(65536 - split) + text);
      for (const command of [`head -c ${split} ${paused}; sleep 0.3; tail -c +${split + 1} ${paused}`, `cat ${piped}`]) {
        const out = await run(command);
        const label = `${form.name}, ${before} before a break: ${command}`;
        assert.match(out, "[REDACTED:codevf_credential]", `${label}: ${JSON.stringify(out.slice(-400))}`);
        assert.ok(recovered(out, token, form.decode) <= 4, `${label}: ${recovered(out, token, form.decode)} characters of the token recoverable`);
        assert.ok(out.endsWith('\ndone\n'), `${label}: the output after the token kept`);
      }
    }
  }
});

test.run();
