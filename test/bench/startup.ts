// bench:startup — wall time to useful output, side by side with `node -e ''`, interleaved, medians.
import { spawn } from 'node:child_process';
import module from 'node:module';
import { performance } from 'node:perf_hooks';
import { AGENT_BIN, TTY_BIN } from '../helpers/agent.js';

function timeRun(args: string[], stdin?: string, until?: (out: string) => boolean, env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const p = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, ...env } });
    let out = '';
    let done = false;
    const finish = () => { if (!done) { done = true; resolve(performance.now() - t); } };
    p.stdout.on('data', (c) => { out += c; if (until?.(out)) { finish(); p.kill(); } });
    p.on('exit', () => { if (!until) finish(); else if (!done) reject(new Error('exited before answering')); });
    if (stdin) p.stdin.write(stdin);
    if (!until) p.stdin.end();
  });
}

const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { clientInfo: { name: 'bench', version: '1' } } }) + '\n';
const cases: Array<[string, () => Promise<number>]> = [
  ["node -e ''", () => timeRun(['-e', ''])],
  ['codevf --version', () => timeRun([TTY_BIN, '--version'])],
  ['codevf --help', () => timeRun([TTY_BIN, '--help'])],
  ['codevf-agent answers initialize', () => timeRun([AGENT_BIN], init, (o) => o.includes('"id":1'))],
];
// Node >= 22.1 keeps V8's code cache of the agent's modules in ~/.cache/codevf (agent/compile-cache.ts): the same without it.
if ('enableCompileCache' in module) {
  cases.push(['codevf-agent answers initialize, no compile cache',
    () => timeRun([AGENT_BIN], init, (o) => o.includes('"id":1'), { CODEVF_NO_COMPILE_CACHE: '1' })]);
}
const runs = Number(process.env.RUNS ?? 21);
const times = new Map<string, number[]>(cases.map(([n]) => [n, []]));
for (const [, fn] of cases) await fn(); // warm the file cache
for (let i = 0; i < runs; i++) for (const [n, fn] of cases) times.get(n)!.push(await fn());
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const base = median(times.get("node -e ''")!);
console.log(`\nbench:startup (Node ${process.versions.node}, ${runs} interleaved runs, medians)\n`);
console.log('| command | median wall | ratio to node -e \'\' |');
console.log('|---|---|---|');
for (const [n] of cases) { const m = median(times.get(n)!); console.log(`| ${n} | ${m.toFixed(1)} ms | ${(m / base).toFixed(2)}x |`); }
