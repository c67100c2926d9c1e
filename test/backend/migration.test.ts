// A data folder from before the append-only events and idempotency layout (schema version 4) is migrated on
// start: every event replays unchanged (REST and socket, also pages that start mid-log), a stored idempotency
// key still answers its first result, and new events continue the seq.
import Database from 'better-sqlite3';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { migrations } from '../../backend/migrations.js';
import { routes } from '../../protocol/backend/index.js';
import { TaskSocket } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { createTask, post } from './_util.js';

const test = suite('backend schema migration');
let sb: Sandbox;
test.before(async () => { sb = await startSandbox(); });
test.after(async () => { await sb?.stop(); });

const MESSAGES = 150; // past two marks (every 64th seq)

/** Rewrites the stopped sandbox's database as version 4 would have stored the same rows. */
function downgradeToV4(dataDir: string): void {
  const file = join(dataDir, 'sandbox.db');
  const old = join(dataDir, 'v4.db');
  const db = new Database(old);
  db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (4);');
  for (const m of migrations.slice(0, 4)) db.exec(m);
  db.exec(`ATTACH '${file}' AS cur`);
  const tables = db.prepare(`SELECT name FROM main.sqlite_master WHERE type = 'table' AND name != 'schema_version'`).pluck().all() as string[];
  db.transaction(() => {
    for (const t of tables) {
      const cols = (db.prepare(`SELECT name FROM pragma_table_info('${t}')`).pluck().all() as string[]).join(', ');
      db.exec(`INSERT INTO main.${t} (${cols}) SELECT ${cols} FROM cur.${t}`);
    }
  })();
  db.exec('DETACH cur');
  db.close();
  for (const f of ['', '-wal', '-shm']) rmSync(file + f, { force: true });
  renameSync(old, file);
}

test('a version 4 database is migrated: events replay unchanged, stored keys answer their first result, seqs continue', async () => {
  const taskId = await createTask(sb);
  const path = routes.tasks.sendMessage.path(taskId);
  const first = await post(sb, path, { text: 'keyed' }, { 'idempotency-key': 'before-migration' });
  for (let i = 1; i < MESSAGES; i++) await post(sb, path, { text: `m${i}` });
  const events = (after: number) => api(sb.url, 'GET', `${routes.tasks.events.path(taskId)}?after=${after}`, { token: sb.customerToken });
  const before = (await events(0)).body.events;
  assert.is(before.length, MESSAGES);

  await sb.kill('SIGTERM');
  downgradeToV4(sb.dataDir);
  const v4 = new Database(join(sb.dataDir, 'sandbox.db'), { readonly: true });
  assert.is(v4.prepare('SELECT version FROM schema_version').pluck().get(), 4);
  assert.is(v4.prepare('SELECT COUNT(*) FROM events WHERE task_id = ?').pluck().get(taskId), MESSAGES);
  v4.close();
  await sb.restart();

  assert.equal((await events(0)).body.events, before, 'every event, unchanged, in order');
  assert.equal((await events(100)).body.events, before.slice(100), 'a page that starts mid-log');
  const retry = await post(sb, path, { text: 'keyed' }, { 'idempotency-key': 'before-migration' });
  assert.equal([retry.status, retry.body], [200, first.body], 'the stored key answers its first result');
  assert.is((await post(sb, path, { text: 'keyed, changed' }, { 'idempotency-key': 'before-migration' })).body.error?.code,
    'idempotency_key_reused');

  const next = await post(sb, path, { text: 'after' });
  assert.is(next.body.seq, MESSAGES + 1, 'seqs continue');
  const socket = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken, 70);
  const last = await socket.waitFor('customer_message', (e) => e.seq === MESSAGES + 1);
  assert.is(last.payload.text, 'after');
  assert.equal(socket.events.map((e) => e.seq), Array.from({ length: MESSAGES + 1 - 70 }, (_, i) => 71 + i), 'a socket resumes mid-log');
  await socket.close();
});

test.run();
