import { readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApproveCommand } from '../../protocol/methods/session.js';
import { startWorld } from './harness.js';
import { CommandFinished, RequestCommandNote } from '../../protocol/index.js';

const MB = 1024 * 1024;

/** Peak resident memory of a process (Linux), in bytes; null elsewhere. */
async function peakRss(pid: number): Promise<number | null> {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch { return null; }
}

test('100 MB of command output reaches the front end whole, the backend gets the capped tail, memory stays bounded', async () => {
  const w = await startWorld({ env: { CODEVF_OUTPUT_CAP_BYTES: String(2 * MB), CODEVF_OUTPUT_TAIL_BYTES: String(256 * 1024) } });
  try {
    await w.engineerJoins();
    const id = await w.eng.requestCommand(`yes 'a line of build output, nothing secret in it 0123456789' | head -c ${100 * MB}`, 'big');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    const before = await peakRss(w.agent.proc.pid!);
    let chars = 0;
    // Count and drop notifications as they come so the test itself does not hold 100 MB.
    const count = setInterval(() => {
      for (let i = w.agent.notes.length - 1; i >= 0; i--) {
        const n = w.agent.notes[i];
        if (n.method === 'command_output' && n.params.requestId === id) {
          chars += n.params.data.length;
          w.agent.notes.splice(i, 1);
        }
      }
    }, 5);
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === id, 120_000);
    clearInterval(count);
    for (const n of w.agent.notes.filter((x) => x.method === 'command_output')) chars += n.params.data.length;
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

test.run();
