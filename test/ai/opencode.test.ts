// A real ACP agent: OpenCode (npm `opencode-ai`, not a dependency of this project) as the AI of a hybrid task.
// The package is installed from the npm registry (nothing else) into a cache folder, once per version
// (CVF_OPENCODE_VERSION, default below; CVF_OPENCODE=<binary> uses one you have). Shows codevf-agent
// completing ACP initialize and session/new with it, and that the first prompt turn — failing because no
// model is reachable (its provider points at a loopback server that answers every request 401, so it fails
// at once instead of retrying for a minute as it does a closed port or a 404; its model list, plugins, updates and LSP
// downloads are off, so it contacts nothing outside this machine) — hands the task off to the human queue. Skipped, saying why, only when the npm registry cannot be reached.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_AI_AGENTS } from '../../agent/ai/tools.js';
import { routes } from '../../protocol/backend/index.js';
import { AiStateNote, HandoffNote } from '../../protocol/index.js';
import { CreateTask } from '../../protocol/methods/session.js';
import { api } from '../helpers/sandbox.js';
import { startAiWorld } from './world.js';

const run = promisify(execFile);
const VERSION = process.env.CVF_OPENCODE_VERSION ?? '1.18.33';
const CACHE = join(process.env.CVF_TEST_CACHE ?? join(tmpdir(), 'cvf-test-cache'), `opencode-ai-${VERSION}`);
const PLATFORM = ({ linux: 'linux', darwin: 'darwin', win32: 'windows' } as Record<string, string>)[process.platform] ?? process.platform;

/** The platform binary inside an install (opencode-ai's own bin is a stub its postinstall replaces; scripts are not run). */
function binaryIn(prefix: string): string | null {
  for (const v of ['', '-baseline']) {
    const b = join(prefix, 'node_modules', `opencode-${PLATFORM}-${process.arch}${v}`, 'bin', process.platform === 'win32' ? 'opencode.exe' : 'opencode');
    if (existsSync(b)) return b;
  }
  return null;
}

/** The binary, installed from the npm registry into the cache if it is not there yet; or why it cannot be. */
async function opencode(): Promise<{ bin: string } | { skip: string }> {
  if (process.env.CVF_OPENCODE) return { bin: process.env.CVF_OPENCODE };
  const cached = binaryIn(CACHE);
  if (cached) return { bin: cached };
  try {
    await run('npm', ['view', `opencode-ai@${VERSION}`, 'version'], { timeout: 60_000 });
  } catch (e) {
    return { skip: `the npm registry cannot be reached (npm view opencode-ai@${VERSION}: ${String((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').at(-1)})` };
  }
  const tmp = await mkdtemp(`${CACHE}.tmp-`).catch(async () => { await mkdir(join(CACHE, '..'), { recursive: true }); return mkdtemp(`${CACHE}.tmp-`); });
  const t0 = Date.now();
  await run('npm', ['install', '--prefix', tmp, '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', '--no-package-lock', `opencode-ai@${VERSION}`],
    { timeout: 300_000 });
  process.stderr.write(`opencode-ai@${VERSION} installed from the npm registry in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  // Another run may have filled the cache meanwhile: keep the first, drop ours.
  await rename(tmp, CACHE).catch(() => rm(tmp, { recursive: true, force: true }));
  const bin = binaryIn(CACHE);
  return bin ? { bin } : { skip: `opencode-ai@${VERSION} has no binary for ${PLATFORM}-${process.arch}` };
}

/** Where the model "is": a loopback server with no model behind it (every request: 401, which OpenCode does not retry). */
async function noModel() {
  const asked: string[] = [];
  const s = createServer((req, res) => {
    asked.push(`${req.method} ${req.url}`);
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"no model here","type":"invalid_request_error"}}');
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}/v1`, asked, close: () => new Promise((r) => s.close(r)) };
}

const test = suite('ai: a real ACP agent (OpenCode from the npm registry)');
const got = await opencode();

if ('skip' in got) {
  process.stderr.write(`SKIPPED the OpenCode test: ${got.skip}\n`);
  test.skip('OpenCode: initialize and session/new complete; the failed first turn hands off', () => {});
} else {
  test('OpenCode: initialize and session/new complete; the failed first turn hands off with the transcript', async () => {
    const { stdout } = await run(got.bin, ['--version'], { timeout: 60_000 });
    process.stderr.write(`OpenCode ${stdout.trim()} (${got.bin})\n`);
    const w = await startAiWorld({ allowedTools: ['opencode'] });
    const server = await noModel();
    try {
      const model = { model: 'openai/gpt-4o', provider: { openai: { options: { baseURL: server.url, apiKey: 'none' } } } };
      await writeFile(join(w.home, '.config/codevf/ai-agents.json'), JSON.stringify({ agents: { opencode: { command: got.bin, args: ['acp'], title: 'OpenCode',
        env: { ...DEFAULT_AI_AGENTS.opencode.env, OPENCODE_CONFIG_CONTENT: JSON.stringify(model), OPENCODE_DISABLE_MODELS_FETCH: 'true',
          OPENCODE_DISABLE_DEFAULT_PLUGINS: 'true', OPENCODE_DISABLE_AUTOUPDATE: 'true', OPENCODE_DISABLE_LSP_DOWNLOAD: 'true' } } } }));
      const t0 = Date.now();
      const t = await w.agent.request(CreateTask, { description: 'the build fails', mode: 'hybrid', aiTool: 'opencode' });
      assert.equal([t.mode, t.aiTool], ['hybrid', 'opencode']);
      // `ready` follows initialize and session/new, both answered by OpenCode.
      await w.agent.waitFor(AiStateNote, (s) => s.state === 'ready', 120_000);
      const ready = Date.now();
      const h = await w.agent.waitFor(HandoffNote, () => true, 240_000);
      process.stderr.write(`OpenCode: ready after ${((ready - t0) / 1000).toFixed(1)} s; hand-off after ${((Date.now() - ready) / 1000).toFixed(1)} s more: ${h.reason}: ${h.detail}\n`);
      assert.equal([h.reason, h.aiTool], ['ai_failed', 'opencode']);
      assert.match(h.detail ?? '', 'OpenCode failed a turn');
      assert.ok(server.asked.length > 0, 'its model requests went to the loopback server');
      assert.equal(h.transcript[0], { type: 'message', from: 'customer', text: 'the build fails' });
      const queue = await api(w.sb.url, 'GET', routes.engineer.openTasks.path(), { token: w.sb.engineerToken });
      assert.ok(queue.body.tasks.some((x: any) => x.taskId === t.taskId && x.handedOffAt), 'in the human queue');
      const events = (await api(w.sb.url, 'GET', routes.tasks.events.path(t.taskId), { token: w.sb.customerToken })).body.events as any[];
      assert.equal(events.filter((e) => e.type === 'handoff').map((e) => e.payload.reason), ['ai_failed']);
    } finally { await w.cleanup(); await server.close(); }
  });
}

test.run();
