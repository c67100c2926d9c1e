// The live screen in-process, through the terminal seam (a PassThrough for keys, an EventEmitter for output):
// layout from 40 to 200 columns, keys to answers and chat, status line content.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { Io } from '../../frontends/tty/cli/io.js';
import { box, width, wrap } from '../../frontends/tty/session/layout.js';
import { Screen } from '../../frontends/tty/session/screen.js';
import { statusLine, type SessionState } from '../../frontends/tty/session/status.js';

class FakeOut extends EventEmitter {
  written = '';
  constructor(public columns: number, public rows: number) { super(); }
  write(s: string) { this.written += s; return true; }
}

const io = new Io(false, false, { NO_COLOR: '1' });
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
const tick = () => new Promise((r) => setImmediate(r));

function screen(cols = 40, rows = 12) {
  const input = new PassThrough();
  const output = new FakeOut(cols, rows);
  const s = new Screen(io, { input, output });
  const type = async (text: string) => { input.write(text); await tick(); await tick(); };
  return { s, input, output, type };
}

test('a box at every width from 40 to 200 keeps its borders and every word whole', () => {
  const words = 'y = allow once, n = deny, a = allow this exact command for the rest of the session';
  for (let cols = 40; cols <= 200; cols++) {
    const lines = box(cols, 'Maria requests to run a command', ['$ npm test -- --grep "users cannot log in"', 'folder: /home/me/app'], words, { border: (x) => x });
    for (const l of lines) {
      assert.ok(width(l) <= cols, `${cols}: ${l}`);
      assert.ok(/^[│┌├└].*[│┐┤┘]$/.test(l), `${cols}: ${l}`);
    }
    const inside = lines.filter((l) => l.startsWith('│')).map((l) => l.slice(2, -2).trim()).join(' ');
    assert.ok(inside.includes(words), `${cols}: words kept whole and in order`);
  }
});

test('a chat message wraps under its text, never mid-word', () => {
  const lines = wrap('[12:34] Maria: Hello! I see you are having authentication issues in production', 40, '               ');
  assert.equal(lines, ['[12:34] Maria: Hello! I see you are', '               having authentication', '               issues in production']);
});

const state: SessionState = {
  waiting: null, engineer: { name: 'Maria', title: 'ex-FAANG' }, away: false, perMinute: 1, minutes: 3, creditsUsed: 3,
  balance: 97, lowBalance: false, connection: 'connected', ending: false,
};

test('the status line: everything at 200 columns; at 40 the open count, name, credits and balance stay, shortened; low balance and a lost connection stand out', () => {
  assert.is(statusLine(io.out, state, 199, 0), 'Maria (ex-FAANG) · 1 credit/min · 3 min · Credits used: 3 · balance 97 · connected');
  const narrow = statusLine(io.out, state, 39, 2);
  assert.ok(width(narrow) <= 39, narrow);
  assert.is(narrow, '2 open · Maria · used 3 · balance 97');
  const low = statusLine(io.out, { ...state, balance: 2, lowBalance: true }, 60, 0);
  assert.match(low, 'balance 2 LOW');
  const coloured = new Io(false, false, { CLICOLOR_FORCE: '1' });
  assert.match(statusLine(coloured.out, { ...state, balance: 2, lowBalance: true }, 100, 0), /\x1b\[1m\x1b\[31mbalance 2 LOW/);
  assert.is(statusLine(io.out, { ...state, connection: 'reconnecting', attempt: 2 }, 79, 0), 'Maria (ex-FAANG) · 3 min · used 3 · balance 97 · reconnecting (attempt 2)');
  assert.is(statusLine(io.out, { ...state, connection: 'reconnecting', attempt: 2 }, 39, 0), 'Maria · used 3 · reconnecting');
  assert.is(statusLine(io.out, { ...state, connection: 'reconnecting', attempt: 2, balance: 2, lowBalance: true }, 39, 1), '1 open · Maria · LOW 2 · reconnecting');
});

test('keys: text that is not an answer goes to the question, Tab sends chat while it stays open, Enter answers in order', async () => {
  const { s, output, type } = screen();
  const chats: string[] = [];
  const answers: string[] = [];
  s.onChat = (t) => chats.push(t);
  s.statusLine = (cols, open) => `${open} to answer`.slice(0, cols);
  s.ask({ key: 'r1', label: 'run: ls', prompt: 'Allow ls? (y/n/a)', keys: 'y · n', answer: (a) => { answers.push(`r1:${a}`); return a === 'y'; } });
  s.ask({ key: 'r2', label: 'file: a.txt', prompt: 'Send a.txt? (y/n)', keys: 'y · n', answer: (a) => { answers.push(`r2:${a}`); return true; } });
  await type('sure\r');
  assert.equal([answers, chats, s.open], [['r1:sure'], [], 2]);
  await type('\t');
  assert.match(plain(output.written), 'chat › ');
  await type('hello there\r');
  assert.equal([answers, chats, s.open], [['r1:sure'], ['hello there'], 2]);
  await type('y\r');
  await type('n\r');
  assert.equal([answers, s.open], [['r1:sure', 'r1:y', 'r2:n'], 0]);
  const out = plain(output.written);
  assert.match(out, '▸ 1. run: ls');
  assert.match(out, '  2. file: a.txt');
  assert.match(out, 'chat › ');
  s.close();
});

test('a question settled elsewhere leaves the list; no footer row is ever as wide as the terminal', async () => {
  const { s, output, type } = screen(40, 10);
  s.statusLine = () => 'x'.repeat(200);
  s.ask({ key: 'r1', label: 'run: ' + 'y'.repeat(100), prompt: `Allow ${'z'.repeat(100)}? (y/n/a)`, keys: 'k', answer: () => true });
  await type('');
  assert.ok(s.drop('r1'));
  assert.not.ok(s.hasQuestion('r1'));
  s.print('a'.repeat(100));
  await tick();
  for (const row of plain(output.written).split(/\r\n|\r|\x1b\[[0-9;]*[A-HJKG]/)) assert.ok(width(row) <= 40, row);
  s.close();
});

test.run();
