import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ContentLengthDecoder, detectFraming, MAX_MESSAGE_BYTES, NdjsonDecoder } from '../../rpc/framing.js';

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
  assert.equal(frames, [{ text: body }, { error: 'missing or invalid Content-Length header' }, { text: '{}' }]);
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

test.run();
