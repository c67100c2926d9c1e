// SQLite store: WAL, migrations, and transactions whose side effects (event pushes) run only after commit.
// Checkpoints (copying the WAL back into the database, with an fsync) run on a worker thread's own
// connection, so a commit on the event loop writes its WAL pages and never waits for a disk flush; if the
// worker falls behind, SQLite's own checkpoint on commit takes over past CHECKPOINT_FALLBACK pages.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { migrations } from './migrations.js';

const CHECKPOINT_MS = 1000;
const CHECKPOINT_FALLBACK = 4000;
// CommonJS, run with `eval`: it gets better-sqlite3's resolved path, so it works from the bundle too.
const CHECKPOINTER = `
const { workerData, parentPort } = require('node:worker_threads');
const db = new (require(workerData.sqlite))(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (e) { process.stderr.write('sandbox: checkpoint failed: ' + e.message + '\\n'); }
}, workerData.ms);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export type Db = Database.Database;

export class Store {
  readonly db: Db;
  private depth = 0;
  private pending: (() => void)[] = [];
  private statements = new Map<string, Database.Statement>();
  // One wrapper built once: better-sqlite3 makes nested calls of it savepoints.
  private runInTx!: <T>(fn: () => T) => T;
  private checkpointer: Worker;
  private stopped: Promise<void>;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = join(dataDir, 'sandbox.db');
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma(`wal_autocheckpoint = ${CHECKPOINT_FALLBACK}`);
    this.runInTx = this.db.transaction(<T>(fn: () => T) => fn()) as <T>(fn: () => T) => T;
    this.migrate();
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    this.checkpointer = new Worker(CHECKPOINTER, { eval: true, workerData: { file, sqlite, ms: CHECKPOINT_MS } });
    this.checkpointer.unref();
    this.checkpointer.on('error', (e) => {
      process.stderr.write(`sandbox: the checkpoint thread failed (${e.message}); commits checkpoint themselves\n`);
      this.db.pragma('wal_autocheckpoint = 1000');
    });
    this.stopped = new Promise((r) => this.checkpointer.once('exit', () => r()));
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = this.db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
    let version = row?.version ?? 0;
    if (!row) this.db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
    for (; version < migrations.length; version++) {
      this.db.transaction(() => {
        this.db.exec(migrations[version]);
        this.db.prepare('UPDATE schema_version SET version = ?').run(version + 1);
      })();
    }
  }

  /** A prepared statement, compiled once per SQL text. */
  stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** Runs fn in one transaction; nested calls join the outer one (a failure undoes it all, unless a
   *  `savepoint` in between catches it). `afterCommit` callbacks run once the outermost transaction commits. */
  tx<T>(fn: () => T): T {
    return this.depth > 0 ? fn() : this.savepoint(fn);
  }

  /** Like `tx`, but nested it is a SAVEPOINT: a failure caught by the caller undoes only this part. */
  savepoint<T>(fn: () => T): T {
    const mark = this.pending.length;
    this.depth++;
    let result: T;
    try {
      result = this.runInTx(fn);
    } catch (e) {
      this.pending.length = mark;
      throw e;
    } finally {
      this.depth--;
    }
    if (this.depth > 0) return result;
    const run = this.pending;
    this.pending = [];
    for (const cb of run) cb();
    return result;
  }

  afterCommit(cb: () => void): void {
    if (this.depth === 0) cb();
    else this.pending.push(cb);
  }

  /** Stops the checkpointer (its connection closes) and closes the database. */
  async close(): Promise<void> {
    this.checkpointer.postMessage('close');
    await this.stopped;
    this.db.close();
  }
}
