// An access token that expires under an open task socket does not interrupt the user: the sandbox closes the
// socket with SocketClose.tokenExpired, the real agent refreshes its token and reconnects after its last seq,
// and never reports auth_required while the refresh token is good. When the login cannot be refreshed (it
// was revoked meanwhile), the next upgrade's 401 stops the stream in auth_required instead of looping.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionState, EngineerConnectedNote, EngineerMessageNote, LoginCode } from '../../protocol/index.js';
import { Initialize } from '../../protocol/methods/lifecycle.js';
import { CreateTask } from '../../protocol/methods/session.js';
import { Login } from '../../protocol/methods/account.js';
import { typedAgent } from '../helpers/agent.js';
import { ScriptedEngineer } from '../helpers/engineer.js';
import { api, tempEnv } from '../helpers/env.js';
import { startSandbox } from '../helpers/sandbox.js';

const TTL_S = 3;
// Long polling stays out of the way: only the WebSocket path is tested.
const FAST = { CODEVF_BACKOFF_BASE_MS: '50', CODEVF_BACKOFF_MAX_MS: '200', CODEVF_WS_FAILURES_BEFORE_POLL: '1000' };

async function world() {
  const sb = await startSandbox({ args: ['--access-ttl', String(TTL_S), '--device-interval', '0'] });
  const e = tempEnv(sb.url, FAST);
  const dir = await mkdtemp(join(tmpdir(), 'cvf-proj-'));
  const agent = await typedAgent({ env: e.env, cwd: dir, initialize: false });
  await agent.request(Initialize, { clientInfo: { name: 'expiry-test', version: '1' }, capabilities: { approvals: true } });
  // A device login (access + refresh token in auth.json), approved with the demo customer's PAT.
  const pending = agent.request(Login, {});
  const code = await agent.waitFor(LoginCode);
  assert.is((await api(sb.url, 'POST', '/api/cli/auth/device/approve', sb.customerToken, { user_code: code.userCode, decision: 'approve' })).status, 200);
  await pending;
  const { taskId } = await agent.request(CreateTask, { description: 'users cannot log in' });
  const eng = new ScriptedEngineer(sb.url, sb.engineerToken);
  await eng.claim(taskId);
  await eng.connect(taskId);
  await agent.waitFor(EngineerConnectedNote);
  const states = () => agent.notes.filter((n) => n.method === 'connection_state').map((n) => n.params as { state: string; reason?: string });
  return {
    sb, agent, eng, taskId, states,
    async cleanup() {
      await eng.close().catch(() => {});
      await agent.close().catch(() => {});
      await sb.stop().catch(() => {});
      e.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test('an expired access token: the socket closes, the agent refreshes and reconnects, messages keep coming', async () => {
  const w = await world();
  try {
    // The socket opened with the first access token is closed at its expiry; the agent comes back on its own.
    const closed = await w.agent.waitFor(ConnectionState, (p) => p.state === 'reconnecting', (TTL_S + 10) * 1000);
    assert.match(closed.reason ?? '', /access token expired/);
    await w.agent.waitFor(ConnectionState, (p) => p.state === 'connected' && w.states().some((s) => s.state === 'reconnecting'), 15_000);
    await w.eng.say('still here after the token expired');
    const m = await w.agent.waitFor(EngineerMessageNote, (p) => p.text === 'still here after the token expired');
    assert.ok(m);
    assert.not.ok(w.states().some((s) => s.state === 'auth_required'), w.states().map((s) => s.state).join(' '));
  } finally {
    await w.cleanup();
  }
});

test('an expired access token whose login was revoked meanwhile ends in auth_required, not endless reconnects', async () => {
  const w = await world();
  try {
    // Revoke the refresh side only (an admin action, or the refresh token's end): no socket is closed by it,
    // so the socket lives until the access token's expiry; then no refresh can help.
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(w.sb.dataDir, 'sandbox.db'));
    assert.ok(db.prepare(`UPDATE tokens SET revoked_at = ? WHERE kind = 'refresh' AND revoked_at IS NULL`).run(Date.now()).changes > 0);
    db.close();
    const end = await w.agent.waitFor(ConnectionState, (p) => p.state === 'auth_required', (TTL_S + 15) * 1000);
    assert.match(end.reason ?? '', /sign in again/, end.reason);
  } finally {
    await w.cleanup();
  }
});

test.run();
