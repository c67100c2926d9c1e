// Input read into one reused buffer (rpc/socket-stdout.ts): each chunk is lent to the reader only until it
// returns. The peer's transport and the vscode client's FrameReader must never let it be read over while they
// still hold some of it undecoded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { connectAgent } from '../../frontends/client/agent-connection.js';
import { encode, type Framing } from '../../rpc/framing.js';
import { Peer } from '../../rpc/peer.js';
import { isLent, spawnReadingStdout, type LentInput } from '../../rpc/socket-stdout.js';
import { createTransport } from '../../rpc/transport.js';
import { burstMessage, BURST_COUNT } from '../fixtures/burst-messages.js';
import { withTimeout } from '../helpers/agent.js';

/** Lends `bytes` in chunks of `step` from one buffer, overwritten by each read, like a socket with `onread`: the
 *  next chunk is read only while not paused, on a later turn of the event loop. */
class ReusedBuffer extends EventEmitter implements LentInput {
  private paused = false;
  private at = 0;
  private fn: (chunk: Buffer) => void = () => {};
  private readonly buf: Buffer;
  constructor(private readonly bytes: Buffer, private readonly step: number) { super(); this.buf = Buffer.alloc(step); }
  lend(fn: (chunk: Buffer) => void) { this.fn = fn; this.schedule(); }
  pause() { this.paused = true; }
  resume() { if (this.paused) { this.paused = false; this.schedule(); } }
  private schedule() { setImmediate(() => this.read()); }
  private read() {
    if (this.paused) return;
    if (this.at >= this.bytes.length) { this.emit('end'); return; }
    this.buf.fill(0xff); // what a reader still held of the last chunk is gone
    const n = this.bytes.copy(this.buf, 0, this.at, this.at + this.step);
    this.at += n;
    this.fn(this.buf.subarray(0, n));
    this.schedule();
  }
}

/** Many small messages (several turns' worth per chunk) between large ones split across chunks. */
const MESSAGES = Array.from({ length: 3000 }, (_, i) => (i % 500 === 7 ? burstMessage(i % BURST_COUNT) : { jsonrpc: '2.0', method: 'tick', params: { i } }));
const wire = (framing: Framing) => Buffer.from(MESSAGES.map((m) => encode(framing, JSON.stringify(m))).join(''));

function viaPeer(input: LentInput, framing: Framing): Promise<unknown[]> {
  const got: unknown[] = [];
  return new Promise((resolve) => {
    const t = createTransport(input, new PassThrough(), framing);
    t.onClose(() => resolve(got));
    new Peer(t, { onNotification: (method, params) => { got.push({ jsonrpc: '2.0', method, params }); } });
  });
}

async function viaFrameReader(input: LentInput): Promise<unknown[]> {
  const got: unknown[] = [];
  const conn = connectAgent(input, new PassThrough());
  conn.connection.onNotification((method: string, params: unknown) => { got.push({ jsonrpc: '2.0', method, params }); });
  await conn.closed;
  return got;
}

for (const step of [4096, 65_536, 262_144]) {
  test(`lent chunks of ${step} bytes, overwritten by each read: the peer (NDJSON) and the FrameReader (Content-Length) get every message whole and in order`, async () => {
    const nd = new ReusedBuffer(wire('ndjson'), step);
    assert.equal(await withTimeout(viaPeer(nd, 'ndjson'), 60_000, 'the peer'), MESSAGES);
    const cl = new ReusedBuffer(wire('content-length'), step);
    assert.equal(await withTimeout(viaFrameReader(cl), 60_000, 'the FrameReader'), MESSAGES);
  });
}

for (const framing of ['ndjson', 'content-length'] as const) {
  test(`${framing}: a child's stdout read into one reused buffer (spawnReadingStdout) brings a burst of every size whole`, async () => {
    const child = await spawnReadingStdout(process.execPath, ['--import', 'tsx', 'test/fixtures/burst-writer.ts', framing]);
    try {
      assert.ok(isLent(child.stdout), 'stdout is read into one reused buffer');
      const input = child.stdout as LentInput;
      const got = await withTimeout(framing === 'ndjson' ? viaPeer(input, framing) : viaFrameReader(input), 120_000, 'the burst');
      assert.is(got.length, BURST_COUNT);
      for (let i = 0; i < BURST_COUNT; i++) assert.equal(got[i], burstMessage(i), `message ${i}`);
    } finally {
      child.proc.kill();
    }
  });
}

test.run();
