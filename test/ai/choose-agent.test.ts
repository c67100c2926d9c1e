// Which AI agent runs is decided from the user's table by the project's allowedTools name: a name that is an
// Object.prototype key (constructor, toString, __proto__) from a cloned config must be unknown, never a "command".
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseAiAgent } from '../../agent/ai/tools.js';

test('a prototype key as the AI tool name is an unknown tool (ai_tool_unknown), not Object.prototype', async () => {
  const home = await mkdtemp(join(tmpdir(), 'cvf-choose-'));
  try {
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      const e = await chooseAiAgent(name, [name], env).then(() => null, (err: { data?: { reason?: string } }) => err);
      assert.is(e?.data?.reason, 'ai_tool_unknown', name);
    }
    assert.is((await chooseAiAgent('opencode', ['opencode'], env)).name, 'opencode');
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test.run();
