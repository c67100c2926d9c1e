// The per-task event log: stored with a gapless per-task `seq` inside the caller's transaction, pushed to
// live listeners only after the commit, so a listener never sees an event that a crash could take back.
// Rows are in append order, each linking to its task's previous event (migrations.ts says why); a read
// starts from the task's newest event or the nearest mark (every 64th seq, set by a trigger: migration 10)
// and walks back. An append is one INSERT: its seq and link come from the task's row, a trigger moves the
// row's head on (migration 7), and the log cap (and, for `appendAs`, the task's access rules) are conditions of the same statement.
import type { EventPayload, EventType, TaskEvent } from '../../protocol/backend/index.js';
import type Database from 'better-sqlite3';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import type { KeyClaim } from '../idempotency.js';
import { iso } from '../util.js';
import { ACCESS_SQL, type Side } from './service.js';

/** A listener gets the event and its wire text as UTF-8, serialised and encoded once for every socket. */
type Listener = (e: TaskEvent, wire: Buffer) => void;
interface Row { task_id: string; seq: number; type: string; payload: string; created_at: number }
/** An event as sent on a socket: its seq, type and JSON text. */
export interface WireEvent { seq: number; type: string; text: string }

/** What a task's log cap counts against: what either side can send in bulk. The rest (requests, decisions,
 *  billing, the end) is small or limited elsewhere, and must still get through when the log is full. */
const capped = {
  engineer_connected: false, engineer_disconnected: false, engineer_message: true, request_command: false,
  request_file: false, screenshare_request: false, billing_update: false, session_end: false,
  customer_message: true, command_decision: false, command_output: true, command_result: false,
  file_decision: false, file_upload: false, ai_transcript: true, handoff: false, request_write: true, write_decision: false,
} satisfies Record<EventType, boolean>;

const toEvent = (r: Row) => ({ type: r.type, seq: r.seq, taskId: r.task_id, timestamp: iso(r.created_at),
  payload: JSON.parse(r.payload) }) as TaskEvent;
// The same text JSON.stringify(toEvent(r)) gives (same key order), without parsing the stored payload.
const toText = (r: Row, timestamp = iso(r.created_at)) => `{"type":${JSON.stringify(r.type)},"seq":${r.seq},`
  + `"taskId":${JSON.stringify(r.task_id)},"timestamp":"${timestamp}","payload":${r.payload}}`;

export class EventLog {
  private listeners = new Map<string, Set<Listener>>();
  private q;

  constructor(private store: Store, private maxLogBytes: number) {
    const db = store.db;
    // Inserts nothing when the task is missing or the event would take a capped log past the cap (parameters:
    // type, payload, now, idempotency key or null, task id, capped 0|1, payload bytes, cap; then the access rule's user).
    const insert = (where = '') => db.prepare(`INSERT INTO events (task_id, seq, type, payload, created_at, idem, prev)
        SELECT id, last_seq + 1, ?, ?, ?, ?, last_event_id FROM tasks
        WHERE id = ? AND (? = 0 OR log_bytes + ? <= ?)${where} RETURNING id, seq`).raw();
    this.q = {
      insert: insert(),
      insertAs: {
        customer: insert(` AND status != 'ended' AND ${ACCESS_SQL.customer}`),
        engineer: insert(` AND status != 'ended' AND ${ACCESS_SQL.engineer}`),
      } satisfies Record<Side, unknown>,
      exists: db.prepare('SELECT 1 FROM tasks WHERE id = ?').pluck(),
      last: db.prepare('SELECT last_seq, last_event_id FROM tasks WHERE id = ?').raw(),
      from: db.prepare('SELECT id FROM event_marks WHERE task_id = ? AND seq >= ? ORDER BY seq LIMIT 1').pluck(),
      // From event `start` back to seq after + 1; the rows with seq in (after, end], in order.
      walk: db.prepare(`WITH RECURSIVE chain(id, seq, prev) AS (
          SELECT id, seq, prev FROM events WHERE id = $start
          UNION ALL SELECT e.id, e.seq, e.prev FROM events e JOIN chain c ON e.id = c.prev WHERE c.seq > $after + 1)
        SELECT e.task_id, e.seq, e.type, e.payload, e.created_at FROM chain JOIN events e ON e.id = chain.id
        WHERE chain.seq > $after AND chain.seq <= $end ORDER BY chain.seq`),
    };
  }

  append<T extends EventType>(taskId: string, type: T, payload: EventPayload<T>): TaskEvent {
    const event = this.insert(this.q.insert, taskId, type, payload);
    if (event) return event;
    if (!this.q.exists.get(taskId)) throw new ApiError(404, 'not_found', `Task ${taskId} not found`);
    throw new ApiError(413, 'task_log_full', `This task has stored its ${this.maxLogBytes >> 20} MB of messages and output; `
      + 'end it and start a new task.');
  }

  /** Appends only if `userId` may act on the task from `side` (the rules of Tasks.access), the task has not
   *  ended and the log has room; otherwise stores nothing and answers undefined (`append` says why). With a
   *  `claim`, the event also stores the request's idempotency key and the claim says which event holds it. */
  appendAs<T extends EventType>(side: Side, userId: string, taskId: string, type: T, payload: EventPayload<T>, claim?: KeyClaim): TaskEvent | undefined {
    const event = this.insert(this.q.insertAs[side], taskId, type, payload, userId, claim);
    if (event && claim) claim.seq = event.seq;
    return event;
  }

  private insert<T extends EventType>(stmt: Database.Statement, taskId: string, type: T, payload: EventPayload<T>, userId?: string,
    claim?: KeyClaim): TaskEvent | undefined {
    return this.store.tx(() => {
      const text = JSON.stringify(payload);
      const now = Date.now();
      const key = claim?.tag ?? null;
      const row = (userId === undefined
        ? stmt.get(type, text, now, key, taskId, capped[type] ? 1 : 0, Buffer.byteLength(text), this.maxLogBytes)
        : stmt.get(type, text, now, key, taskId, capped[type] ? 1 : 0, Buffer.byteLength(text), this.maxLogBytes, userId)
      ) as [id: number, seq: number] | undefined;
      if (!row) return undefined;
      const [id, seq] = row;
      if (claim) claim.eventId = id;
      const timestamp = iso(now);
      const event = { type, seq, taskId, timestamp, payload } as TaskEvent;
      // The wire text from the stored payload text: the payload is serialised once, for the row and the sockets.
      const wire = toText({ task_id: taskId, seq, type, payload: text, created_at: now }, timestamp);
      this.store.afterCommit(() => this.publish(event, wire));
      return event;
    });
  }

  get(taskId: string, seq: number): TaskEvent | undefined {
    const r = this.rows(taskId, seq - 1, 1)[0];
    return r?.seq === seq ? toEvent(r) : undefined;
  }

  after(taskId: string, seq: number, limit = 1000): TaskEvent[] {
    return this.rows(taskId, seq, limit).map(toEvent);
  }

  /** A page of events as wire text, for socket replay. */
  wireAfter(taskId: string, seq: number, limit: number): WireEvent[] {
    return this.rows(taskId, seq, limit).map((r) => ({ seq: r.seq, type: r.type, text: toText(r) }));
  }

  /** Up to `limit` events with seq > after, in order: back from the nearest mark at or past the page's end. */
  private rows(taskId: string, after: number, limit: number): Row[] {
    const t = this.q.last.get(taskId) as [number, number | null] | undefined;
    if (!t || t[1] === null || after >= t[0] || limit < 1) return [];
    const end = Math.min(after + limit, t[0]);
    const start = end === t[0] ? t[1] : (this.q.from.get(taskId, end) as number | undefined) ?? t[1];
    return this.q.walk.all({ start, after, end }) as Row[];
  }

  subscribe(taskId: string, fn: Listener): () => void {
    let set = this.listeners.get(taskId);
    if (!set) this.listeners.set(taskId, (set = new Set()));
    set.add(fn);
    return () => {
      set!.delete(fn);
      if (set!.size === 0) this.listeners.delete(taskId);
    };
  }

  /** Resolves at the next event of the task, after `ms`, or when `signal` aborts. */
  waitForNext(taskId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); off(); signal?.removeEventListener('abort', done); resolve(); };
      const off = this.subscribe(taskId, done);
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      if (signal?.aborted) done();
    });
  }

  private publish(e: TaskEvent, text: string): void {
    const set = this.listeners.get(e.taskId);
    if (!set) return;
    const wire = Buffer.from(text);
    for (const fn of [...set]) {
      try { fn(e, wire); } catch (err) { process.stderr.write(`sandbox: event listener failed: ${String(err)}\n`); }
    }
  }
}
