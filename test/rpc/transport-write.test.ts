import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createDecoder, type Framing } from '../../rpc/framing.js';
import { burstMessage, BURST_COUNT } from '../fixtures/burst-messages.js';
import { withTimeout } from '../helpers/agent.js';

/** Reads every message from burst-writer.ts, pausing often so that its writes back up and wait. */
async function readBurst(framing: Framing): Promise<unknown[]> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/burst-writer.ts', framing], { stdio: 'pipe' });
  const dec = createDecoder(framing);
  const got: unknown[] = [];
  let stderr = '';
  proc.stderr.on('data', (c) => { stderr += c; });
  proc.stdout.on('data', (c: Buffer) => {
    for (const f of dec.push(c)) got.push('text' in f ? JSON.parse(f.text) : f);
    proc.stdout.pause();
    setTimeout(() => proc.stdout.resume(), got.length % 7 === 0 ? 15 : 0);
  });
  const closed = new Promise((r) => proc.on('close', r));
  let code: unknown;
  try {
    code = await withTimeout(closed, 120_000, 'the burst writer to finish');
  } finally {
    proc.kill();
  }
  assert.is(code, 0, stderr);
  return got;
}

for (const framing of ['ndjson', 'content-length'] as const) {
  test(`${framing}: a burst of small, large and multibyte messages read by a lagging reader arrives whole and in order`, async () => {
    const got = await readBurst(framing);
    assert.is(got.length, BURST_COUNT);
    for (let i = 0; i < BURST_COUNT; i++) assert.equal(got[i], burstMessage(i), `message ${i}`);
  });
}

test.run();
