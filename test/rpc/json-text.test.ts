// jsonPieces (rpc/json-text.ts) must give exactly JSON.stringify's text, for any message, with long strings of
// every kind of character in them; and take its own route for long strings that only hold newlines to escape.
import { randomInt } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonPieces, LONG_STRING, newlinesOnly } from '../../rpc/json-text.js';
import { encode, framePieces } from '../../rpc/framing.js';

const LINE = 'a line of build output, nothing secret in it 0123456789\n';
const clean = (n: number) => LINE.repeat(Math.ceil(n / LINE.length)).slice(0, n);

/** Characters that JSON.stringify escapes or treats with care, and ordinary ones. */
const ODD = ['"', '\\', '\t', '\r', '\x00', '\x1b', '\x1f', '\x7f', '\u2028', '\u2029', 'é', '€', '😀', '\ud83d', '\ude00', '\ufeff', '/', '\n'];

/** A long string of build output with `count` odd characters put at random places (start and end included). */
function seasoned(n: number, count: number): string {
  let s = clean(n);
  for (let i = 0; i < count; i++) {
    const at = [0, s.length, randomInt(s.length + 1)][i % 3];
    s = s.slice(0, at) + ODD[randomInt(ODD.length)] + s.slice(at);
  }
  return s;
}

const note = (data: unknown, extra: Record<string, unknown> = {}) =>
  ({ jsonrpc: '2.0', method: 'command_output', params: { taskId: 'tsk_1', requestId: 'req "2"\n', stream: 'stdout', data, redactions: 0, ...extra } });

test('a long string of build output takes the newline-only route, and the text is JSON.stringify\'s', () => {
  const s = clean(LONG_STRING * 4);
  assert.is(newlinesOnly(s), JSON.stringify(s).slice(1, -1));
  const m = note(s);
  const pieces = jsonPieces(m);
  assert.ok(pieces.length > 1, 'the long string is a piece of its own');
  assert.ok(pieces.includes(newlinesOnly(s)!));
  assert.is(pieces.join(''), JSON.stringify(m));
});

test('each character JSON escapes, and lone surrogates, send the string to JSON.stringify', () => {
  for (const c of ODD.filter((x) => x !== '\n')) {
    const s = clean(LONG_STRING) + c + clean(100);
    const escapes = JSON.stringify(c).length !== c.length + 2;
    assert.is(newlinesOnly(s) === null, escapes, `${JSON.stringify(c)}`);
    assert.is(jsonPieces(note(s)).join(''), JSON.stringify(note(s)), JSON.stringify(c));
  }
});

test('random messages with long strings of every kind of character: the same text as JSON.stringify', () => {
  for (let i = 0; i < 400; i++) {
    const size = [LONG_STRING - 1, LONG_STRING, LONG_STRING + 1, 70_000][i % 4];
    const data = i % 5 === 0 ? clean(size) : seasoned(size, 1 + (i % 7));
    const extra: Record<string, unknown> = {};
    if (i % 3 === 0) extra.more = seasoned(LONG_STRING + i, i % 4); // two long strings in one message
    if (i % 4 === 0) extra.nothing = undefined;
    if (i % 6 === 0) extra.fn = () => 1;
    if (i % 8 === 0) extra['10'] = 'an index-like key goes first';
    if (i % 9 === 0) extra.nested = { a: [1, 'x\n', null], when: new Date(0) };
    const m = i % 10 === 0 ? { jsonrpc: '2.0', id: i, result: { data, ...extra } } : note(data, extra);
    assert.is(jsonPieces(m).join(''), JSON.stringify(m), `message ${i}`);
  }
});

test('messages it does not take apart are JSON.stringify\'s, in one piece', () => {
  const long = clean(LONG_STRING * 2);
  const odd: unknown[] = [
    null, 'text', [long], { jsonrpc: '2.0', method: 'm' }, { jsonrpc: '2.0', method: 'm', params: [long] },
    { jsonrpc: '2.0', method: 'm', params: { data: 'short' } },
    { jsonrpc: '2.0', method: 'm', params: { data: long, when: { toJSON: (k: string) => `key ${k}` } } },
    { jsonrpc: '2.0', method: 'm', params: Object.assign(Object.create({ inherited: 1 }), { data: long }) },
    { toJSON: () => 'mine', params: { data: long } },
  ];
  for (const m of odd) {
    const pieces = jsonPieces(m);
    assert.is(pieces.length, 1);
    assert.is(pieces[0], JSON.stringify(m));
  }
});

test('framed in pieces: the Content-Length counts the bytes of all of them', () => {
  const m = note(`${clean(LONG_STRING)}é€😀`);
  const framed = framePieces('content-length', jsonPieces(m)).join('');
  assert.is(framed, encode('content-length', JSON.stringify(m)));
  assert.is(framePieces('ndjson', jsonPieces(m)).join(''), `${JSON.stringify(m)}\n`);
});

test.run();
