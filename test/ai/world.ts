// An AI or hybrid session through real processes: the sandbox, the agent over pipes (a front end that
// answers approvals), a project folder allowing the `scripted` AI tool, and the scripted ACP agent
// (test/fixtures/scripted-ai.ts, bundled once with esbuild) as the AI, registered in the user's ai-agents.json.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routes } from '../../protocol/backend/index.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { startAgent, type Agent } from '../session/harness.js';

let bundled: Promise<string> | undefined;
/** The scripted AI as one .mjs file (the SDK inside), so it starts like any installed ACP agent. */
export function scriptedAiBin(): Promise<string> {
  return (bundled ??= (async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'cvf-ai-bin-')), 'scripted-ai.mjs');
    await build({ entryPoints: [join(import.meta.dirname, '../fixtures/scripted-ai.ts')], bundle: true, platform: 'node', format: 'esm',
      target: 'node20', outfile: out, logLevel: 'warning' });
    return out;
  })());
}

export interface AiWorld {
  sb: Sandbox;
  dir: string;
  home: string;
  agent: Agent;
  aiLog: string;
  /** What the scripted AI recorded (JSON lines), parsed. */
  aiSaw(): Promise<any[]>;
  cleanup(): Promise<void>;
}

export interface AiSetup {
  steps?: unknown[];
  sandboxArgs?: string[];
  allowedTools?: string[];
  config?: Record<string, unknown>;
  args?: string[];
  files?: Record<string, string>;
}

export async function startAiWorld(o: AiSetup = {}): Promise<AiWorld> {
  const sb = await startSandbox({ args: o.sandboxArgs });
  const base = await mkdtemp(join(tmpdir(), 'cvf-ai-'));
  const dir = join(base, 'proj');
  const home = join(base, 'home');
  const aiLog = join(base, 'ai.log');
  const files = { 'src/app.js': 'export const key = "AKIAIOSFODNN7EXAMPLE";\nexport const ok = false;\n', '.env': 'SECRET=hunter2hunter2\n', ...o.files };
  for (const [p, c] of Object.entries(files)) {
    await mkdir(join(dir, p, '..'), { recursive: true });
    await writeFile(join(dir, p), c);
  }
  await writeFile(join(base, 'outside.txt'), 'outside the project\n');
  const proj = await api(sb.url, 'POST', routes.projects.init.path(), { token: sb.customerToken,
    body: { name: 'ai-test', type: 'node', allowedAiTools: o.allowedTools ?? ['scripted'] } });
  if (proj.status !== 200) throw new Error(`project init failed: ${JSON.stringify(proj.body)}`);
  await mkdir(join(dir, '.codevf'), { recursive: true });
  await writeFile(join(dir, '.codevf/config.json'), JSON.stringify({ projectId: proj.body.projectId, allowedTools: o.allowedTools ?? ['scripted'],
    testCommand: null, buildCommand: null, repoUploaded: false, branchMode: 'any', createdAt: new Date().toISOString(), version: '1', ...o.config }));
  await mkdir(join(home, '.config/codevf'), { recursive: true });
  await writeFile(join(home, '.config/codevf/ai-agents.json'), JSON.stringify({ agents: {
    scripted: { command: process.execPath, args: [await scriptedAiBin()], title: 'Scripted AI',
      env: { CVF_AI_LOG: aiLog, ...(o.steps ? { CVF_AI_STEPS: JSON.stringify(o.steps) } : {}) } },
  } }));
  const agent = await startAgent(sb, dir, home, { args: o.args });
  return {
    sb, dir, home, agent, aiLog,
    async aiSaw() {
      if (!existsSync(aiLog)) return [];
      return (await readFile(aiLog, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    },
    async cleanup() {
      await agent.close().catch(() => {});
      await sb.stop().catch(() => {});
      await rm(base, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 }); // a killed agent may still be flushing
    },
  };
}
