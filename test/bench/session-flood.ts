// bench:session, flood part: an engineer sends 10,000 command requests in one burst. Reports the agent's peak
// RSS (goal: under 150 MiB), how many requests were asked and refused, how often session.json was written,
// and how long until the last one was settled. Run alone with BENCH_PART=flood.
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DenyAllRequests } from '../../protocol/methods/session.js';
import { requestIdOf } from '../helpers/engineer.js';
import { startWorld } from '../session/harness.js';

const MiB = 1024 * 1024;

async function status(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number | null> {
  try { return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) * 1024; } catch { return null; }
}

export async function floodBench(n = Number(process.env.BENCH_FLOOD ?? 10_000)): Promise<void> {
  // The backend's per-task request rate and per-socket frame rate would refuse most of the burst; raised, so
  // the agent is what is measured.
  const w = await startWorld({ sandboxArgs: ['--requests-per-minute', '1000000', '--open-requests', '1000000', '--frames-per-second', '1000000'] });
  try {
    await w.engineerJoins();
    const pid = w.agent.proc.pid!;
    const before = await status(pid, 'VmHWM');
    let writes = 0;
    const watcher = watch(join(w.dir, '.codevf'), (_e, name) => { if (name === 'session.json') writes++; });
    // The front end's record of notifications is not what is measured: keep only the counts.
    let asked = 0;
    let refused = 0;
    let resolved = 0;
    let lastId = '';
    let done!: () => void;
    const allResolved = new Promise<void>((r) => { done = r; });
    const drain = setInterval(() => {
      for (const note of w.agent.notes.splice(0)) {
        if (note.method === 'request_command') (note.params.refused ? refused++ : asked++);
        if (note.method === 'request_resolved' && (++resolved, note.params.requestId === lastId)) done();
      }
    }, 20);
    const t = performance.now();
    const acks = [];
    for (let i = 0; i < n; i++) acks.push(w.eng.socket!.send('request_command', { command: `echo flood ${i}`, reason: 'flood' }));
    lastId = requestIdOf((await Promise.all(acks)).at(-1)!);
    const sent = performance.now() - t;
    await allResolved;
    const settled = performance.now() - t;
    clearInterval(drain);
    const peak = await status(pid, 'VmHWM');
    const { denied } = await w.agent.request(DenyAllRequests, {});
    watcher.close();
    console.log(`bench:session flood (${n} command requests in one burst from the engineer)`);
    console.log(`  sent in ${(sent / 1000).toFixed(1)} s; the last one settled after ${(settled / 1000).toFixed(1)} s`);
    console.log(`  asked ${asked}, refused at once ${refused} (too_many_pending), then ${denied.length} denied with one denyAllRequests`);
    console.log(`  session.json written ${writes} times for ${n} requests`);
    if (before !== null && peak !== null) {
      console.log(`  agent peak RSS: ${(before / MiB).toFixed(0)} MiB before, ${(peak / MiB).toFixed(0)} MiB after the flood (goal < 150 MiB)`);
    }
  } finally {
    await w.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await floodBench();
