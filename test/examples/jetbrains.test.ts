// The JDK-only Java client (examples/jetbrains/java) compiled with javac and run against the real agent and
// sandbox with a scripted engineer: a message each way and one command request answered on its stdin.
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGENT_BIN, withTimeout } from '../helpers/agent.js';
import { ScriptedEngineer } from '../helpers/engineer.js';
import { tempEnv } from '../helpers/env.js';
import { startSandbox } from '../helpers/sandbox.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'examples/jetbrains/java');

async function javaSources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.java')).map((e) => join(e.parentPath, e.name));
}

/** Collects stdout and resolves `waitLine` when a line matches. */
function lineReader(proc: ChildProcessWithoutNullStreams, stderr: () => string) {
  let out = '';
  const waiters = new Set<() => void>();
  proc.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; for (const w of [...waiters]) w(); });
  return {
    output: () => out,
    waitLine(re: RegExp, what: string): Promise<RegExpMatchArray> {
      return withTimeout(new Promise((res) => {
        const check = () => { const m = out.match(re); if (m) { waiters.delete(check); res(m); } };
        waiters.add(check);
        check();
      }), 20_000, `${what}; java stdout:\n${out}\nstderr:\n${stderr()}`);
    },
  };
}

test('the Java client compiles with javac and runs a live session: a message each way and a command answered on stdin', async () => {
  const javac = (() => { try { execFileSync('javac', ['-version'], { stdio: 'pipe' }); return true; } catch { return false; } })();
  assert.ok(javac, 'javac (JDK 17) is needed for this test: apt-get install openjdk-17-jdk-headless');
  const out = await mkdtemp(join(tmpdir(), 'cvf-java-out-'));
  execFileSync('javac', ['--release', '17', '-Xlint:all', '-Werror', '-d', out, ...await javaSources(SRC)], { stdio: 'pipe' });

  const sb = await startSandbox();
  const dir = await mkdtemp(join(tmpdir(), 'cvf-java-proj-'));
  const home = tempEnv(sb.url, { CODEVF_TOKEN: sb.customerToken });
  const eng = new ScriptedEngineer(sb.url, sb.engineerToken);
  let stderr = '';
  const java = spawn('java', ['-cp', out, 'dev.codevf.client.CodevfClient', '--schemas', join(ROOT, 'schemas/methods.json'),
    '--cwd', dir, '--description', 'the build fails', '--', process.execPath, AGENT_BIN],
  { env: { ...process.env, ...home.env }, stdio: 'pipe' });
  java.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((r) => java.on('exit', (code) => r(code)));
  const lines = lineReader(java, () => stderr);
  try {
    const [, taskId] = await lines.waitLine(/^task: (\S+)$/m, 'the task id');
    await eng.claim(taskId);
    await eng.connect(taskId);

    await eng.say('Hi, which command fails?');
    await lines.waitLine(/^engineer: Hi, which command fails\?$/m, 'the engineer message');
    java.stdin.write('npm run build, since this morning\n');
    const seen = await eng.waitFor('customer_message');
    assert.is(seen.payload.text, 'npm run build, since this morning');

    const requestId = await eng.requestCommand('echo java-client-ok', 'see it run');
    const [prompt] = await lines.waitLine(new RegExp(`request ${requestId}: run \`echo java-client-ok\`[\\s\\S]*allow\\? .*:`), 'the command prompt');
    assert.ok(prompt.includes(`in ${dir}`), prompt);
    assert.ok(prompt.includes('reason: see it run'), prompt);
    java.stdin.write('y\n');
    const result = await eng.waitFor('command_result', (e) => e.payload.requestId === requestId, 20_000);
    assert.is(result.payload.exitCode, 0);
    await lines.waitLine(/^java-client-ok$/m, 'the command output');
    await lines.waitLine(new RegExp(`command ${requestId} finished: exit 0`), 'the exit code');

    java.stdin.write('/quit\n');
    await lines.waitLine(/session ended: \d+ min/, 'the session summary');
    assert.is(await withTimeout(exited, 20_000, 'the Java client to exit'), 0);
  } finally {
    java.kill('SIGKILL');
    await eng.close().catch(() => {});
    await sb.stop().catch(() => {});
    home.cleanup();
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
});

test('the Java client handles every request kind in schemas/kinds.json, and --check-kinds names one it does not', async () => {
  const out = await mkdtemp(join(tmpdir(), 'cvf-java-kinds-'));
  const schemas = await mkdtemp(join(tmpdir(), 'cvf-java-schemas-'));
  try {
    execFileSync('javac', ['--release', '17', '-Xlint:all', '-Werror', '-d', out, ...await javaSources(SRC)], { stdio: 'pipe' });
    const check = (dir: string) => spawnSync('java', ['-cp', out, 'dev.codevf.client.CodevfClient', '--schemas', join(dir, 'methods.json'), '--check-kinds'], { encoding: 'utf8' });
    const real = check(join(ROOT, 'schemas'));
    assert.is(real.status, 0, real.stdout + real.stderr);
    assert.match(real.stdout, /all request kinds handled: \[command, file, screenshare, write\]/);
    // A kind added to the protocol (here a made-up `delete`) fails until the client handles it.
    const kinds = JSON.parse(await readFile(join(ROOT, 'schemas/kinds.json'), 'utf8'));
    kinds.kinds.delete = { ...kinds.kinds.file, notificationType: 'RequestDelete', answer: 'approveDelete' };
    await writeFile(join(schemas, 'kinds.json'), JSON.stringify(kinds));
    await copyFile(join(ROOT, 'schemas/methods.json'), join(schemas, 'methods.json'));
    const extra = check(schemas);
    assert.is(extra.status, 1, extra.stdout + extra.stderr);
    assert.match(extra.stdout, /unhandled request kinds: \[delete\]/);
  } finally {
    await rm(out, { recursive: true, force: true });
    await rm(schemas, { recursive: true, force: true });
  }
});

test.run();
