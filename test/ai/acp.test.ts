// An editor hosting CodeVF over ACP (`codevf-agent --acp`, driven by the official SDK's client) gets the AI
// then a human in one chat: the AI's words labelled as the AI's, its write shown as an ACP diff in the
// permission prompt, and the hand-off said in the chat. The project's mode (hybrid) applies.
import * as acp from '@agentclientprotocol/sdk';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnAgentProcess, withTimeout } from '../helpers/agent.js';
import { textOf } from '../acp/harness.js';
import { startAiWorld } from './world.js';

test('ACP: AI first (labelled), its write as an ACP diff, allowed and written, then the hand-off in the same chat', async () => {
  const w = await startAiWorld({ config: { mode: 'hybrid' },
    steps: [{ say: 'Hello from the AI.' }, { write: 'src/app.js', content: 'export const fixed = true;\n' }, { say: 'Done; I give up now.' }, { end: 'refusal' }] });
  await w.agent.close(); // this test drives its own agent, in ACP mode
  const child = spawnAgentProcess(['--acp'], { CODEVF_HOST: w.sb.url, CODEVF_TOKEN: w.sb.customerToken, HOME: w.home,
    XDG_CONFIG_HOME: join(w.home, '.config'), CODEVF_ACP_QUIET_MS: '300' }, w.dir);
  const updates: acp.SessionUpdate[] = [];
  const permissions: acp.RequestPermissionRequest[] = [];
  const app = acp.client({ name: 'acp-ai-test' })
    .onNotification('session/update', ({ params }) => { updates.push(params.update); })
    .onRequest('session/request_permission', ({ params }) => {
      permissions.push(params);
      const allow = params.options.find((o) => o.kind === 'allow_once')!;
      return { outcome: { outcome: 'selected', optionId: allow.optionId } };
    });
  const conn = app.connect(acp.ndJsonStream(Writable.toWeb(child.proc.stdin) as WritableStream<Uint8Array>, Readable.toWeb(child.proc.stdout) as ReadableStream<Uint8Array>));
  const said = () => updates.filter((u) => u.sessionUpdate === 'agent_message_chunk').map(textOf).join('');
  const until = (ok: () => boolean, what: string) => withTimeout((async () => { while (!ok()) await new Promise((r) => setTimeout(r, 50)); })(), 30_000, `${what}; chat: ${said()}\n${child.stderr()}`);
  try {
    await conn.agent.request('initialize', { protocolVersion: acp.PROTOCOL_VERSION, clientCapabilities: {}, clientInfo: { name: 'zed-like', version: '1' } });
    await conn.agent.request('session/new', { cwd: w.dir, mcpServers: [] });
    await until(() => said().includes('Handed over to a human engineer'), 'the hand-off in the chat');
    assert.match(said(), '[AI · Scripted AI] Hello from the AI.');
    const p = permissions.find((x) => x.toolCall.kind === 'edit')!;
    assert.ok(p, 'the write was put to the person');
    const diff = p.toolCall.content!.find((c) => c.type === 'diff') as { path: string; oldText: string; newText: string };
    assert.equal([diff.path.endsWith('/src/app.js'), diff.newText], [true, 'export const fixed = true;\n']);
    assert.match(diff.oldText, 'AKIAIOSFODNN7EXAMPLE', 'the customer sees their own file');
    assert.is(await readFile(join(w.dir, 'src/app.js'), 'utf8'), 'export const fixed = true;\n');
    assert.match(said(), 'Handed over to a human engineer (ai refused)');
  } finally {
    conn.close();
    child.proc.stdin.end();
    await withTimeout(child.exited, 5000, 'agent exit').catch(() => child.proc.kill('SIGKILL'));
    await w.cleanup();
  }
});

test.run();
