import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decisionFor, fenceFor, permissionOptions, promptText } from '../../agent/acp/translate.js';

const cmd = (command: string) => ({ type: 'command' as const, taskId: 't', requestId: 'r', command, reason: 'x', workingDirectory: '/p',
  engineer: 'Maria', requester: { type: 'engineer' as const, name: 'Maria', tool: null }, receivedAt: '', expiresAt: '' });
const file = (neverShare: string | null) => ({ type: 'file' as const, taskId: 't', requestId: 'r', path: '.env', reason: 'x', engineer: null,
  requester: { type: 'engineer' as const, name: null, tool: null }, neverShare, receivedAt: '', expiresAt: '' });

test('only an offered allow option allows; unknown ids, cancellation and reject deny', () => {
  assert.equal(decisionFor(cmd('npm test'), 'allow_once'), { kind: 'command', decision: 'allow', scope: 'once' });
  assert.equal(decisionFor(cmd('npm test'), 'allow_session'), { kind: 'command', decision: 'allow', scope: 'session' });
  assert.is(decisionFor(cmd('npm test'), 'reject_once').decision, 'deny');
  assert.is(decisionFor(cmd('npm test'), null).decision, 'deny');
  assert.is(decisionFor(cmd('npm test'), 'yes please').decision, 'deny');
  assert.is(decisionFor(cmd('a; b'), 'allow_session').decision, 'deny', '"for the session" was not offered for a chained command');
});

test('a never-share file is offered no allow option in ACP mode: any choice denies, never with override', () => {
  assert.equal(permissionOptions(file('secrets')).map((o) => o.optionId), ['reject_once']);
  for (const pick of ['allow_never_share_override', 'allow_once', 'allow_always', null]) {
    assert.equal(decisionFor(file('secrets'), pick), { kind: 'file', decision: 'deny', override: false });
  }
  assert.equal(decisionFor(file(null), 'allow_once'), { kind: 'file', decision: 'allow', override: false });
});

test('prompt text joins text blocks and writes out links and embedded resources', () => {
  assert.is(promptText([{ type: 'text', text: 'look at' }, { type: 'resource_link', uri: 'file:///p/a.ts', name: 'a.ts' },
    { type: 'resource', resource: { uri: 'file:///p/b.ts', text: 'x()' } }, { type: 'image' }]),
  'look at\n\n[a.ts](file:///p/a.ts)\n\nfile:///p/b.ts:\n```\nx()\n```');
});

test('a command holding a backtick fence cannot close the fence it is shown in', () => {
  assert.is(fenceFor('npm test'), '```');
  assert.is(fenceFor('echo ```\nrm -rf ~'), '````');
  assert.is(fenceFor('a ````` b'), '``````');
});

test.run();
