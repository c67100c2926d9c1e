// `npm test`: build, type-check, schema drift, then every uvu test. Ends with "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';

const only = process.argv.slice(2); // optional: one test file, or an uvu pattern (`npm test -- agent`)
let passed = 0;
let failed = 0;

function step(name, cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  const ok = r.status === 0;
  console.log(`${ok ? 'ok' : 'FAILED'}: ${name}`);
  ok ? passed++ : failed++;
  return ok;
}

step('build', process.execPath, ['scripts/build.mjs']);
if (!only.length) {
  step('type-check (tsc --noEmit)', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']);
  step('type-check the console browser script (DOM types)', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'backend/web/client/tsconfig.json', '--noEmit']);
  step('schemas are up to date', process.execPath, ['--import', 'tsx', 'scripts/gen-schemas.ts', '--check']);
}

// A file (`test/agent/cancel.test.ts`) runs exactly that file; anything else is an uvu pattern under test/.
const asFile = (arg) => existsSync(arg) && statSync(arg).isFile()
  ? `^${relative('test', arg).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` : arg;
const pattern = only.length ? asFile(only[0]) : '\\.test\\.ts$';
const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './test/setup.ts', 'node_modules/uvu/bin.js', 'test', pattern, '--no-color'],
  { encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024,
    timeout: 60 * 60 * 1000 }); // a test that leaks a child keeps uvu from exiting: fail within CI's time, with what was printed
process.stdout.write(r.stdout ?? '');
r.stdout = (r.stdout ?? '').replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(r.stdout ?? '')?.[1] ?? NaN);
const ok = Number(/Passed:\s+(\d+)/.exec(r.stdout ?? '')?.[1] ?? NaN);
const skipped = Number(/Skipped:\s+(\d+)/.exec(r.stdout ?? '')?.[1] ?? 0);
if (Number.isNaN(total) || Number.isNaN(ok)) {
  console.log('FAILED: the uvu run did not finish (no summary)');
  failed++;
} else {
  passed += ok;
  failed += total - ok; // uvu's Total already leaves skipped tests out
  if (r.status !== 0 && total === ok) failed++; // a crash outside any test still fails the run
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
