// Floods and delivery: at most CODEVF_MAX_PENDING open requests (more refused at once, the engineer told why),
// every open one denied in one answer, session.json not rewritten per request, a backend refusal of a
// decision reaching the front end, and the agent's own echoes not processed again.
import { watch } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import { requestIdOf } from '../helpers/engineer.js';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { ApproveCommand, CommandFinished, DeliveryFailed, DenyAllRequests, ListPendingRequests, RequestCommandNote, RequestResolved } from '../../protocol/methods/session.js';
import { api } from '../helpers/sandbox.js';
import { noWebSocketProxy } from './no-ws-proxy.js';
import { startWorld } from './harness.js';

/** Bursts of requests: the backend's per-task request rate is not what these tests are about. */
const BURST = ['--requests-per-minute', '100000', '--open-requests', '100000'];

test('more than 5 open requests are refused at once as too_many_pending; denyAllRequests denies every open one', async () => {
  const w = await startWorld({ sandboxArgs: BURST });
  try {
    await writeFile(join(w.dir, 'a.txt'), 'a\n');
    await w.engineerJoins();
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(i % 2 ? await w.eng.requestFile('a.txt', `read ${i}`) : await w.eng.requestCommand(`echo ${i}`, `run ${i}`));
    for (const id of ids.slice(5)) {
      const r = await w.agent.waitFor(RequestResolved, (p) => p.requestId === id);
      assert.equal([r.decision, r.decidedBy], ['deny', 'agent']);
      w.eng.socket!.cursor = 0;
      const d = await w.eng.waitFor(ids.indexOf(id) % 2 ? 'file_decision' : 'command_decision', (e) => e.payload.requestId === id);
      assert.equal([d.payload.decision, d.payload.decidedBy], ['deny', 'agent']);
      assert.match(d.payload.reason ?? '', /^refused by the customer's agent: 5 requests are already waiting/);
    }
    const open = (await w.agent.request(ListPendingRequests, {})).requests.map((r) => r.requestId);
    assert.equal(open, ids.slice(0, 5));
    const { denied } = await w.agent.request(DenyAllRequests, { taskId: w.taskId });
    assert.equal(denied, ids.slice(0, 5));
    assert.is((await w.agent.request(ListPendingRequests, {})).requests.length, 0);
    for (const id of denied) {
      const r = await w.agent.waitFor(RequestResolved, (p) => p.requestId === id);
      assert.equal([r.decision, r.decidedBy], ['deny', 'customer']);
    }
    // Room again: the next request is asked, not refused.
    const next = await w.eng.requestCommand('echo again', 'after the flood');
    const asked = await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === next);
    assert.is(asked.refused, null);
  } finally {
    await w.cleanup();
  }
});

test('a burst of 300 requests does not rewrite session.json per request', async () => {
  const w = await startWorld({ sandboxArgs: BURST });
  try {
    await w.engineerJoins();
    let writes = 0;
    // The store writes a temp file and renames it over session.json: one rename event per write.
    const watcher = watch(join(w.dir, '.codevf'), (_e, name) => { if (name === 'session.json') writes++; });
    const N = 300;
    const acks = [];
    for (let i = 0; i < N; i++) acks.push(w.eng.socket!.send('request_command', { command: `echo ${i}`, reason: 'flood' }));
    const last = requestIdOf((await Promise.all(acks)).at(-1)!);
    await w.agent.waitFor(RequestResolved, (p) => p.requestId === last, 60_000);
    await w.agent.request(DenyAllRequests, {});
    watcher.close();
    assert.ok(writes > 0, 'session.json was written');
    assert.ok(writes < N / 4, `${writes} writes for ${N} requests`);
  } finally {
    await w.cleanup();
  }
});

test('a decision the backend refuses (already answered elsewhere) reaches the front end as delivery_failed', async () => {
  let proxy!: Awaited<ReturnType<typeof noWebSocketProxy>>;
  const w = await startWorld({ sandboxArgs: BURST, env: { CODEVF_BACKOFF_BASE_MS: '50', CODEVF_BACKOFF_MAX_MS: '200' },
    front: async (sb) => (proxy = await noWebSocketProxy(sb.url, false)) });
  try {
    await w.engineerJoins();
    const id = await w.eng.requestCommand('echo hi', 'answered twice');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    proxy.state.hold(); // the agent no longer hears of the other answer
    const other = await api(w.sb.url, 'POST', routes.tasks.approveCommand.path(w.taskId), { token: w.sb.customerToken,
      headers: { 'idempotency-key': 'elsewhere-1' }, body: { requestId: id, decision: 'deny', reason: 'from another device' } });
    assert.is(other.status, 200, JSON.stringify(other.body));
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'deny' });
    const failed = await w.agent.waitFor(DeliveryFailed, (p) => p.requestId === id);
    assert.equal([failed.route, failed.reason], ['approveCommand', 'request_already_answered']);
  } finally {
    await w.cleanup();
    await proxy?.close();
  }
});

test('the backend echo of the agent\'s own output is not processed again nor saved per chunk', async () => {
  const w = await startWorld({ sandboxArgs: BURST });
  try {
    await w.engineerJoins();
    // About 48 chunks of 64 KiB go to the backend, and each comes back on the stream as a command_output event.
    const id = await w.eng.requestCommand("yes 'some build output 0123456789' | head -c 3000000", 'lots of output');
    await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
    let writes = 0;
    const watcher = watch(join(w.dir, '.codevf'), (_e, name) => { if (name === 'session.json') writes++; });
    await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' });
    await w.agent.waitFor(CommandFinished, (p) => p.requestId === id);
    w.eng.socket!.cursor = 0;
    await w.eng.waitFor('command_result', (e) => e.payload.requestId === id);
    const chunks = w.eng.socket!.events.filter((e) => e.type === 'command_output' && e.payload.requestId === id).length;
    await w.agent.request(ListPendingRequests, {}); // a round trip: the echoes have reached the agent by now
    watcher.close();
    assert.ok(chunks >= 40, `${chunks} chunks`);
    assert.ok(writes < chunks / 3, `${writes} writes of session.json for ${chunks} echoed chunks`);
    // None of the echoes became a second notification.
    const text = w.agent.notes.filter((n) => n.method === 'command_output' && n.params.requestId === id).map((n) => n.params.data).join('');
    assert.is(text.length, 3000000);
    assert.is(w.agent.notes.filter((n) => n.method === 'command_finished' && n.params.requestId === id).length, 1);
  } finally {
    await w.cleanup();
  }
});

test.run();
