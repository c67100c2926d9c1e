// bench:ai — AI session figures through the real processes (sandbox, agent over pipes, the scripted ACP
// agent), each beside a baseline from the same run, interleaved over RUNS rounds, medians:
//   AI startup: createTask (hybrid) → ai_state ready, beside the scripted agent alone answering initialize
//   hand-off:   escalate → the task in the engineer's queue, beside createTask (human) → the task in the queue
// plus memory (VmRSS) of codevf-agent before and during an AI session and of the AI agent process.
// The queue is polled every 2 ms, which bounds the queue figures' resolution.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { routes } from '../../protocol/backend/index.js';
import { AiStateNote, HandoffNote } from '../../protocol/index.js';
import { Escalate } from '../../protocol/methods/ai.js';
import { CreateTask, EndSession } from '../../protocol/methods/session.js';
import { scriptedAiBin, startAiWorld, type AiWorld } from '../ai/world.js';
import { api } from '../helpers/sandbox.js';

const RUNS = Number(process.env.RUNS ?? 5);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const childrenOf = (pid: number) => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
  try { return Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid; } catch { return false; }
});

async function inQueue(w: AiWorld, taskId: string, handedOff: boolean): Promise<void> {
  for (;;) {
    const q = await api(w.sb.url, 'GET', routes.engineer.openTasks.path(), { token: w.sb.engineerToken });
    if (q.body.tasks.some((t: any) => t.taskId === taskId && (!handedOff || t.handedOffAt))) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The scripted ACP agent alone: spawn, initialize answered. */
async function bareInitialize(bin: string): Promise<number> {
  const t = performance.now();
  const p = spawn(process.execPath, [bin], { stdio: ['pipe', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => {
    p.stdout.on('data', (d) => { if (String(d).includes('"id":1')) resolve(); });
    p.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: 1, clientCapabilities: {} } }) + '\n');
  });
  const ms = performance.now() - t;
  p.kill();
  return ms;
}

const bin = await scriptedAiBin();
const w = await startAiWorld({ steps: [{ say: 'Hi.' }, { end: 'end_turn' }], sandboxArgs: ['--ai-daily-sessions', '1000'] });
const f = { start: [] as number[], bare: [] as number[], handoff: [] as number[], note: [] as number[], human: [] as number[] };
let mem = { before: rss(w.agent.proc.pid!), during: 0, ai: 0, after: 0 };
try {
  await bareInitialize(bin); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    f.bare.push(await bareInitialize(bin));
    let t = performance.now();
    const h = await w.agent.request(CreateTask, { description: `human ${i}`, mode: 'human' });
    await inQueue(w, h.taskId, false);
    f.human.push(performance.now() - t);
    await w.agent.request(EndSession, { taskId: h.taskId });
    t = performance.now();
    const a = await w.agent.request(CreateTask, { description: `ai ${i}`, mode: 'hybrid' });
    await w.agent.waitFor(AiStateNote, (s) => s.taskId === a.taskId && s.state === 'ready' && s.detail === 'end_turn', 60_000);
    f.start.push(performance.now() - t);
    if (i === 0) {
      mem.during = rss(w.agent.proc.pid!);
      mem.ai = childrenOf(w.agent.proc.pid!).map(rss).reduce((x, y) => x + y, 0);
    }
    t = performance.now();
    await w.agent.request(Escalate, { taskId: a.taskId });
    await w.agent.waitFor(HandoffNote, (n) => n.taskId === a.taskId, 30_000);
    f.note.push(performance.now() - t);
    await inQueue(w, a.taskId, true);
    f.handoff.push(performance.now() - t);
    await w.agent.request(EndSession, { taskId: a.taskId });
  }
  mem.after = rss(w.agent.proc.pid!);
} finally { await w.cleanup(); }

const ms = (a: number[]) => `${median(a).toFixed(1)} ms`;
console.log(`bench:ai, ${RUNS} rounds, medians; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`  AI startup, createTask(hybrid) → ready (incl. the first turn "Hi."): ${ms(f.start)}`);
console.log(`    baseline: the scripted ACP agent alone, spawn → initialize answered:  ${ms(f.bare)}  ratio ${(median(f.start) / median(f.bare)).toFixed(2)}`);
console.log(`  hand-off, escalate → handoff notification:                          ${ms(f.note)}`);
console.log(`  hand-off, escalate → task in the engineer's queue:                  ${ms(f.handoff)}`);
console.log(`    baseline: createTask(human) → task in the queue:                 ${ms(f.human)}  ratio ${(median(f.handoff) / median(f.human)).toFixed(2)}`);
console.log(`  memory (VmRSS): codevf-agent ${mem.before.toFixed(1)} MiB before, ${mem.during.toFixed(1)} MiB during the first AI session, `
  + `${mem.after.toFixed(1)} MiB after ${RUNS} sessions; the AI agent process (node + SDK) ${mem.ai.toFixed(1)} MiB`);
