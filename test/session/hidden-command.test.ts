import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApproveCommand } from '../../protocol/methods/session.js';
import { startWorld } from './harness.js';
import { RequestCommandNote, RequestResolved } from '../../protocol/index.js';

test('a command that hides text behind a carriage return, an escape sequence or a bidi override is refused, never run', async () => {
  const w = await startWorld();
  try {
    await w.engineerJoins();
    const hidden = ['touch pwned\recho npm test', 'touch pwned \x1b[2K\rnpm test', 'touch pwned #\u202etset mpn'];
    for (const command of hidden) {
      const id = await w.eng.requestCommand(command, 'run the tests');
      const asked = await w.agent.waitFor(RequestCommandNote, (p) => p.requestId === id);
      assert.is(asked.refused?.reason, 'hidden_characters', 'refused at once, nobody asked');
      const resolved = await w.agent.waitFor(RequestResolved, (p) => p.requestId === id);
      assert.equal([resolved.decision, resolved.decidedBy], ['deny', 'agent'], JSON.stringify(command));
      const late = await w.agent.request(ApproveCommand, { requestId: id, decision: 'allow' }).then(() => 'accepted', (e) => e.data.reason);
      assert.is.not(late, 'accepted');
      const seen = await w.eng.waitFor('command_decision', (e) => e.payload.requestId === id);
      assert.equal([seen.payload.decision, seen.payload.decidedBy], ['deny', 'agent']);
      assert.match(seen.payload.reason ?? '', /^refused by the customer's agent: /);
    }
    assert.is(existsSync(join(w.dir, 'pwned')), false);
  } finally { await w.cleanup(); }
});

test.run();
