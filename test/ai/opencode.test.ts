// Opt-in, never in CI: a real ACP agent, OpenCode (npm `opencode-ai`, not a dependency of this project),
// as the AI of a hybrid task. Set CVF_OPENCODE to its binary to run it; without it this file registers no
// test. Shows codevf-agent completing ACP initialize and session/new with it, and that the first prompt
// turn, failing because no model is reachable from this machine, hands the task off cleanly.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { routes } from '../../protocol/backend/index.js';
import { CreateTask } from '../../protocol/methods/session.js';
import { api } from '../helpers/sandbox.js';
import { startAiWorld } from './world.js';
import { AiStateNote, HandoffNote } from '../../protocol/index.js';

const bin = process.env.CVF_OPENCODE;
const test = suite('ai: a real ACP agent (OpenCode), opt-in');

if (bin) {
  test('OpenCode: initialize and session/new complete; the failed first turn hands off with the transcript', async () => {
    const w = await startAiWorld({ allowedTools: ['opencode'] });
    try {
      // OpenCode's start-up fetches (model list, plugins, updates) are turned off: nothing leaves this machine.
      await writeFile(join(w.home, '.config/codevf/ai-agents.json'), JSON.stringify({ agents: { opencode: { command: bin, args: ['acp'],
        env: { OPENCODE_DISABLE_MODELS_FETCH: 'true', OPENCODE_DISABLE_DEFAULT_PLUGINS: 'true', OPENCODE_DISABLE_AUTOUPDATE: 'true',
          OPENCODE_DISABLE_LSP_DOWNLOAD: 'true' } } } }));
      const t = await w.agent.request(CreateTask, { description: 'the build fails', mode: 'hybrid', aiTool: 'opencode' });
      assert.equal([t.mode, t.aiTool], ['hybrid', 'opencode']);
      await w.agent.waitFor(AiStateNote, (s) => s.state === 'ready', 300_000);
      const h = await w.agent.waitFor(HandoffNote, () => true, 600_000);
      process.stderr.write(`opencode hand-off: ${h.reason}: ${h.detail}\n`);
      assert.ok(['ai_failed', 'ai_exited', 'ai_refused', 'ai_out_of_budget'].includes(h.reason), h.reason);
      const queue = await api(w.sb.url, 'GET', routes.engineer.openTasks.path(), { token: w.sb.engineerToken });
      assert.ok(queue.body.tasks.some((x: any) => x.taskId === t.taskId && x.handedOffAt));
    } finally { await w.cleanup(); }
  });
}

test.run();
