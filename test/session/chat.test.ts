import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SendMessage } from '../../protocol/methods/session.js';
import { startWorld } from './harness.js';
import { ConnectionState, EngineerConnectedNote, EngineerMessageNote } from '../../protocol/index.js';

test('chat flows both ways and every backend event carries taskId and seq', async () => {
  const w = await startWorld();
  try {
    await w.agent.waitFor(ConnectionState, (p) => p.state === 'connected');
    await w.engineerJoins();
    const joined = await w.agent.waitFor(EngineerConnectedNote);
    assert.is(joined.taskId, w.taskId);
    assert.ok(joined.seq >= 1);
    assert.is(joined.engineer.name.length > 0, true);

    await w.eng.say('Hello, I am looking at it');
    const msg = await w.agent.waitFor(EngineerMessageNote);
    assert.is(msg.text, 'Hello, I am looking at it');
    assert.ok(msg.seq > joined.seq);

    const sent = await w.agent.request(SendMessage, { taskId: w.taskId, text: 'thanks, it fails on /login' });
    assert.is(sent.queued, false);
    assert.ok(sent.seq! > msg.seq);
    const seen = await w.eng.waitFor('customer_message');
    assert.is(seen.payload.text, 'thanks, it fails on /login');
    assert.is(seen.seq, sent.seq);
  } finally {
    await w.cleanup();
  }
});

test.run();
