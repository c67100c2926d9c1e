import { readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApproveCommand, CommandOutputNote } from '../../protocol/methods/session.js';
import { startWorld, type World } from './harness.js';
import { CommandFinished, RequestCommandNote } from '../../protocol/index.js';

const MB = 1024 * 1024;

/** Peak resident memory of a process (Linux), in bytes; null elsewhere. */
async function peakRss(pid: number): Promise<number | null> {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch { return null; }
}

/** Counts and drops a command's output notifications as they come, so the test itself does not hold them. */
function countOutput(w: World, id: string) {
  let chars = 0;
  const take = () => {
    for (let i = w.agent.notes.length - 1; i >= 0; i--) {
      const n = w.agent.notes[i];
      if (n.method === 'command_output' && n.params.requestId === id) {
        chars += n.params.data.length;
        w.agent.notes.splice(i, 1);
      }
    }
  };
  const timer = setInterval(take, 5);
  return { chars: () => chars, stop() { clearInterval(timer); take(); return chars; } };
}

test('100 MB of command output reaches the front end whole, the backend gets the capped tail, memory stays bounded', async () => {
  const w = await startWorld({ env: { CODEVF_OUTPUT_CAP_BYTES: String(2 * MB), CODEVF_OUTPUT_TAIL_BYTES: String(256 * 1024) } });
  try {
    await w.engineerJoins();
    const id = await w.eng.requestCommand(`yes 'a line of build output, nothing secret in it 0123456789' | head -c ${100 * MB}`, 'big');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    const before = await peakRss(w.agent.proc.pid!);
    // Each chunk is checked as it comes, in a typed listener as a front end does, and not kept (the test does
    // not hold 100 MB): it must be the next piece of the repeated line, so order and content are checked too.
    const line = 'a line of build output, nothing secret in it 0123456789\n';
    const ref = line.repeat(Math.ceil((4 * MB) / line.length));
    let chars = 0;
    let wrong = '';
    w.agent.on(CommandOutputNote, (o) => {
      if (o.requestId !== id) return;
      const at = chars % line.length;
      if (!wrong && (o.data.length > ref.length - at || o.data !== ref.slice(at, at + o.data.length))) wrong = `chunk at ${chars}: ${JSON.stringify(o.data.slice(0, 80))}`;
      chars += o.data.length;
    });
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === id, 120_000);
    assert.is(wrong, '', 'each chunk continues the output where the last one ended');
    assert.is(chars, 100 * MB, 'every byte reached the front end');
    assert.is(fin.exitCode, 0);
    assert.is(fin.truncated, true);
    const after = await peakRss(w.agent.proc.pid!);
    if (before !== null && after !== null) {
      // Bounded, far below the 100 MB relayed. Node 24's V8 keeps a larger young generation (the same agent
      // stalled at 157 MiB there against 126 on Node 20), so its garbage alone reached 66 MB in a CI run.
      const bound = Number(process.versions.node.split('.')[0]) >= 24 ? 80 * MB : 64 * MB;
      assert.ok(after - before < bound, `agent peak RSS grew by ${Math.round((after - before) / MB)} MB while relaying 100 MB`);
    }
    const result = await w.eng.waitFor('command_result', (e) => e.payload.requestId === id, 60_000);
    assert.is(result.payload.truncated, true);
    const engChars = w.eng.socket!.events.filter((e) => e.type === 'command_output' && e.payload.requestId === id)
      .reduce((a, e: any) => a + e.payload.data.length, 0);
    assert.ok(engChars <= 2 * MB + 256 * 1024 + 1024, `the engineer got ${engChars} chars`);
    assert.ok(engChars >= 2 * MB, 'the head was streamed');
  } finally {
    await w.cleanup();
  }
});

test('a front end that stops reading holds the command back: the agent does not read ahead of it, and every byte arrives once it reads again', async () => {
  const w = await startWorld({ env: { CODEVF_OUTPUT_CAP_BYTES: String(MB) } });
  try {
    await w.engineerJoins();
    const size = 100 * MB;
    const id = await w.eng.requestCommand(`yes 'a line of build output, nothing secret in it 0123456789' | head -c ${size}`, 'held');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    const before = await peakRss(w.agent.proc.pid!);
    const count = countOutput(w, id);
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    for (let waited = 0; count.chars() === 0; waited += 5) {
      if (waited > 60_000) throw new Error('no command output reached the front end within 60 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    // The front end stops reading the agent's stdout for a while: the agent must pause the command's pipe
    // (a few notifications of slack) instead of reading all of its output into memory.
    w.agent.pipes.stdout.pause();
    await new Promise((r) => setTimeout(r, 3000));
    const held = await peakRss(w.agent.proc.pid!);
    w.agent.pipes.stdout.resume();
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === id, 120_000);
    assert.is(count.stop(), size, 'every byte reached the front end');
    assert.is(fin.exitCode, 0);
    if (before !== null && held !== null) {
      assert.ok(held - before < 48 * MB, `agent peak RSS grew by ${Math.round((held - before) / MB)} MB while its stdout was not read`);
    }
  } finally {
    await w.cleanup();
  }
});

test.run();
