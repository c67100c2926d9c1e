// bench:signin — time to refuse a sign-in for a known email (wrong password) against an unknown email, on the
// real sandbox over loopback, interleaved, medians and their ratio (1.00x: the answer time does not tell
// whether an account exists). Limits are raised so every attempt reaches the password check.
import { performance } from 'node:perf_hooks';
import { routes } from '../../protocol/backend/index.js';
import { startSandbox } from '../helpers/sandbox.js';

const runs = Number(process.env.RUNS ?? 41);
const sb = await startSandbox({ args: ['--seed-extra', '--auth-rate-limit', '1000000', '--signin-free-failures', '1000000',
  '--signin-address-failures', '1000000'] });
const refuse = async (email: string) => {
  const t = performance.now();
  const r = await fetch(sb.url + routes.auth.signIn.path(), { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'not the password' }) });
  await r.arrayBuffer();
  if (r.status !== 401) throw new Error(`expected 401, got ${r.status}`);
  return performance.now() - t;
};
try {
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 3; i++) { await refuse('other@codevf.test'); await refuse(`warm-${i}@codevf.test`); }
  for (let i = 0; i < runs; i++) {
    known.push(await refuse('other@codevf.test'));
    unknown.push(await refuse(`nobody-${i}@codevf.test`));
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  const k = median(known);
  const u = median(unknown);
  console.log(`\nbench:signin (${runs} interleaved refusals each, medians)\n`);
  console.log('| email | median time to 401 |');
  console.log('|---|---|');
  console.log(`| known (wrong password) | ${k.toFixed(1)} ms |`);
  console.log(`| unknown | ${u.toFixed(1)} ms |`);
  console.log(`\nunknown / known: ${(u / k).toFixed(2)}x`);
} finally {
  await sb.stop();
}
