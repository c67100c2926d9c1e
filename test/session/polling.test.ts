import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SendMessage } from '../../protocol/methods/session.js';
import { startWorld } from './harness.js';
import { noWebSocketProxy } from './no-ws-proxy.js';
import { ConnectionState, EngineerMessageNote } from '../../protocol/index.js';

const ENV = { CODEVF_BACKOFF_BASE_MS: '20', CODEVF_BACKOFF_MAX_MS: '100', CODEVF_WS_FAILURES_BEFORE_POLL: '2',
  CODEVF_POLL_WAIT_SECONDS: '1', CODEVF_UPGRADE_EVERY_MS: '400' };

test('when WebSockets cannot connect the agent long-polls, then upgrades once they can', async () => {
  let proxy!: Awaited<ReturnType<typeof noWebSocketProxy>>;
  const w = await startWorld({ env: ENV, front: async (sb) => (proxy = await noWebSocketProxy(sb.url)) });
  try {
    await w.agent.waitFor(ConnectionState, (p) => p.state === 'polling');
    assert.ok(proxy.state.refused >= 2);
    await w.engineerJoins();
    for (const t of ['p1', 'p2', 'p3']) await w.eng.say(t);
    await w.agent.waitFor(EngineerMessageNote, (p) => p.text === 'p3');
    const sent = await w.agent.request(SendMessage, { taskId: w.taskId, text: 'over plain HTTP' });
    assert.is(sent.queued, false);
    await w.eng.waitFor('customer_message', (e) => e.payload.text === 'over plain HTTP');

    proxy.state.blocked = false;
    await w.agent.waitFor(ConnectionState, (p) => p.state === 'connected');
    for (const t of ['w1', 'w2']) await w.eng.say(t);
    await w.agent.waitFor(EngineerMessageNote, (p) => p.text === 'w2');
    const texts = w.agent.notes.filter((n) => n.method === 'engineer_message').map((n) => n.params.text);
    assert.equal(texts, ['p1', 'p2', 'p3', 'w1', 'w2'], 'each event once, in order, across the switch');
  } finally {
    await w.cleanup();
  }
});

test.run();
