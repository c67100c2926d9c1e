import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ListPendingRequests, UploadFile } from '../../protocol/methods/session.js';
import { buildHostileProject } from '../fixtures/hostile-paths.js';
import { startWorld } from './harness.js';
import { RequestFileNote, RequestResolved } from '../../protocol/index.js';

const rpcError = async (p: Promise<unknown>) => {
  try { await p; } catch (e) { return e as { code: number; message: string; data: { reason: string } }; }
  return null;
};

test('every hostile path an engineer asks for is refused, and no file leaves the machine', async () => {
  const hp = await buildHostileProject();
  // 45 requests in a burst: the backend's per-task request rate (30/min) is not what this corpus tests.
  const w = await startWorld({ dir: hp.root, sandboxArgs: ['--requests-per-minute', '1000'] });
  try {
    await w.engineerJoins();
    // The two swap-after-check races need a hook inside the read; test/security/safe-file.test.ts covers them.
    const cases = hp.cases.filter((c) => !c.beforeOpen);
    assert.ok(cases.length >= 30, `corpus has ${cases.length} cases`);
    const throughAgent: string[] = [];
    const notCarried: string[] = [];
    for (const c of cases) {
      let id: string;
      try {
        id = await w.eng.requestFile(c.path, `hostile: ${c.name}`);
      } catch {
        notCarried.push(c.name); // the backend would not even carry it (e.g. an empty path)
        continue;
      }
      const req = await w.agent.waitFor(RequestFileNote, (p) => p.requestId === id);
      assert.is(req.path, c.path);
      throughAgent.push(c.name);
      if (c.reason === 'never_share') {
        // Asked, with the warning, and left open for an explicit override; the customer declines here.
        assert.is(req.refused, null, c.name);
        assert.ok(req.neverShare, `${c.name}: the question warns`);
        const err = await rpcError(w.agent.request(UploadFile, { requestId: id, decision: 'allow' }));
        assert.is(err?.data.reason, 'never_share', c.name);
        await w.agent.request(UploadFile, { requestId: id, decision: 'deny' });
        const d = await w.eng.waitFor('file_decision', (e) => e.payload.requestId === id);
        assert.equal([d.payload.decision, d.payload.decidedBy], ['deny', 'customer'], c.name);
        continue;
      }
      // Everything else is refused before anyone is asked, and the engineer is told it was the agent, not the customer.
      assert.is(req.refused?.reason, c.reason, `${c.name}: ${JSON.stringify(req.refused)}`);
      const resolved = await w.agent.waitFor(RequestResolved, (p) => p.requestId === id);
      assert.equal([resolved.decision, resolved.decidedBy], ['deny', 'agent'], c.name);
      const late = await rpcError(w.agent.request(UploadFile, { requestId: id, decision: 'allow' }));
      assert.is(late?.data.reason, 'not_found', `${c.name}: nothing left to answer`);
      const d = await w.eng.waitFor('file_decision', (e) => e.payload.requestId === id);
      assert.equal([d.payload.decision, d.payload.decidedBy], ['deny', 'agent'], c.name);
      assert.ok(d.payload.reason?.startsWith("refused by the customer's agent: "), `${c.name}: ${d.payload.reason}`);
    }
    // At least 30 hostile paths must reach the agent's own checks, not just the backend's validation.
    assert.ok(throughAgent.length >= 30, `only ${throughAgent.length} reached the agent; not carried: ${notCarried.join(', ')}`);
    assert.ok(notCarried.length <= 2, `the backend refused to carry: ${notCarried.join(', ')}`);
    assert.is(w.eng.socket!.events.filter((e) => e.type === 'file_upload').length, 0, 'nothing was uploaded');
    assert.is((await w.agent.request(ListPendingRequests, {})).requests.length, 0);
    const audit = (await readFile(join(hp.root, '.codevf', 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const refusedAtOnce = audit.filter((l) => l.event === 'decision' && l.decidedBy === 'agent').length;
    const neverShare = audit.filter((l) => l.event === 'file_refused' && l.reason === 'never_share').length;
    assert.is(refusedAtOnce + neverShare, throughAgent.length);
    assert.not.ok(audit.some((l) => l.event === 'file_sent'));
  } finally {
    await w.cleanup();
    await hp.cleanup();
  }
});

test('a never-share file is refused, then shared by explicit override for that one file, redacted', async () => {
  const hp = await buildHostileProject();
  // 45 requests in a burst: the backend's per-task request rate (30/min) is not what this corpus tests.
  const w = await startWorld({ dir: hp.root, sandboxArgs: ['--requests-per-minute', '1000'] });
  try {
    await w.engineerJoins();
    const id = await w.eng.requestFile('.env', 'check the config');
    const req = await w.agent.waitFor(RequestFileNote, (p) => p.requestId === id);
    assert.ok(req.neverShare, 'the prompt says why it is sensitive');
    const err = await rpcError(w.agent.request(UploadFile, { requestId: id, decision: 'allow' }));
    assert.is(err?.data.reason, 'never_share');
    const still = (await w.agent.request(ListPendingRequests, {})).requests;
    assert.ok(still.some((r) => r.requestId === id), 'still pending after the refusal');
    const ok = await w.agent.request(UploadFile, { requestId: id, decision: 'allow', override: true });
    assert.equal({ sent: ok.sent, path: ok.path, binary: ok.binary }, { sent: true, path: '.env', binary: false });
    assert.is(ok.redactions, 1);
    const up = await w.eng.waitFor('file_upload', (e) => e.payload.requestId === id);
    const body = (await w.eng.download(up.payload.downloadPath)).toString('utf8');
    assert.not.ok(body.includes('Xk9mQ2vL8pZ3wR7t'), 'the password is redacted');
    assert.ok(body.includes('[REDACTED:'));

    // The override covered that one file only: the next never-share file is refused again.
    const next = await w.eng.requestFile('config/master.key', 'and this');
    await w.agent.waitFor(RequestFileNote, (p) => p.requestId === next);
    assert.is((await rpcError(w.agent.request(UploadFile, { requestId: next, decision: 'allow' })))?.data.reason, 'never_share');

    // Shared unasked: binary goes as base64, flagged.
    const bin = await w.agent.request(UploadFile, { taskId: w.taskId, path: 'data.bin' });
    assert.is(bin.binary, true);
    const binUp = await w.eng.waitFor('file_upload', (e) => e.payload.path === 'data.bin');
    assert.equal([...await w.eng.download(binUp.payload.downloadPath)], [0, 1, 2, 255, 254]);
    const audit = (await readFile(join(hp.root, '.codevf', 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(audit.some((l) => l.event === 'file_sent' && l.path === '.env' && l.override === true && l.redactions === 1));
  } finally {
    await w.cleanup();
    await hp.cleanup();
  }
});

test('the never-share warning names the file that would be served: a harmless name linking to .env warns; a missing file is refused at once', async () => {
  const w = await startWorld();
  try {
    await writeFile(join(w.dir, '.env'), 'DB_PASSWORD=Xk9mQ2vL8pZ3wR7t\n');
    await symlink('.env', join(w.dir, 'innocent.txt'));
    await w.engineerJoins();
    const id = await w.eng.requestFile('innocent.txt', 'just a text file');
    const req = await w.agent.waitFor(RequestFileNote, (p) => p.requestId === id);
    assert.ok(req.neverShare, 'the question warns although the name asked for is harmless');
    assert.is(req.refused, null);
    assert.is((await rpcError(w.agent.request(UploadFile, { requestId: id, decision: 'allow' })))?.data.reason, 'never_share');
    await w.agent.request(UploadFile, { requestId: id, decision: 'deny' });

    const gone = await w.eng.requestFile('no-such-file.txt', 'read it');
    const asked = await w.agent.waitFor(RequestFileNote, (p) => p.requestId === gone);
    assert.equal(asked.refused?.reason, 'file_not_found');
    const d = await w.eng.waitFor('file_decision', (e) => e.payload.requestId === gone);
    assert.equal([d.payload.decision, d.payload.decidedBy], ['deny', 'agent']);
    assert.match(d.payload.reason ?? '', /^refused by the customer's agent: "no-such-file\.txt" does not exist/);
  } finally {
    await w.cleanup();
  }
});

test.run();
