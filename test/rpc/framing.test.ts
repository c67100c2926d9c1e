import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ContentLengthDecoder, detectFraming, MAX_MESSAGE_BYTES, NdjsonDecoder, type Frame } from '../../rpc/framing.js';

const b = (s: string) => Buffer.from(s);

test('framing is detected from the first bytes, waiting while a header prefix is ambiguous', () => {
  assert.is(detectFraming(b('Content-Length: 5')), 'content-length');
  assert.is(detectFraming(b('content-length:5')), 'content-length');
  assert.is(detectFraming(b('Conte')), undefined);
  assert.is(detectFraming(b('  \n{"a":1}')), 'ndjson');
  assert.is(detectFraming(b('garbage')), 'ndjson');
  assert.is(detectFraming(b('')), undefined);
});

test('NDJSON lines split anywhere, with CRLF and blank lines, decode to whole messages', () => {
  const d = new NdjsonDecoder();
  const text = '{"a":1}\r\n\n{"b":"é"}\n{"c"';
  const bytes = b(text);
  const out = [];
  for (let i = 0; i < bytes.length; i += 3) out.push(...d.push(bytes.subarray(i, i + 3)));
  assert.equal(out, [{ text: '{"a":1}' }, { text: '{"b":"é"}' }]);
  assert.equal(d.push(b(':2}\n')), [{ text: '{"c":2}' }]);
});

test('Content-Length uses byte lengths (UTF-8) and skips a frame without the header', () => {
  const d = new ContentLengthDecoder();
  const body = '{"x":"é"}';
  const frames = d.push(b(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}X-Other: 1\r\n\r\nContent-Length: 2\r\n\r\n{}`));
  assert.equal(frames, [{ text: body }, { error: 'missing or invalid Content-Length header', continues: true }, { text: '{}' }]);
});

test('an oversized message is reported once and the stream stays in sync', () => {
  const d = new ContentLengthDecoder();
  const big = MAX_MESSAGE_BYTES + 10;
  const out = d.push(b(`Content-Length: ${big}\r\n\r\n`));
  out.push(...d.push(Buffer.alloc(big)));
  out.push(...d.push(b('Content-Length: 2\r\n\r\n{}')));
  assert.equal(out, [{ error: `message larger than ${MAX_MESSAGE_BYTES} bytes` }, { text: '{}' }]);
});

test('a large body arriving in many chunks decodes in linear time (no re-copying per chunk)', () => {
  const d = new ContentLengthDecoder();
  const body = JSON.stringify({ s: 'x'.repeat(8 * 1024 * 1024) });
  d.push(b(`Content-Length: ${body.length}\r\n\r\n`));
  const bytes = b(body);
  let out: unknown[] = [];
  for (let i = 0; i < bytes.length; i += 16 * 1024) out = out.concat(d.push(bytes.subarray(i, i + 16 * 1024)));
  assert.is(out.length, 1);
});

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const good = (i: number) => JSON.stringify({ jsonrpc: '2.0', id: i, method: 'ping' });

test('a body split into pieces anywhere decodes exactly as the whole, even with split or invalid UTF-8', () => {
  // Multi-byte characters of every length, and invalid sequences: truncated, stray continuation, overlong.
  const tail = Buffer.from([0x22, 0x7d]); // "}
  const bodies = [
    Buffer.concat([b('{"d":"é日本🙂x'), Buffer.from([0xe2, 0x82]), b('A'), Buffer.from([0x80, 0xbf, 0xc0, 0xaf, 0xf0, 0x9f, 0x99]), b('é'), Buffer.from([0xed, 0xa0, 0x80]), tail]),
    Buffer.concat([b('{"d":"'), Buffer.from([0xf0, 0x9f]), b('\\n'), Buffer.from([0xf4, 0x90, 0x80, 0x80, 0xe0, 0x80]), b('🙂'.repeat(5)), tail]),
  ];
  for (const body of bodies) {
    const whole = body.toString('utf8');
    const cl = Buffer.concat([b(`Content-Length: ${body.length}\r\n\r\n`), body, b(frame('{}'))]);
    const nd = Buffer.concat([body, b('\n{}\n')]);
    for (const [bytes, make] of [[cl, () => new ContentLengthDecoder()], [nd, () => new NdjsonDecoder()]] as const) {
      for (let i = 1; i < bytes.length; i++) {
        for (const j of [i + 1, i + 2, i + 3, i + 5, bytes.length]) {
          if (j > bytes.length) continue;
          const d = make();
          const out = [...d.push(bytes.subarray(0, i)), ...d.push(bytes.subarray(i, j)), ...d.push(bytes.subarray(j))];
          assert.equal(out, [{ text: whole }, { text: '{}' }], `cut at ${i} and ${j}`);
        }
      }
    }
  }
});

const DAMAGED: Array<[string, string]> = [
  ['Content-Length: -1 with a body', `Content-Length: -1\r\n\r\n${good(0)}`],
  ['a header block without Content-Length', `Content-Type: application/json\r\n\r\n${good(0)}`],
  ['LF-only headers', `Content-Length: ${good(0).length}\n\n${good(0)}`],
  ['a length shorter than the body', `Content-Length: 10\r\n\r\n${good(0)}`],
  ['a length longer than the body', `Content-Length: ${good(0).length + 30}\r\n\r\n${good(0)}`],
  ['a length that is not a number', `Content-Length: abc\r\n\r\n${good(0)}`],
  ['garbage where a header was expected', `hello world}}\r\n${good(0)}`],
  ['a header line without its CRLF', `Content-Length: 5\r\n{"a":${good(0)}`],
];

/** Frames as the peer answers them: a `continues` error right after an unparseable body is not answered again. */
function answered(frames: Frame[]): string[] {
  const out: string[] = [];
  let lastFailed = false;
  for (const f of frames) {
    if ('error' in f) { if (!(f.continues && lastFailed)) out.push('-32700'); lastFailed = true; continue; }
    try { out.push(String(JSON.parse(f.text).id)); lastFailed = false; } catch { out.push('-32700'); lastFailed = true; }
  }
  return out;
}

for (const [name, bytes] of DAMAGED) {
  test(`Content-Length recovers after ${name}: one -32700, then every later message`, () => {
    const stream = bytes + frame(good(1)) + frame(good(2));
    assert.equal(answered(new ContentLengthDecoder().push(b(stream))), ['-32700', '1', '2']);
    // The same bytes split at every position decode the same way.
    for (let cut = 1; cut < stream.length; cut += 7) {
      const d = new ContentLengthDecoder();
      const got = answered([...d.push(b(stream.slice(0, cut))), ...d.push(b(stream.slice(cut)))]);
      assert.equal(got.filter((x) => x !== '-32700'), ['1', '2'], `cut at ${cut}`);
      assert.ok(got.filter((x) => x === '-32700').length <= 2, `cut at ${cut}: ${got}`);
    }
  });
}

test('two damaged frames in a row are two -32700s, and the good one after them is read', () => {
  const stream = DAMAGED[0][1] + DAMAGED[2][1] + frame(good(7));
  assert.equal(answered(new ContentLengthDecoder().push(b(stream))), ['-32700', '-32700', '7']);
});

test('LF-only headers are reported at once, before the next frame arrives', () => {
  const d = new ContentLengthDecoder();
  assert.equal(answered(d.push(b('Content-Length: 2\n\n{}'))), ['-32700']);
  assert.equal(answered(d.push(b(frame(good(3))))), ['3']);
});

/** Pushes `bytes` cut at `cuts`, each piece copied into one reused buffer that is overwritten once `push` returns,
 *  as a socket read with `onread` hands it over: a decoder that kept a reference to a piece would decode garbage. */
function throughOneBuffer(d: { push(c: Buffer): Frame[] }, bytes: Buffer, cuts: number[]): Frame[] {
  const reused = Buffer.alloc(bytes.length + 1);
  const out: Frame[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    const n = bytes.copy(reused, 0, from, to);
    out.push(...d.push(reused.subarray(0, n)));
    reused.fill(0xff);
    from = to;
  }
  return out;
}

test('a decoder keeps no reference to a chunk once push returns: input read into one reused buffer decodes the same', () => {
  const output = JSON.stringify({ jsonrpc: '2.0', method: 'command_output', params: { data: 'a line of build output é\n'.repeat(2800) } });
  const streams = [
    frame(output) + frame(good(1)) + frame(output) + frame(good(2)),
    ...DAMAGED.map(([, bytes]) => bytes + frame(good(1)) + frame(output)),
  ];
  for (const s of streams) {
    const bytes = b(s);
    const whole = new ContentLengthDecoder().push(bytes);
    for (const step of [1, 7, 4096, 65536, 262144]) {
      if (step === 1 && bytes.length > 20_000) continue;
      const cuts: number[] = [];
      for (let i = step; i < bytes.length; i += step) cuts.push(i);
      const got = throughOneBuffer(new ContentLengthDecoder(), bytes, cuts);
      assert.equal(answered(got), answered(whole), `Content-Length, reads of ${step} bytes`);
      assert.equal(got.filter((f) => 'text' in f), whole.filter((f) => 'text' in f), `Content-Length, reads of ${step} bytes`);
    }
  }
  const lines = b(`${output}\n${good(1)}\n{"b":"é日本🙂"}\n${output}\n`);
  const whole = new NdjsonDecoder().push(lines);
  assert.is(whole.length, 4);
  for (const step of [1, 3, 4096, 65536, 262144]) {
    const cuts: number[] = [];
    for (let i = step; i < lines.length; i += step) cuts.push(i);
    assert.equal(throughOneBuffer(new NdjsonDecoder(), lines, cuts), whole, `NDJSON, reads of ${step} bytes`);
  }
});

test.run();
