// A revoked login reaches the agent as "sign in again", not "reconnect": the stream stops in auth_required
// and the front end is told, whether the revocation closes the open socket or refuses the next upgrade.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { api } from '../helpers/sandbox.js';
import { startWorld, type World } from './harness.js';
import { ConnectionState } from '../../protocol/index.js';

// Long polling (whose 401 also stops the stream) stays out of the way: only the WebSocket path is tested.
const FAST = { CODEVF_BACKOFF_BASE_MS: '50', CODEVF_BACKOFF_MAX_MS: '200', CODEVF_WS_FAILURES_BEFORE_POLL: '1000' };
const states = (w: World) => w.agent.notes.filter((n) => n.method === 'connection_state').map((n) => n.params.state as string);

test('revoking the agent\'s token closes its stream with auth_required and it does not reconnect', async () => {
  const w = await startWorld({ env: FAST });
  try {
    await w.engineerJoins();
    const r = await api(w.sb.url, 'POST', routes.auth.revokeSelf.path(), { token: w.sb.customerToken, body: {} });
    assert.is(r.status, 200);
    const note = await w.agent.waitFor(ConnectionState, (p) => p.state === 'auth_required');
    assert.match(note.reason ?? '', /sign in again/);
    // Many backoff periods later: still stopped, never reconnecting.
    await new Promise((res) => setTimeout(res, 1000));
    const all = states(w);
    assert.equal(all.slice(all.lastIndexOf('connected')), ['connected', 'auth_required'], all.join(' '));
  } finally {
    await w.cleanup();
  }
});

test('a revoked token refused at the next upgrade also ends in auth_required, not endless reconnects', async () => {
  const w = await startWorld({ env: FAST });
  try {
    await w.agent.waitFor(ConnectionState, (p) => p.state === 'connected');
    await w.sb.kill('SIGKILL');
    await w.agent.waitFor(ConnectionState, (p) => p.state === 'reconnecting');
    // Revoked while the backend is down, so no socket is open to close: the reconnect meets a 401.
    const db = new Database(join(w.sb.dataDir, 'sandbox.db'));
    assert.is(db.prepare('UPDATE tokens SET revoked_at = ? WHERE revoked_at IS NULL').run(Date.now()).changes > 0, true);
    db.close();
    await w.sb.restart();
    await w.agent.waitFor(ConnectionState, (p) => p.state === 'auth_required', 20_000);
    assert.not.ok(states(w).slice(states(w).indexOf('auth_required') + 1).length, 'nothing after auth_required');
  } finally {
    await w.cleanup();
  }
});

test.run();
