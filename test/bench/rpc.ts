// bench:rpc — our transports (the real agent, both framings) against vscode-jsonrpc's stock stream
// transport, in one run over the same kind of pipes. Reports figures and ratios; asserts nothing on time.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as rpc from 'vscode-jsonrpc/node';
import { createDecoder } from '../../rpc/framing.js';
import { Peer } from '../../rpc/peer.js';
import { createTransport } from '../../rpc/transport.js';
import { AGENT_BIN, CLIENT_INFO } from '../helpers/agent.js';

interface Client { request(method: string, params?: unknown): Promise<unknown>; notify(method: string, params?: unknown): void; close(): void }

function ours(framing: 'ndjson' | 'content-length'): Client {
  const p = spawn(process.execPath, [AGENT_BIN, '--framing', framing], { stdio: ['pipe', 'pipe', 'inherit'] });
  const peer = new Peer(createTransport(p.stdout, p.stdin, framing));
  return { request: (m, x) => peer.send(m, x), notify: (m, x) => void peer.sendNotification(m, x), close: () => p.kill() };
}

function stock(): Client {
  const p = spawn(process.execPath, ['test/bench/stock-server.mjs'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(p.stdout), new rpc.StreamMessageWriter(p.stdin));
  conn.listen();
  return { request: (m, x) => conn.sendRequest(m, x), notify: (m, x) => void conn.sendNotification(m, x), close: () => { conn.dispose(); p.kill(); } };
}

const pct = (xs: number[], q: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function measure(name: string, make: () => Client) {
  const c = make();
  await c.request('initialize', CLIENT_INFO);
  for (let i = 0; i < 500; i++) await c.request('ping', {}); // warm-up
  const lat: number[] = [];
  for (let i = 0; i < 3000; i++) { const t = performance.now(); await c.request('ping', {}); lat.push((performance.now() - t) * 1000); }
  const N = 20_000;
  let t = performance.now();
  await Promise.all(Array.from({ length: N }, () => c.request('ping', {})));
  const pipelined = N / ((performance.now() - t) / 1000);
  const B = 100_000;
  t = performance.now();
  for (let i = 0; i < B; i++) c.notify('bench/note', { i });
  await c.request('ping', {}); // answered only after every notification before it was read
  const burst = B / ((performance.now() - t) / 1000);
  c.close();
  return { name, p50us: pct(lat, 0.5), p99us: pct(lat, 0.99), pipelined, burst };
}

/** The slow consumer: 1 million pings written while the agent's stdout goes unread for 10 s, then read. */
async function slowConsumer(N = 1_000_000) {
  const p = spawn(process.execPath, [AGENT_BIN], { stdio: ['pipe', 'pipe', 'inherit'] });
  const peak = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1]) / 1024;
  p.stdin.on('error', () => {});
  p.stdin.write(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":${JSON.stringify(CLIENT_INFO)}}\n`);
  await new Promise((r) => p.stdout.once('data', r));
  p.stdout.pause();
  let written = 0;
  const more = () => {
    while (written < N) {
      const lines: string[] = [];
      for (let k = 0; k < 1000; k++) lines.push(`{"jsonrpc":"2.0","id":${++written},"method":"ping"}\n`);
      if (!p.stdin.write(lines.join(''))) return void p.stdin.once('drain', more);
    }
  };
  more();
  await new Promise((r) => setTimeout(r, 10_000));
  const stalledAt = written;
  const peakStalled = peak();
  const seen = new Uint8Array(N + 1);
  let got = 0; let bad = 0;
  const dec = createDecoder('ndjson');
  const t = performance.now();
  await new Promise<void>((resolve) => {
    p.stdout.on('data', (c: Buffer) => {
      for (const f of dec.push(c)) {
        const m = 'text' in f ? JSON.parse(f.text) : undefined;
        if (!m?.result) bad++; else seen[m.id]++;
        if (++got === N) resolve();
      }
    });
    p.stdout.resume();
  });
  const drainS = (performance.now() - t) / 1000;
  const peakAll = peak();
  p.kill();
  let once = 0;
  for (let i = 1; i <= N; i++) if (seen[i] === 1) once++;
  return { N, stalledAt, peakStalled, peakAll, once, bad, drainS };
}

const rows = [await measure('stock vscode-jsonrpc (Content-Length)', stock), await measure('codevf-agent, Content-Length', () => ours('content-length')), await measure('codevf-agent, NDJSON', () => ours('ndjson'))];
const base = rows[0];
const f = (n: number) => Math.round(n).toLocaleString('en-US');
console.log('\nbench:rpc (client process <-> server process over stdio pipes)\n');
console.log('| transport | seq ping p50 | seq ping p99 | 20k pipelined pings | 100k notification burst |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  const ratio = r === base ? '' : ` (${(r.pipelined / base.pipelined).toFixed(1)}x)`;
  const bratio = r === base ? '' : ` (${(r.burst / base.burst).toFixed(1)}x)`;
  console.log(`| ${r.name} | ${r.p50us.toFixed(0)} us | ${r.p99us.toFixed(0)} us | ${f(r.pipelined)} req/s${ratio} | ${f(r.burst)} msg/s${bratio} |`);
}
const worst = rows.slice(1);
const pipeOk = worst.every((r) => r.pipelined >= 3 * base.pipelined);
const burstOk = worst.every((r) => r.burst >= 10 * base.burst);
console.log(`\ngoals: pipelined >= 3x stock: ${pipeOk ? 'met' : 'NOT met'}; bursts >= 10x stock: ${burstOk ? 'met' : 'NOT met'}`);
const slow = await slowConsumer();
console.log(`\nslow consumer: ${f(slow.N)} pings, agent stdout unread for 10 s: the agent had taken <= ${f(slow.stalledAt)} of them;`
  + ` peak RSS ${slow.peakStalled.toFixed(0)} MiB while unread, ${slow.peakAll.toFixed(0)} MiB over the whole run`
  + ` (goal <= 150: ${slow.peakAll <= 150 ? 'met' : 'NOT met'}); answered exactly once: ${f(slow.once)} of ${f(slow.N)}, bad answers ${slow.bad};`
  + ` read back in ${slow.drainS.toFixed(1)} s`);
process.exit(0);
