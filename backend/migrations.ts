// Schema migrations, applied in order; `schema_version` records how far a data folder is.
// Times are epoch milliseconds. Balances carry a CHECK so no bug can make them negative.
export const migrations: string[] = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, title TEXT,
     role TEXT NOT NULL CHECK (role IN ('customer','engineer')), password_hash TEXT,
     balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0), created_at INTEGER NOT NULL);
   CREATE TABLE tokens (
     id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), kind TEXT NOT NULL, name TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, scopes TEXT NOT NULL, created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL, last_used_at INTEGER, revoked_at INTEGER, pair_id TEXT);
   CREATE INDEX tokens_user ON tokens(user_id);
   CREATE TABLE sessions (
     hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), csrf TEXT NOT NULL,
     created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER);
   CREATE TABLE device_codes (
     device_hash TEXT PRIMARY KEY, user_code TEXT NOT NULL UNIQUE, client_name TEXT NOT NULL, client_host TEXT,
     client_ip TEXT, scopes TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
     interval_s INTEGER NOT NULL, last_poll_at INTEGER, status TEXT NOT NULL, user_id TEXT);
   CREATE TABLE checkouts (
     id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), amount_usd INTEGER NOT NULL,
     credits INTEGER NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL, paid_at INTEGER);
   CREATE TABLE projects (
     id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), name TEXT NOT NULL, type TEXT NOT NULL,
     test_command TEXT, build_command TEXT, allowed_ai_tools TEXT NOT NULL, upload_code INTEGER NOT NULL,
     codevf_branch_only INTEGER NOT NULL, created_at INTEGER NOT NULL,
     last_branch TEXT, last_head TEXT, last_sync_at INTEGER, remote_url TEXT);
   CREATE TABLE snapshots (
     id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id), size INTEGER NOT NULL,
     sha256 TEXT NOT NULL, path TEXT NOT NULL, received_at INTEGER NOT NULL, UNIQUE (project_id, sha256));
   CREATE TABLE tasks (
     id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES users(id), engineer_id TEXT REFERENCES users(id),
     project_id TEXT, snapshot_id TEXT, issue TEXT NOT NULL, status TEXT NOT NULL,
     credits_per_minute INTEGER NOT NULL, credits_used INTEGER NOT NULL DEFAULT 0,
     billed_minutes INTEGER NOT NULL DEFAULT 0, last_seq INTEGER NOT NULL DEFAULT 0, rating INTEGER,
     rating_comment TEXT, created_at INTEGER NOT NULL, claimed_at INTEGER, first_connected_at INTEGER,
     ended_at INTEGER, end_reason TEXT);
   CREATE INDEX tasks_status ON tasks(status);
   CREATE TABLE events (
     task_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
     created_at INTEGER NOT NULL, PRIMARY KEY (task_id, seq)) WITHOUT ROWID;
   CREATE TABLE requests (
     task_id TEXT NOT NULL, request_id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
     PRIMARY KEY (task_id, request_id)) WITHOUT ROWID;
   CREATE TABLE output_chunks (
     task_id TEXT NOT NULL, request_id TEXT NOT NULL, stream TEXT NOT NULL, idx INTEGER NOT NULL, seq INTEGER NOT NULL,
     PRIMARY KEY (task_id, request_id, stream, idx)) WITHOUT ROWID;
   CREATE TABLE files (
     id TEXT PRIMARY KEY, task_id TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
     created_at INTEGER NOT NULL);
   CREATE TABLE billing_ledger (
     task_id TEXT NOT NULL, minute INTEGER NOT NULL, credits INTEGER NOT NULL, balance_after INTEGER NOT NULL,
     created_at INTEGER NOT NULL, PRIMARY KEY (task_id, minute)) WITHOUT ROWID;
   CREATE TABLE idempotency (
     user_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
     response TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (user_id, key)) WITHOUT ROWID;`,
  // AI sessions (hybrid mode): the mode a task started in, when it went to the human queue, and one row per
  // AI session for the free daily allowance (counted per account and UTC day).
  `ALTER TABLE tasks ADD COLUMN mode TEXT NOT NULL DEFAULT 'human';
   ALTER TABLE tasks ADD COLUMN ai_tool TEXT;
   ALTER TABLE tasks ADD COLUMN handed_off_at INTEGER;
   CREATE TABLE ai_sessions (
     task_id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), day TEXT NOT NULL, tool TEXT,
     started_at INTEGER NOT NULL);
   CREATE INDEX ai_sessions_user_day ON ai_sessions(user_id, day);`,
  // A login's access and refresh tokens share a family id kept across rotations (was: one id per pair).
  `ALTER TABLE tokens RENAME COLUMN pair_id TO family_id;
   CREATE INDEX tokens_family ON tokens(family_id);`,
  // Storage caps: bytes of each task's stored log (existing logs counted once); lookups for per-account sums
  // and for pruning expired idempotency rows.
  `ALTER TABLE tasks ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0;
   UPDATE tasks SET log_bytes = (SELECT COALESCE(SUM(length(payload)), 0) FROM events WHERE events.task_id = tasks.id);
   CREATE INDEX files_task ON files(task_id);
   CREATE INDEX tasks_customer ON tasks(customer_id);
   CREATE INDEX idempotency_created ON idempotency(created_at);`,
  // Idempotency rows in time order (rowid) without an index on the key or the time: storing a key writes the
  // table's last page, not a random page of an index (idempotency.ts keeps the lookup in memory).
  `ALTER TABLE idempotency RENAME TO idempotency_old;
   CREATE TABLE idempotency (
     id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
     status INTEGER NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL);
   INSERT INTO idempotency (user_id, key, fingerprint, status, response, created_at)
     SELECT user_id, key, fingerprint, status, response, created_at FROM idempotency_old ORDER BY created_at;
   DROP TABLE idempotency_old;`,
  // Events in append order (rowid), each with the id of its task's previous event, so a commit of many tasks'
  // events writes the table's last pages, not one page per task. A task's newest event id is on its row, and
  // every 64th seq is marked (event_marks), so reading a page of events walks back at most 63 + its length.
  `ALTER TABLE events RENAME TO events_old;
   CREATE TABLE events (
     id INTEGER PRIMARY KEY, task_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
     created_at INTEGER NOT NULL, prev INTEGER);
   INSERT INTO events (task_id, seq, type, payload, created_at)
     SELECT task_id, seq, type, payload, created_at FROM events_old ORDER BY task_id, seq;
   UPDATE events SET prev = id - 1
     WHERE seq > 1 AND (SELECT p.task_id FROM events p WHERE p.id = events.id - 1) = events.task_id;
   DROP TABLE events_old;
   CREATE TABLE event_marks (
     task_id TEXT NOT NULL, seq INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (task_id, seq)) WITHOUT ROWID;
   INSERT INTO event_marks (task_id, seq, id) SELECT task_id, seq, id FROM events WHERE seq % 64 = 0;
   ALTER TABLE tasks ADD COLUMN last_event_id INTEGER;
   CREATE TEMP TABLE last_events (task_id TEXT PRIMARY KEY, id INTEGER NOT NULL);
   INSERT INTO last_events SELECT task_id, max(id) FROM events GROUP BY task_id;
   UPDATE tasks SET last_event_id = (SELECT id FROM last_events WHERE last_events.task_id = tasks.id);
   DROP TABLE last_events;`,
  // A task's head (last seq, newest event, log bytes) follows each stored event inside the insert itself:
  // appending an event is one statement, not an insert and an update (tasks/log.ts). Log bytes are UTF-8 bytes.
  `CREATE TRIGGER events_head AFTER INSERT ON events BEGIN
     UPDATE tasks SET last_seq = NEW.seq, last_event_id = NEW.id, log_bytes = log_bytes + octet_length(NEW.payload)
       WHERE id = NEW.task_id;
   END;`,
  // A socket frame's idempotency key ("<user id> <key>") stored on the event the frame appended, instead of an
  // idempotency row beside it: one row per message frame, not two (idempotency.ts). Cleared once expired.
  `ALTER TABLE events ADD COLUMN idem TEXT;`,
  // Events below from_id hold no idempotency key the pruner has not cleared: a restart reads the keys from
  // there on, not by time (idempotency.ts). Starts at the oldest keyed event, or after the last event.
  `CREATE TABLE idem_events (from_id INTEGER NOT NULL);
   INSERT INTO idem_events SELECT COALESCE((SELECT MIN(id) FROM events WHERE idem IS NOT NULL), (SELECT COALESCE(MAX(id), 0) + 1 FROM events));`,
  // Every 64th seq (tasks/log.ts MARK) is marked by a trigger, not by a second statement: storing an event is
  // one statement, so a message frame either stores its event or writes nothing (it needs no savepoint).
  `CREATE TRIGGER events_mark AFTER INSERT ON events WHEN NEW.seq % 64 = 0 BEGIN
     INSERT INTO event_marks (task_id, seq, id) VALUES (NEW.task_id, NEW.seq, NEW.id);
   END;`,
];
