// `npm run bench:backend`: 50 concurrent tasks x 200 events through the sandbox's task WebSockets, then the
// hostile scenario (`backend-hostile.ts`): 20 honest tasks with and without one account attacking.
// Each task alternates engineer and customer messages, sending the next once the other side received the
// last; both sockets must then hold every seq exactly once. Baseline: the same traffic, on the same wire
// (the same frames in, the same event and ack frames out), through a bare `ws` relay process that neither
// authenticates, stores nor validates, so the report reads as a ratio. The machine may be shared: relay and
// sandbox take turns (BENCH_ROUNDS rounds, 3 by default, fresh tasks each) so a change of load hits both, and
// the ratio is of the totals. Exits 1 on loss or duplication.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { routes } from '../../protocol/backend/index.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { hostileSetup, underAttack } from './backend-hostile.js';

const TASKS = 50;
const EVENTS = 200;
const HONEST = 20;

interface Pair {
  a: WebSocket; b: WebSocket; seqs: [number[], number[]]; texts: [string[], string[]]; waiting: Map<string, () => void>;
}
interface Run { eventsPerS: number; p50: number; p99: number; errors: string[]; latencies: number[]; seconds: number; cpuMs: number }

// Listeners go on before 'open': events sent right after the upgrade can arrive in the same tick.
const open = (url: string, headers: Record<string, string>, onMessage: (data: unknown) => void) => new Promise<WebSocket>((resolve, reject) => {
  const ws = new WebSocket(url, { headers });
  ws.on('message', onMessage);
  ws.once('open', () => resolve(ws));
  ws.once('error', reject);
});

const pct = (xs: number[], p: number) => xs.sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

/** Opens both sockets of a pair, recording every event from the start (engineer_connected counts). */
async function makePair(urlA: string, urlB: string, headersA: Record<string, string> = {}, headersB: Record<string, string> = {}): Promise<Pair> {
  const pair = { seqs: [[], []], texts: [[], []], waiting: new Map() } as unknown as Pair;
  const onMessage = (side: 0 | 1) => (data: unknown) => {
    const m = JSON.parse(String(data));
    if (typeof m.seq !== 'number') return;
    pair.seqs[side].push(m.seq);
    const text = m.payload?.text;
    if (typeof text !== 'string') return;
    pair.texts[side].push(text);
    const key = `${side}:${text}`;
    pair.waiting.get(key)?.();
    pair.waiting.delete(key);
  };
  pair.a = await open(urlA, headersA, onMessage(0));
  pair.b = await open(urlB, headersB, onMessage(1));
  return pair;
}

/** Drives one pair: alternate sides, wait for delivery on the other side, record the latency. */
async function drive(pair: Pair, frame: (side: 0 | 1, text: string) => string, latencies: number[]): Promise<void> {
  const socks = [pair.a, pair.b];
  for (let k = 0; k < EVENTS; k++) {
    const from = (k % 2) as 0 | 1;
    const text = `m${k}`;
    const got = new Promise<void>((r) => pair.waiting.set(`${1 - from}:${text}`, r));
    const t0 = performance.now();
    socks[from].send(frame(from, text));
    await got;
    latencies.push(performance.now() - t0);
  }
}

function check(pairs: Pair[], expected: (i: number) => number): string[] {
  const errors: string[] = [];
  pairs.forEach((p, i) => p.seqs.forEach((seqs, side) => {
    const n = expected(i);
    if (seqs.length !== n || seqs.some((s, j) => s !== j + 1)) errors.push(`pair ${i} side ${side}: ${seqs.length} events, want seq 1..${n} once each`);
    const texts = new Set(p.texts[side]);
    if (texts.size !== EVENTS || p.texts[side].length !== EVENTS) errors.push(`pair ${i} side ${side}: ${p.texts[side].length} messages, ${texts.size} distinct, want ${EVENTS}`);
  }));
  return errors;
}

/** CPU time (user + system) a process has used, in ms, from /proc (Linux; NaN elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks (USER_HZ, 100 on Linux)
  } catch { return NaN; }
}

async function measure(pairs: Pair[], frame: (side: 0 | 1, text: string) => string, pid: number | undefined) {
  const latencies: number[] = [];
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  await Promise.all(pairs.map((p) => drive(p, frame, latencies)));
  return { seconds: (performance.now() - t0) / 1000, latencies, cpuMs: cpuMs(pid) - cpu0 };
}

/** Creates `n` tasks claimed by the demo engineer, with both sockets of each open. */
async function openPairs(sb: Sandbox, n: number): Promise<Pair[]> {
  const pairs: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const task = await api(sb.url, 'POST', routes.tasks.create.path(), { token: sb.customerToken, body: { issue: `bench ${i}` } });
    const id = task.body.taskId;
    await api(sb.url, 'POST', routes.engineer.claim.path(id), { token: sb.engineerToken, body: {} });
    const ws = sb.url.replace(/^http/, 'ws');
    pairs.push(await makePair(ws + routes.tasks.events.path(id), ws + routes.engineer.events.path(id),
      { authorization: `Bearer ${sb.customerToken}` }, { authorization: `Bearer ${sb.engineerToken}` }));
  }
  await new Promise((r) => setTimeout(r, 200)); // engineer_connected events settle
  return pairs;
}

let frameNo = 0;
const sandboxFrame = (side: 0 | 1, text: string) => JSON.stringify(side === 0
  ? { type: 'customer_message', id: `c${frameNo++}`, payload: { text } }
  : { type: 'engineer_message', id: `e${frameNo++}`, payload: { text } });

/** Honest traffic on `n` fresh tasks: throughput, latency, and every seq once on both sides. */
async function honest(sb: Sandbox, n: number): Promise<Run> {
  const pairs = await openPairs(sb, n);
  const { seconds, latencies, cpuMs } = await measure(pairs, sandboxFrame, sb.proc.pid);
  await new Promise((r) => setTimeout(r, 300));
  const errors = check(pairs, () => EVENTS + 1);
  pairs.forEach((p) => { p.a.close(); p.b.close(); });
  return { eventsPerS: (n * EVENTS) / seconds, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), errors, latencies, seconds, cpuMs };
}

// The sandbox's wire without its work: the same event frame (type, seq, taskId, timestamp, payload) to both
// sockets, then the same ack ({type, id, result: {seq}}) to the sender.
const RELAY = `
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const rooms = new Map();
wss.on('connection', (ws, req) => {
  const room = req.url; const r = rooms.get(room) ?? { socks: [], seq: 0 }; rooms.set(room, r); r.socks.push(ws);
  ws.on('message', (d) => { const m = JSON.parse(String(d)); const seq = ++r.seq;
    const out = JSON.stringify({ type: m.type, seq, taskId: room, timestamp: new Date().toISOString(), payload: m.payload });
    for (const s of r.socks) s.send(out); ws.send(JSON.stringify({ type: 'ack', id: m.id, result: { seq } })); });
});
wss.on('listening', () => console.log(wss.address().port));`;

/** One round on the relay: fresh rooms, the same frames as the sandbox gets. */
async function relayRound({ port, pid }: { port: string; pid?: number }, round: number): Promise<Run> {
  const pairs: Pair[] = [];
  for (let i = 0; i < TASKS; i++) {
    const room = `ws://127.0.0.1:${port}/r${round}-t${i}`;
    pairs.push(await makePair(room, room));
  }
  await new Promise((r) => setTimeout(r, 200)); // as the sandbox's pairs wait for engineer_connected
  const { seconds, latencies, cpuMs } = await measure(pairs, sandboxFrame, pid);
  await new Promise((r) => setTimeout(r, 300));
  const errors = check(pairs, () => EVENTS);
  pairs.forEach((p) => { p.a.close(); p.b.close(); });
  return { eventsPerS: (TASKS * EVENTS) / seconds, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), errors, latencies, seconds, cpuMs };
}

async function startRelay() {
  const proc = spawn(process.execPath, ['-e', RELAY], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((r) => proc.stdout!.once('data', (d) => r(String(d).trim())));
  return { port, pid: proc.pid, stop: () => proc.kill() };
}

/** Relay and sandbox take turns; the totals of all rounds give the ratio. */
async function throughput(rounds: number): Promise<string[]> {
  const relay = await startRelay();
  const sb = await startSandbox({ args: ['--seed-credits', '1000', '--open-tasks-per-account', '1000'] });
  const totals = { relay: { s: 0, cpu: 0, lat: [] as number[] }, sandbox: { s: 0, cpu: 0, lat: [] as number[] } };
  const errors: string[] = [];
  try {
    console.log(`${TASKS} tasks x ${EVENTS} events, both task sockets per task, closed loop per task; ${rounds} rounds, relay then sandbox`);
    for (let r = 0; r < rounds; r++) {
      const a = await relayRound(relay, r);
      const b = await honest(sb, TASKS);
      totals.relay.s += a.seconds; totals.relay.cpu += a.cpuMs; totals.relay.lat.push(...a.latencies);
      totals.sandbox.s += b.seconds; totals.sandbox.cpu += b.cpuMs; totals.sandbox.lat.push(...b.latencies);
      errors.push(...a.errors.map((e) => `relay ${e}`), ...b.errors);
      console.log(`  round ${r + 1} (load ${loadavg()[0].toFixed(1)}): relay ${Math.round(a.eventsPerS)} events/s p99 ${f(a.p99)} ms,`
        + ` sandbox ${Math.round(b.eventsPerS)} events/s p99 ${f(b.p99)} ms: throughput ${f(b.eventsPerS / a.eventsPerS)}x, p99 ${f(b.p99 / a.p99)}x;`
        + ` server CPU per event ${Math.round((a.cpuMs * 1000) / (TASKS * EVENTS))} / ${Math.round((b.cpuMs * 1000) / (TASKS * EVENTS))} us`);
    }
  } finally {
    relay.stop();
    await sb.stop();
  }
  const n = rounds * TASKS * EVENTS;
  const rate = (t: { s: number }) => n / t.s;
  const p99 = (t: { lat: number[] }) => pct(t.lat, 0.99);
  // Server CPU per event: what a busy machine's share of the cores has to pay for, whatever the load.
  const perEvent = (t: { cpu: number }) => `${Math.round((t.cpu * 1000) / n)} us server CPU per event`;
  console.log(`  bare ws relay : ${Math.round(rate(totals.relay))} events/s, delivery p50 ${f(pct(totals.relay.lat, 0.5))} ms, p99 ${f(p99(totals.relay))} ms, ${perEvent(totals.relay)}`);
  console.log(`  sandbox       : ${Math.round(rate(totals.sandbox))} events/s, delivery p50 ${f(pct(totals.sandbox.lat, 0.5))} ms, p99 ${f(p99(totals.sandbox))} ms, ${perEvent(totals.sandbox)}`);
  console.log(`  ratio sandbox/relay: throughput ${f(rate(totals.sandbox) / rate(totals.relay))}x (goal >= 0.8x), p99 latency ${f(p99(totals.sandbox) / p99(totals.relay))}x (goal <= 1.5x)`);
  return errors;
}

const f = (x: number) => x.toFixed(2);
const part = process.env.BENCH_PART; // `throughput` or `hostile` runs only that part
const errors: string[] = [];
console.log(`backend bench (load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`);

if (!part || part === 'throughput') errors.push(...await throughput(Math.max(1, Number(process.env.BENCH_ROUNDS) || 3)));

if (!part || part === 'hostile') {
  const h = hostileSetup;
  const sb = await startSandbox({ args: ['--seed-credits', '1000', '--seed-extra', '--open-tasks-per-account', '1000'] });
  try {
    const calm = await honest(sb, HONEST);
    const { run: attacked, report } = await underAttack(sb, () => honest(sb, HONEST));
    console.log(`hostile: ${HONEST} honest tasks x ${EVENTS} events while one account holds ${h.STORED_TASKS * h.MESSAGES_PER_TASK * h.MESSAGE_CHARS / 1e6} MB`
      + ` of stored events, ${h.READERS} sockets on them that never read, and floods ${h.FLOOD} frames`);
    console.log(`  honest without attack: ${Math.round(calm.eventsPerS)} events/s, p99 ${f(calm.p99)} ms`);
    console.log(`  honest during attack : ${Math.round(attacked.eventsPerS)} events/s, p99 ${f(attacked.p99)} ms`
      + `  (p99 ratio ${f(attacked.p99 / calm.p99)}x, goal <= 2x)`);
    console.log(`  sandbox RSS: ${f(report.rssStartMb)} MB before storing, ${f(report.rssBeforeMb)} MB before the attack, peak ${f(report.rssPeakMb)} MB,`
      + ` growth ${f(report.rssPeakMb - report.rssBeforeMb)} MB (goal < 150 MB)`);
    console.log(`  flood: ${report.flood.acked} frames stored, ${report.flood.refused} refused (frame rate limit)`);
    errors.push(...calm.errors.map((e) => `calm ${e}`), ...attacked.errors.map((e) => `attacked ${e}`));
  } finally {
    await sb.stop();
  }
}

if (errors.length) {
  console.log(`FAILED: ${errors.length} lost or duplicated sequences:\n  ${errors.slice(0, 10).join('\n  ')}`);
  process.exit(1);
}
console.log('  no event lost or duplicated');
