// CI: the protocol, snapshot, session and CLI suites again under Node 22 and 24. The binaries come from the
// npm registry (node-<platform>-<arch>, the packages the `node` package installs), cached in .ci-cache/.
// The sandbox keeps this Node: its better-sqlite3 was built for it. Ends with "N passed, N failed".
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const majors = (process.env.CODEVF_NODE_MAJORS ?? '22 24').split(/\s+/).filter(Boolean);
// A test file that opens the sandbox's SQLite file in the test process itself stays with the main run:
// better-sqlite3 is built for the Node of `npm ci` only. Such files are found by their import.
const sqliteFiles = readdirSync('test', { recursive: true }).map(String).filter((f) => f.endsWith('.test.ts'))
  .filter((f) => /(from\s*|import\(\s*)['"]better-sqlite3['"]/.test(readFileSync(join('test', f), 'utf8'))).map((f) => f.replace(/\\/g, '/'));
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pattern = process.env.CODEVF_NODE_PATTERN
  ?? `^(?!(${sqliteFiles.map(escape).join('|') || '$^'})$)((rpc|snapshot|session|agent|project|install)/|schemas|cli-basics)`;
const cache = resolve('.ci-cache');
const pkg = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
const exe = process.platform === 'win32' ? 'node.exe' : join('bin', 'node');

function nodeBinary(major) {
  const dir = join(cache, `node-${major}`);
  if (!existsSync(join(dir, exe))) {
    mkdirSync(dir, { recursive: true });
    const tgz = execFileSync('npm', ['pack', `${pkg}@${major}`, '--silent', '--pack-destination', cache], { encoding: 'utf8' }).trim().split('\n').pop();
    execFileSync('tar', ['xzf', join(cache, tgz), '-C', dir, '--strip-components=1']);
    rmSync(join(cache, tgz));
  }
  return join(dir, exe);
}

let passed = 0;
let failed = 0;
for (const major of majors) {
  const node = nodeBinary(major);
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`\n== Node ${version} (${pkg}@${major} from the npm registry): ${pattern}`);
  const env = { ...process.env, PATH: `${join(node, '..')}${delimiter}${process.env.PATH}`, CODEVF_TEST_SANDBOX_NODE: process.execPath };
  const r = spawnSync(node, ['scripts/test.mjs', pattern], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 << 20 });
  process.stdout.write(r.stdout);
  const m = /(\d+) passed, (\d+) failed[^\n]*\n?$/.exec(r.stdout ?? '');
  if (!m) { console.log(`FAILED: Node ${version}: no summary`); failed++; continue; }
  passed += Number(m[1]);
  failed += Number(m[2]);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
