// bench:session — in one run against the real sandbox:
// 1. event latency: an engineer message, from the engineer's send until (a) a bare customer WebSocket on
//    the same task sees it, (b) the front end gets the agent's notification. Same events, same machine.
// 2. relaying 100 MB of command output to the front end, beside the same command piped straight into
//    this process; with the agent's peak RSS growth. Once per front-end client: the project's peer (NDJSON),
//    the vscode-jsonrpc client (frontends/client, Content-Length) with the project's reader plugged in, and
//    with vscode-jsonrpc's stock reader. Reports figures and ratios; asserts nothing on time.
//    The first client's relay runs twice in the same agent: the second shows the rate once V8 has compiled the
//    hot code and grown the heap. BENCH_PART=relay runs only this part; BENCH_CLIENTS=peer,vscode-jsonrpc picks the clients (all three by default).
// 3. a flood: 10,000 engineer requests in one burst (session-flood.ts); BENCH_PART=flood runs only that.
// This process is the front end and also the harness (the sandbox's HTTP client, the scripted engineer, tsx). It
// runs with --liftoff-only (package.json): otherwise V8 compiled the harness's WebAssembly (undici's HTTP parser,
// tsx's import lexer) with TurboFan on a background thread during the first relay, 0.15 CPU-s taken from the two
// CPUs the agent and the front end share (this process's other threads: 0.22 s, 0.07 s with the flag; the relay
// +4.6% +-2.8% over 12 interleaved pairs). No product code runs WebAssembly; the agent runs as it ships.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { StreamRedactor } from '../../agent/security/redact.js';
import { addKnownSecret, clearKnownSecrets } from '../../agent/security/known-secrets.js';
import { neutralizeOutput } from '../../protocol/terminal-text.js';
import { routes } from '../../protocol/backend/index.js';
import { ApproveCommand, CommandOutputNote } from '../../protocol/methods/session.js';
import { TaskSocket } from '../helpers/engineer.js';
import { startWorld, type World } from '../session/harness.js';
import type { ClientKind } from '../helpers/agent.js';
import { CommandFinished, EngineerMessageNote, RequestCommandNote } from '../../protocol/index.js';
import { floodBench } from './session-flood.js';
import { readerBench } from './session-reader.js';

const MB = 1024 * 1024;
const SIZE = 100 * MB;
const COMMAND = `yes 'a line of build output, nothing secret in it 0123456789' | head -c ${SIZE}`;
const pct = (xs: number[], q: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const f = (n: number, d = 2) => n.toFixed(d);

async function peakRss(pid: number): Promise<number | null> {
  try { return Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) * 1024; } catch { return null; }
}

/** The ceiling set by redaction: the streaming redactor alone over the same output, in this process. */
function redactorAlone(): number {
  const line = 'a line of build output, nothing secret in it 0123456789\n';
  const chunk = Buffer.from(line.repeat(Math.ceil(65536 / line.length)).slice(0, 65536));
  const r = new StreamRedactor();
  const t = performance.now();
  for (let n = 0; n < SIZE; n += chunk.length) r.push(chunk);
  r.flush();
  return SIZE / MB / ((performance.now() - t) / 1000);
}

/** The same with a CodeVF token known, as the agent always has one: its search depends on the token's random
 *  characters, so over TOKENS random tokens; [median, slowest] MB/s. */
function redactorWithToken(): [number, number] {
  const TOKENS = 8;
  const rates: number[] = [];
  for (let i = 0; i < TOKENS; i++) {
    addKnownSecret(`cvf_${randomBytes(24).toString('base64url')}`);
    rates.push(redactorAlone());
    clearKnownSecrets();
  }
  rates.sort((a, b) => a - b);
  return [rates[TOKENS >> 1], rates[0]];
}

/** The front end's share: neutralizeOutput (protocol/terminal-text.ts) alone over the same output, with colours in it. */
function neutralizerAlone(): number {
  const line = 'a line of \x1b[32mbuild\x1b[0m output, nothing secret in it 0123456789\n';
  const chunk = line.repeat(Math.ceil(65536 / line.length)).slice(0, 65536);
  const t = performance.now();
  let n = 0;
  for (let done = 0; done < SIZE; done += chunk.length) n += neutralizeOutput(chunk).length;
  if (!n) throw new Error('nothing neutralised');
  return SIZE / MB / ((performance.now() - t) / 1000);
}

/** CPU seconds a process has used (Linux), or null. */
async function cpuSeconds(pid: number): Promise<number | null> {
  try {
    const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return null; }
}

/** A process's CPU seconds split as [main thread, its other threads (V8's compiler and GC helpers, libuv's
 *  pool)], its minor page faults (each a fresh page touched: the heap growing), and how often its main thread
 *  left the CPU: to wait, or preempted by another thread (the CPUs are shared), or null. */
async function threadsAndFaults(pid: number): Promise<{ main: number; others: number; faults: number; waits: number; preempted: number } | null> {
  try {
    let main = 0; let others = 0; let faults = 0; let waits = 0; let preempted = 0;
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' '); // after the name, which may hold ") "
      if (!stat || f.length < 13) continue;
      const cpu = (Number(f[11]) + Number(f[12])) / 100;
      if (tid === String(pid)) {
        main = cpu;
        const status = await readFile(`/proc/${pid}/task/${tid}/status`, 'utf8').catch(() => '');
        waits = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        preempted = Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      } else others += cpu;
      faults += Number(f[7]);
    }
    return { main, others, faults, waits, preempted };
  } catch { return null; }
}

/** [idle, total] jiffies of the whole machine (Linux), or null. */
async function machineIdle(): Promise<[number, number] | null> {
  try {
    const xs = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return [xs[3] + xs[4], xs.reduce((a, b) => a + b, 0)];
  } catch { return null; }
}

/** The baseline: the same command's output read straight from a pipe, no agent in between. */
function barePipe(): Promise<number> {
  return new Promise((resolve) => {
    const t = performance.now();
    let n = 0;
    const p = spawn('sh', ['-c', COMMAND], { stdio: ['ignore', 'pipe', 'ignore'] });
    p.stdout.on('data', (c: Buffer) => { n += c.length; });
    p.on('close', () => resolve(n / MB / ((performance.now() - t) / 1000)));
  });
}

if (!process.execArgv.includes('--liftoff-only')) console.log('note: run through npm (node --liftoff-only): without it this harness compiles its WebAssembly during the relay');

if (process.env.BENCH_PART === 'flood') {
  await floodBench();
  process.exit(0);
}

async function latency(w: World) {
  await w.engineerJoins();
  const bare = await TaskSocket.open(w.sb.url + routes.tasks.events.path(w.taskId), w.sb.customerToken, 0);
  const eng = w.eng.socket!;
  const N = 1000;
  const viaWs: number[] = [];
  const viaAgent: number[] = [];
  for (let i = 0; i < N + 100; i++) {
    const text = `m${i}`;
    const t = performance.now();
    let a = 0;
    let b = 0;
    const wsSeen = bare.waitFor('engineer_message', (e) => e.payload.text === text).then(() => { b = performance.now() - t; });
    const agentSeen = w.agent.waitFor(EngineerMessageNote, (p) => p.text === text).then(() => { a = performance.now() - t; });
    void eng.send('engineer_message', { text });
    await Promise.all([wsSeen, agentSeen]);
    w.agent.notes.length = 0;
    if (i >= 100) { viaWs.push(b * 1000); viaAgent.push(a * 1000); }
  }
  await bare.close();
  const added = viaAgent.map((x, i) => x - viaWs[i]);
  console.log(`bench:session (${N} events, ${SIZE / MB} MB of output)`);
  console.log(`  event latency, engineer send -> bare customer WebSocket: p50 ${f(pct(viaWs, 0.5) / 1000, 3)} ms  p99 ${f(pct(viaWs, 0.99) / 1000, 3)} ms`);
  console.log(`  event latency, engineer send -> front end via the agent: p50 ${f(pct(viaAgent, 0.5) / 1000, 3)} ms  p99 ${f(pct(viaAgent, 0.99) / 1000, 3)} ms`);
  console.log(`  latency the agent adds: p50 ${f(pct(added, 0.5) / 1000, 3)} ms  p99 ${f(pct(added, 0.99) / 1000, 3)} ms`);
  console.log(`  ratio agent/bare: p50 ${f(pct(viaAgent, 0.5) / pct(viaWs, 0.5))}x  p99 ${f(pct(viaAgent, 0.99) / pct(viaWs, 0.99))}x  (goal p99 <= 1.5x)`);
}

const CLIENTS: Record<ClientKind, string> = {
  'peer': 'project peer (rpc/peer.ts), NDJSON',
  'vscode-jsonrpc': 'vscode-jsonrpc client (frontends/client) + project reader, Content-Length',
  'vscode-jsonrpc-stock-reader': 'vscode-jsonrpc client + its stock StreamMessageReader, Content-Length',
};

/** 100 MB of command output relayed to a front end speaking through `client`; returns MB/s. */
async function relay(w: World, client: ClientKind, pipe: number, again = false): Promise<number> {
  if (!w.eng.socket) await w.engineerJoins();
  const id = await w.eng.requestCommand(COMMAND, 'bench');
  await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
  w.agent.notes.length = 0;
  const rssBefore = await peakRss(w.agent.proc.pid!);
  const cpuBefore = await cpuSeconds(w.agent.proc.pid!);
  const split0 = await threadsAndFaults(w.agent.proc.pid!);
  // What a terminal front end does with each chunk as it arrives (frontends/tty: a typed listener, so the
  // client checks it against its declaration first), before printing it: neutralise it. Counted as received.
  let chars = 0;
  let notes = 0;
  let first = 0;
  let last = 0;
  w.agent.on(CommandOutputNote, (o) => { if (o.requestId === id) { neutralizeOutput(o.data); chars += o.data.length; notes++; last = performance.now(); first ||= last; } });
  const front = process.cpuUsage();
  const front0 = await threadsAndFaults(process.pid);
  const idle0 = await machineIdle();
  const t = performance.now();
  await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
  await w.agent.waitFor(CommandFinished, (p) => p.requestId === id, 300_000);
  const end = performance.now();
  const secs = (end - t) / 1000;
  const frontCpu = process.cpuUsage(front);
  const front1 = await threadsAndFaults(process.pid);
  const idle1 = await machineIdle();
  const rssAfter = await peakRss(w.agent.proc.pid!);
  const cpuAfter = await cpuSeconds(w.agent.proc.pid!);
  const split1 = await threadsAndFaults(w.agent.proc.pid!);
  const rate = chars / MB / secs;
  const fcpu = (frontCpu.user + frontCpu.system) / 1e6;
  const what = again ? `the next ${SIZE / MB} MB through the same agent (its code compiled and heap grown by the first)` : `output relay to the ${CLIENTS[client]}`;
  console.log(`  ${what}: ${f(rate, 1)} MB/s (${chars === SIZE ? 'all bytes' : `${chars} of ${SIZE} bytes`}), bare pipe ${f(pipe, 1)} MB/s, ratio ${f(rate / pipe)}x${again ? '' : '  (goal >= 100 MB/s)'}`);
  console.log(`    approve -> first output ${f(first - t, 1)} ms, last output -> command_finished ${f(end - last, 1)} ms; between them ${last > first ? f(chars / MB / ((last - first) / 1000), 1) : '-'} MB/s`);
  console.log(`    front end CPU (this process: reader, checks, neutralizeOutput): ${f(fcpu)} s = ${f(chars / MB / fcpu, 0)} MB per front-end CPU-second; ${notes} command_output notifications, ${f(chars / Math.max(notes, 1) / 1024, 1)} KiB each on average`);
  if (front0 && front1) console.log(`      the front end's main thread ${f(front1.main - front0.main)} s, its other threads (V8's compilers and GC helpers) ${f(front1.others - front0.others)} s; ${front1.faults - front0.faults} minor page faults`);
  if (cpuBefore !== null && cpuAfter !== null) {
    const cpu = cpuAfter - cpuBefore;
    console.log(`    agent CPU for the relay: ${f(cpu)} s over ${f(secs)} s wall = ${f(chars / MB / cpu, 0)} MB per agent CPU-second (the rate with a free core)`);
    if (split0 && split1) console.log(`      its main thread ${f(split1.main - split0.main)} s, its other threads (V8's compiler and GC helpers) ${f(split1.others - split0.others)} s; ${split1.faults - split0.faults} minor page faults`);
    if (split0 && split1) console.log(`      its main thread left the CPU ${split1.waits - split0.waits} times to wait (for output to read, or for the front end) and was preempted ${split1.preempted - split0.preempted} times`);
  }
  if (rssBefore !== null && rssAfter !== null) {
    console.log(`    agent peak RSS: ${f(rssBefore / MB, 0)} MB before, ${f(rssAfter / MB, 0)} MB after relaying ${SIZE / MB} MB (+${f((rssAfter - rssBefore) / MB, 0)} MB)`);
  }
  if (idle0 && idle1) console.log(`    the machine's ${cpus().length} CPUs were idle ${f((100 * (idle1[0] - idle0[0])) / (idle1[1] - idle0[1]), 0)}% of the relay's time`);
  console.log(`    machine load while measuring: ${loadavg().map((x) => f(x)).join(' ')} on ${cpus().length} CPUs`);
  return rate;
}

const relayOnly = process.env.BENCH_PART === 'relay';
const chosen = process.env.BENCH_CLIENTS?.split(',').filter(Boolean) ?? Object.keys(CLIENTS);
const unknown = chosen.filter((c) => !(c in CLIENTS));
if (unknown.length) throw new Error(`BENCH_CLIENTS: unknown ${unknown.join(', ')}; choose from ${Object.keys(CLIENTS).join(', ')}`);
for (const client of chosen as ClientKind[]) {
  const w = await startWorld({ env: { CODEVF_OUTPUT_CAP_BYTES: String(2 * MB) }, client });
  try {
    if (client === chosen[0]) {
      if (!relayOnly) await latency(w);
      else console.log(`bench:session relay (${SIZE / MB} MB of output)`);
      console.log(`  neutralizeOutput alone (protocol/terminal-text.ts, front end side) over the same output with colours: ${f(neutralizerAlone(), 1)} MB/s`);
      console.log(`  streaming redactor alone (agent/security/redact.ts) over the same output: ${f(redactorAlone(), 1)} MB/s`);
      const [median, slowest] = redactorWithToken();
      console.log(`    with a random CodeVF token known (8 tokens): median ${f(median, 1)} MB/s, slowest ${f(slowest, 1)} MB/s`);
    }
    await relay(w, client, await barePipe());
    // A fresh agent's first 100 MB also pays for V8 compiling the hot code and growing its heap: the same relay
    // again shows the rate of an agent that has run a while (the goal is judged on the first).
    if (client === chosen[0]) await relay(w, client, await barePipe(), true);
  } finally {
    await w.cleanup();
  }
}
if (!process.env.BENCH_CLIENTS) await readerBench(SIZE);
if (!relayOnly) await floodBench();
