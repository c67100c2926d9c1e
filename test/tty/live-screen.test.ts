// The live session's screen in tmux at 40x20, 80x24 and 160x50: the status line on the row above the input line
// after chat, after an output flood and while questions are open; questions listed and answered in order; chat
// while a question is open (Tab); text that is not an answer; a resize mid-session; boxes never broken.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { withTimeout } from '../helpers/agent.js';
import { LiveWorld } from './world.js';
import type { Tmux } from './tmux.js';

let w: LiveWorld;
test.before(async () => { w = await LiveWorld.start(['--minute-ms', '1500']); });
test.after.each(() => w.reset());
test.after(() => w?.stop());

const STATUS = /Maria.* · (Credits used: |used )[1-9]\d*/; // the narrowest terminals get the short words

/** The bottom rows: [status, input]; the status line is always the row above the input line. */
async function bottom(t: Tmux, want: { status: RegExp; input: RegExp }): Promise<{ status: string; input: string; rows: string[] }> {
  let last: string[] = [];
  try {
    return await withTimeout((async () => {
      for (;;) {
        const rows = t.visible();
        last = rows;
        const [status, input] = rows.slice(-2);
        if (want.status.test(status) && want.input.test(input)) return { status, input, rows };
        await new Promise((r) => setTimeout(r, 100));
      }
    })(), 20_000, 'the footer');
  } catch (e) { throw new Error(`${(e as Error).message}; screen:\n${last.join('\n')}`); }
}

/** Every box row on the visible screen is whole: a row that starts with a border ends with one. */
function boxesWhole(rows: string[], cols: number): void {
  for (const r of rows) {
    assert.ok(r.length <= cols, `wider than ${cols}: ${r}`);
    const t = r.trimEnd();
    if (t.startsWith('│')) assert.ok(t.endsWith('│'), `broken box row: ${t}`);
    if (t.startsWith('┌')) assert.ok(t.endsWith('┐'), `broken box top: ${t}`);
    if (t.startsWith('└')) assert.ok(t.endsWith('┘'), `broken box bottom: ${t}`);
  }
}

for (const [cols, rows] of [[40, 20], [80, 24], [160, 50]] as const) {
  test(`${cols}x${rows}: status line kept at the bottom through chat, a flood of output and open questions; Tab chats; resize`, async () => {
    const cwd = await w.project();
    const t = w.fix(`"screen ${cols}"`, cwd, {}, { cols, rows });
    await bottom(t, { status: /waiting( for an engineer)? \d+:\d\d/, input: /^›/ });
    await w.engineerJoins(`screen ${cols}`);
    const eng = w.eng!;
    await t.waitFor('Engineer connected: Maria (ex-FAANG)');

    // Chat: [HH:MM] Name: on both sides; the status line stays.
    await eng.say('Hello! I see you are having authentication issues with the login form of your app.');
    await t.waitFor(/\[\d\d:\d\d\] Maria: Hello!/);
    t.send('Yes, users cannot log in', true);
    assert.is((await eng.waitFor('customer_message')).payload.text, 'Yes, users cannot log in');
    await t.waitFor(/\[\d\d:\d\d\] You: Yes, users/);
    let b = await bottom(t, { status: STATUS, input: /^›\s*$/ });
    boxesWhole(b.rows, cols);

    // A flood of output: 3000 lines; the status line is still the row above the input line, and only there.
    const flood = await eng.requestCommand('node -e "for (let i = 0; i < 3000; i++) console.log(\'flood line \' + i)"', 'lots of output');
    await t.waitFor(/Allow node -e .*\(y\/n\/a\)/);
    t.send('y', true);
    await eng.waitFor('command_decision', (e) => e.payload.requestId === flood);
    await t.waitFor(/finished \(exit 0/, 30_000);
    b = await bottom(t, { status: STATUS, input: /^›\s*$/ });
    assert.ok(b.rows.some((r) => r.includes('flood line 2999')), b.rows.join('\n'));
    assert.is(b.rows.filter((r) => STATUS.test(r)).length, 1, 'one status line on the screen');

    // Two questions open: listed in order with a count in the status line; the first is on the input line.
    const r1 = await eng.requestCommand('ls', 'list the files');
    const r2 = await eng.requestFile('package.json', 'read the scripts');
    b = await bottom(t, { status: /^2 (to answer|open) · Maria/, input: /^Allow ls\? \(y\/n\/a\)/ });
    // CODEVF_SCREEN_CAPTURE=file: the visible screen with two requests open, as text (for a report).
    if (process.env.CODEVF_SCREEN_CAPTURE) await writeFile(`${process.env.CODEVF_SCREEN_CAPTURE}.${cols}x${rows}.txt`, `${b.rows.join('\n')}\n`);
    const listed = b.rows.slice(-5).join('\n');
    assert.match(listed, /▸ 1\. run: ls\n\s+2\. file: package\.json\nTab: chat/);

    // Plain text that is not an answer is not taken as one, and not sent as chat.
    t.send('sure, go ahead', true);
    await t.waitFor('Answer y (allow once), n (deny) or a (allow for this session). To send a chat message instead, press Tab first.');
    await bottom(t, { status: /^2 (to answer|open) · Maria/, input: /^Allow ls\?/ });

    // Tab: a chat message while the question stays open.
    t.key('Tab');
    await bottom(t, { status: /^2 (to answer|open) · Maria/, input: /^chat ›/ });
    t.send('one moment, checking', true);
    const said = await eng.waitFor('customer_message', (e) => e.payload.text === 'one moment, checking');
    assert.ok(said);
    await bottom(t, { status: /^2 (to answer|open) · Maria/, input: /^Allow ls\?/ });

    // Answered in order: ls first, then the file.
    t.send('n', true);
    assert.is((await eng.waitFor('command_decision', (e) => e.payload.requestId === r1)).payload.decision, 'deny');
    b = await bottom(t, { status: /^1 (to answer|open) · Maria/, input: /^Send package\.json\? \(y\/n\)/ });
    t.send('n', true);
    assert.is((await eng.waitFor('file_decision', (e) => e.payload.requestId === r2)).payload.decision, 'deny');
    await bottom(t, { status: STATUS, input: /^›/ });

    // Resize mid-session with a question open: everything laid out again for the new width.
    await eng.requestCommand('ls -la', 'again');
    await bottom(t, { status: /^1 (to answer|open) · Maria/, input: /^Allow ls -la\?/ });
    const [c2, r2rows] = cols === 40 ? [100, 30] : [40, 20];
    t.resize(c2, r2rows);
    b = await bottom(t, { status: /^1 (to answer|open) · Maria/, input: /^Allow ls -la\?/ });
    assert.is(b.rows.length, r2rows);
    boxesWhole(b.rows, c2);
    if (process.env.CODEVF_SCREEN_CAPTURE) await writeFile(`${process.env.CODEVF_SCREEN_CAPTURE}.resized-from-${cols}x${rows}.txt`, `${b.rows.join('\n')}\n`);
    assert.ok(b.rows.some((r) => r.startsWith('┌')), `a box is on the screen after the resize:\n${b.rows.join('\n')}`);
    t.send('n', true);
    await bottom(t, { status: STATUS, input: /^›/ });

    t.key('C-c');
    await t.waitFor('Rate Maria (1-5, Enter to skip):');
    t.send('', true);
    await t.waitFor('[exit=0]');
  });
}

test.run();
