// The agent's wire against hostile and careless clients, over real pipes: damaged frames in both framings,
// ids JSON-RPC cannot answer under, `params: []`, a client that stops reading, and stdin closing mid-work.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDecoder, type Framing } from '../../rpc/framing.js';
import { CLIENT_INFO, rawAgent, spawnAgentProcess, withTimeout } from '../helpers/agent.js';

/** A small deterministic PRNG, so a failing fuzz run can be replayed. */
function rng(seed: number) {
  return () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x80000000; };
}
const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });
const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** Junk that is never a header, a JSON text or whitespace: it starts with `@` and never names Content-Length. */
function junk(r: () => number, newlines: boolean): string {
  const n = 1 + Math.floor(r() * 60);
  let s = '@';
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * (newlines ? 100 : 95));
    s += c >= 95 ? (c % 2 ? '\r\n' : '\n') : String.fromCharCode(32 + c);
  }
  return s.replace(/content-length/gi, 'x');
}

function damagedFrame(framing: Framing, r: () => number, id: number): string {
  const body = ping(id);
  if (framing === 'ndjson') {
    const kinds = [() => junk(r, false) + '\n', () => body.slice(0, 1 + Math.floor(r() * (body.length - 1))) + '\n', () => `${body}}\n`];
    return kinds[Math.floor(r() * kinds.length)]();
  }
  const kinds = [
    () => `Content-Length: -1\r\n\r\n${body}`,
    () => `Content-Type: application/json\r\n\r\n${body}`,
    () => `Content-Length: ${body.length}\n\n${body}`,
    () => `Content-Length: ${Math.floor(r() * (body.length - 1)) + 1}\r\n\r\n${body}`,
    () => `Content-Length: ${body.length + 1 + Math.floor(r() * 40)}\r\n\r\n${body}`,
    () => junk(r, true),
    () => `Content-Length: ${body.length}\r\n{${body}`,
  ];
  return kinds[Math.floor(r() * kinds.length)]();
}

for (const framing of ['content-length', 'ndjson'] as Framing[]) {
  test(`[${framing}] 600 hostile frames: exactly one -32700 each, and every ping after them answered once`, async () => {
    const a = rawAgent(framing);
    await a.request(1, 'initialize', CLIENT_INFO);
    const r = rng(framing.length * 7919);
    const enc = (body: string) => framing === 'ndjson' ? body + '\n' : frame(body);
    const answers = new Map<number, number>();
    let parseErrors = 0;
    let next = 1000;
    for (let round = 0; round < 30; round++) {
      let bytes = '';
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) {
        bytes += damagedFrame(framing, r, -1);
        ids.push(next);
        bytes += enc(ping(next++));
      }
      const sentinel = next++;
      a.write(bytes + enc(ping(sentinel)));
      for (;;) { // answers come in order: every -32700 of this round arrives before the sentinel's answer
        const m = await a.next(10_000);
        if (m.error?.code === -32700) { assert.is(m.id, null); parseErrors++; continue; }
        assert.ok(m.result, JSON.stringify(m));
        answers.set(m.id, (answers.get(m.id) ?? 0) + 1);
        if (m.id === sentinel) break;
      }
      for (const id of ids) assert.is(answers.get(id), 1, `ping ${id} in round ${round}`);
      assert.is(parseErrors, (round + 1) * 20, `-32700 count after round ${round}`);
    }
    a.kill();
  });
}

test('ids that cannot be echoed exactly (1e400, 1.5, 2^53+1) are -32600 with id null, never a success', async () => {
  const a = rawAgent('ndjson');
  await a.request(1, 'initialize', CLIENT_INFO);
  for (const id of ['1e400', '-1e400', '1.5', '9007199254740993']) {
    a.send(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`);
    const m = await a.next();
    assert.equal([m.id, m.error?.code, m.error?.data?.reason, 'result' in m], [null, -32600, 'invalid_request', false], id);
  }
  assert.equal(await a.request(-7, 'ping'), { jsonrpc: '2.0', id: -7, result: {} });
  a.kill();
});

test('params: [] is accepted where a method takes none; by-position params elsewhere are -32602 naming why', async () => {
  const a = rawAgent('content-length');
  assert.is((await a.request(1, 'initialize', CLIENT_INFO)).id, 1);
  assert.equal(await a.request(2, 'ping', []), { jsonrpc: '2.0', id: 2, result: {} });
  assert.equal((await a.request(3, 'rpc.discover', [])).result.openrpc.slice(0, 2), '1.');
  const bad = await a.request(4, 'ping', [1]);
  assert.equal([bad.error.code, bad.error.data.reason], [-32602, 'invalid_params']);
  assert.match(bad.error.message, 'by position');
  const missing = await a.request(5, 'sendMessage', []);
  assert.equal([missing.error.code, missing.error.data.reason], [-32602, 'invalid_params']);
  a.kill();
});

test('end of input drains: every request already read gets its real answer, then the agent exits 0', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => { release = r; });
  let seen!: () => void;
  const arrived = new Promise<void>((r) => { seen = r; });
  const server = createServer((req, res) => {
    seen();
    void held.then(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ creditsPerMinute: 1, usdPerCredit: 0.5, minTopUpUsd: 5, maxTopUpUsd: 10000, lowBalanceMinutes: 5 }));
    });
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const a = rawAgent('ndjson', ['--host', host]);
  await a.request(1, 'initialize', CLIENT_INFO);
  a.send({ jsonrpc: '2.0', id: 2, method: 'getRates', params: {} });
  await withTimeout(arrived, 10_000, 'the agent\'s backend call');
  a.send({ jsonrpc: '2.0', id: 3, method: 'sendMessage', params: { taskId: '' } });
  a.send({ jsonrpc: '2.0', id: 4, method: 'ping' });
  a.proc.stdin.end();
  const first = [await a.next(), await a.next()].sort((x, y) => x.id - y.id);
  assert.equal(first.map((m) => [m.id, m.error?.code ?? 'ok']), [[3, -32602], [4, 'ok']]);
  release();
  assert.equal(await a.next(), { jsonrpc: '2.0', id: 2, result: { creditsPerMinute: 1, usdPerCredit: 0.5, minTopUpUsd: 5, maxTopUpUsd: 10000, lowBalanceMinutes: 5 } });
  assert.equal(await withTimeout(a.exited, 10_000, 'exit'), { code: 0, signal: null });
  server.close();
});

/** The agent's resident memory in MiB, from /proc. */
function rssMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

test('a client that stops reading: the agent stops reading too, stays small while stalled and while read back, and answers all 300,000 pings once', async () => {
  const a = spawnAgentProcess();
  try { await slowConsumer(a); } finally { a.proc.kill('SIGKILL'); } // a failed assertion must not leave the agent running
});

async function slowConsumer(a: ReturnType<typeof spawnAgentProcess>) {
  const N = 300_000;
  a.proc.stdin.write(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":${JSON.stringify(CLIENT_INFO)}}\n`);
  await withTimeout(new Promise((r) => a.proc.stdout.once('data', r)), 10_000, 'initialize'); // the agent is up
  a.proc.stdout.pause();
  let written = 0;
  const more = () => {
    while (written < N) {
      const lines: string[] = [];
      for (let k = 0; k < 1000; k++) lines.push(`{"jsonrpc":"2.0","id":${++written},"method":"ping"}\n`);
      if (!a.proc.stdin.write(lines.join(''))) return void a.proc.stdin.once('drain', more);
    }
  };
  more();
  // Wait (polling, no assertion on time) until the agent stops taking our bytes: 3 s without progress.
  let last = -1; let still = 0;
  while (still < 60 && written < N) {
    await new Promise((r) => setTimeout(r, 50));
    still = written === last ? still + 1 : 0;
    last = written;
  }
  assert.ok(written < N, 'the agent read all 300,000 pings although nobody read its answers');
  const rss = rssMiB(a.proc.pid!);
  assert.ok(rss < 150, `agent RSS ${rss} MiB while stalled`);
  const seen = new Uint8Array(N + 1);
  let got = 0;
  const dec = createDecoder('ndjson');
  const done = new Promise<void>((resolve, reject) => {
    a.proc.stdout.on('data', (c: Buffer) => {
      for (const f of dec.push(c)) {
        if (!('text' in f)) return reject(new Error(f.error));
        const m = JSON.parse(f.text);
        if (!m.result) return reject(new Error(f.text));
                seen[m.id]++;
        if (++got === N) resolve();
      }
    });
  });
  a.proc.stdout.resume();
  await withTimeout(done, 120_000, 'every ping answered');
  for (let i = 1; i <= N; i++) if (seen[i] !== 1) assert.unreachable(`ping ${i} answered ${seen[i]} times`);
  // The peak over the whole run: reading the backlog back must not grow the agent either.
  const peak = rssMiB(a.proc.pid!, 'VmHWM');
  assert.ok(peak < 150, `agent peak RSS ${peak} MiB over the run`);
}

test.run();
