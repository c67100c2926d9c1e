// Tests run the bundled bins in dist/ (what users run). A test started on its own after an edit
// (`npx tsx test/x.test.ts`, uvu by hand) must not test an older build: rebuild when any source is newer.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = ['agent', 'rpc', 'protocol', 'platform', 'frontends', 'backend', 'scripts/build.mjs', 'scripts/merge-startup.mjs', 'package.json'];
const BINS = ['dist/codevf-agent.js', 'dist/codevf.js', 'dist/sandbox.js'];

function newest(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return /\.(ts|mts|js|mjs|json)$/.test(path) ? st.mtimeMs : 0;
  let m = 0;
  for (const e of readdirSync(path)) if (e !== 'node_modules' && e !== 'dist') m = Math.max(m, newest(join(path, e)));
  return m;
}

/** Rebuilds dist/ when a source file changed after the oldest bin was written (or a bin is missing). */
export function ensureFreshDist(): void {
  const built = Math.min(...BINS.map((b) => statSync(join(ROOT, b), { throwIfNoEntry: false })?.mtimeMs ?? 0));
  const changed = Math.max(...SOURCES.map((s) => newest(join(ROOT, s))));
  if (changed <= built) return;
  process.stderr.write('test: dist/ is older than the sources; rebuilding (node scripts/build.mjs)\n');
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('node scripts/build.mjs failed: the tests would run an old build');
}

ensureFreshDist();
