// bench:relay-ab — this build's agent against another (BENCH_AB=/path/to/other/dist/codevf-agent.js), in turns:
// each round runs `BENCH_PART=relay BENCH_CLIENTS=peer` bench:session once with each agent, alternating which
// goes first. These 2-CPU VMs drift by a quarter within minutes, so two builds measured minutes apart cannot be
// compared; runs interleaved in one sitting can. BENCH_AB_ROUNDS sets the rounds (6). Reports, asserts nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const other = process.env.BENCH_AB;
if (!other || !existsSync(other)) {
  console.error('BENCH_AB must name another build\'s codevf-agent.js (e.g. a copy of dist/ from another commit)');
  process.exit(2);
}
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 6);
const bench = fileURLToPath(new URL('./session.ts', import.meta.url));

interface Run { rate: number; ratio: number; mainCpu: number; startMs: number; warmRate: number }

/** One bench:session relay run with the given agent (empty: this build's); its figures, or null if it failed. */
function runOnce(bin: string): Run | null {
  const r = spawnSync(process.execPath, ['--liftoff-only', '--import', 'tsx', bench], {
    env: { ...process.env, BENCH_PART: 'relay', BENCH_CLIENTS: 'peer', CVF_AGENT_BIN: bin }, encoding: 'utf8', timeout: 600_000,
  });
  const out = `${r.stdout}`;
  const all = (re: RegExp) => [...out.matchAll(re)].map((m) => Number(m[1]));
  const rates = all(/: ([\d.]+) MB\/s \((?:all bytes|\d+ of \d+ bytes)\)/g);
  const ratios = all(/ratio ([\d.]+)x/g);
  const mains = all(/\n\s+its main thread ([\d.]+) s/g); // the agent's (the front end's line names itself)
  const starts = all(/approve -> first output ([\d.]+) ms/g);
  if (r.status !== 0 || rates.length < 2 || !ratios.length || !mains.length || !starts.length) {
    console.error(`a run failed (exit ${r.status}):\n${out.slice(-2000)}${`${r.stderr}`.slice(-2000)}`);
    return null;
  }
  return { rate: rates[0], ratio: ratios[0], mainCpu: mains[0], startMs: starts[0], warmRate: rates[1] };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => { const s = xs.slice().sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const builds = { this: '', other } as const;
const runs: Record<keyof typeof builds, Run[]> = { this: [], other: [] };
console.log(`bench:relay-ab: ${rounds} rounds, this build against ${other}`);
for (let i = 0; i < rounds; i++) {
  const order = (i % 2 ? ['other', 'this'] : ['this', 'other']) as Array<keyof typeof builds>;
  for (const name of order) {
    const r = runOnce(builds[name]);
    if (!r) continue;
    runs[name].push(r);
    console.log(`  round ${i + 1} ${name.padEnd(5)}: first 100 MB ${r.rate.toFixed(1)} MB/s (${r.ratio.toFixed(2)}x a bare pipe), agent main thread ${r.mainCpu.toFixed(2)} s, approve -> first output ${r.startMs.toFixed(0)} ms; next 100 MB ${r.warmRate.toFixed(1)} MB/s`);
  }
}
for (const name of ['this', 'other'] as const) {
  const rs = runs[name];
  if (!rs.length) { console.log(`  ${name}: no successful run`); continue; }
  const pick = (k: keyof Run) => rs.map((r) => r[k]);
  console.log(`  ${name.padEnd(5)} (${rs.length} runs): first 100 MB mean ${mean(pick('rate')).toFixed(1)}, median ${median(pick('rate')).toFixed(1)} MB/s; ` +
    `agent main thread mean ${mean(pick('mainCpu')).toFixed(3)} s; approve -> first output median ${median(pick('startMs')).toFixed(0)} ms; next 100 MB mean ${mean(pick('warmRate')).toFixed(1)} MB/s`);
}
