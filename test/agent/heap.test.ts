// The agent's young-generation cap (agent/heap.ts): a process that keeps many objects alive across collections
// grows V8's young generation to its default maximum; with the cap it stops at 8 MiB (both semi-spaces), 16 at
// most. Each case runs
// in a fresh node process (the cap is process-wide and cannot be undone).
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const MiB = 1024 * 1024;
const HEAP = JSON.stringify(new URL('../../agent/heap.ts', import.meta.url).pathname);

/** The largest young generation (both semi-spaces) seen while a process allocates, with or without the cap. */
function largestYoung(capped: boolean): number {
  const script = `
    import { capYoungGeneration, youngGenerationBytes } from ${HEAP};
    if (${capped}) capYoungGeneration();
    let keep = [];
    let most = 0;
    for (let turn = 0; turn < 1500; turn++) {
      for (let i = 0; i < 4000; i++) { keep.push({ i, s: 'x'.repeat(40) + i }); if (keep.length > 40000) keep = []; }
      most = Math.max(most, youngGenerationBytes());
      await new Promise((r) => setImmediate(r)); // collections are reported between turns, as in the agent
    }
    process.stdout.write(String(most));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const most = Number(r.stdout.trim());
  assert.ok(most > 0, `the child printed ${JSON.stringify(r.stdout)} (stderr: ${r.stderr.slice(0, 300)})`);
  return most;
}

const CAPPED_HERE = Number(process.versions.v8.split('.')[0]) < 13; // not on Node 24 (agent/heap.ts)

test('allocating a little per turn, without the cap the young generation grows past 16 MiB; with it, to 16 MiB at most (8 per semi-space)', () => {
  const free = largestYoung(false);
  if (!CAPPED_HERE) { assert.ok(free > 16 * MiB, `uncapped: ${free / MiB} MiB`); return; }
  const capped = largestYoung(true);
  assert.ok(free > 16 * MiB, `uncapped: ${free / MiB} MiB`);
  assert.ok(capped <= 16 * MiB, `capped: ${capped / MiB} MiB`);
  assert.ok(capped >= 8 * MiB, `capped: ${capped / MiB} MiB (it grows to 8 MiB at least)`);
});

test.run();
