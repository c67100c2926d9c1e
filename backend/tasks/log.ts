// The per-task event log: stored with a gapless per-task `seq` inside the caller's transaction, pushed to
// live listeners only after the commit, so a listener never sees an event that a crash could take back.
import type { EventPayload, EventType, TaskEvent } from '../../protocol/backend/index.js';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import { iso } from '../util.js';

/** A listener gets the event and its wire text, serialised once for every socket. */
type Listener = (e: TaskEvent, text: string) => void;
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
const toText = (r: Row) => `{"type":${JSON.stringify(r.type)},"seq":${r.seq},"taskId":${JSON.stringify(r.task_id)},`
  + `"timestamp":"${iso(r.created_at)}","payload":${r.payload}}`;

export class EventLog {
  private listeners = new Map<string, Set<Listener>>();
  private q;

  constructor(private store: Store, private maxLogBytes: number) {
    const db = store.db;
    this.q = {
      bump: db.prepare('UPDATE tasks SET last_seq = last_seq + 1, log_bytes = log_bytes + ? WHERE id = ? RETURNING last_seq, log_bytes'),
      insert: db.prepare('INSERT INTO events (task_id, seq, type, payload, created_at) VALUES (?,?,?,?,?)'),
      after: db.prepare('SELECT * FROM events WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      one: db.prepare('SELECT * FROM events WHERE task_id = ? AND seq = ?'),
    };
  }

  append<T extends EventType>(taskId: string, type: T, payload: EventPayload<T>): TaskEvent {
    return this.store.tx(() => {
      const text = JSON.stringify(payload);
      const { last_seq: seq, log_bytes: bytes } = this.q.bump.get(text.length, taskId) as { last_seq: number; log_bytes: number };
      if (capped[type] && bytes > this.maxLogBytes) {
        throw new ApiError(413, 'task_log_full', `This task has stored its ${this.maxLogBytes >> 20} MB of messages and output; `
          + 'end it and start a new task.');
      }
      const now = Date.now();
      this.q.insert.run(taskId, seq, type, text, now);
      const event = { type, seq, taskId, timestamp: iso(now), payload } as TaskEvent;
      // The wire text from the stored payload text: the payload is serialised once, for the row and the sockets.
      const wire = toText({ task_id: taskId, seq, type, payload: text, created_at: now });
      this.store.afterCommit(() => this.publish(event, wire));
      return event;
    });
  }

  get(taskId: string, seq: number): TaskEvent | undefined {
    const r = this.q.one.get(taskId, seq) as Row | undefined;
    return r && toEvent(r);
  }

  after(taskId: string, seq: number, limit = 1000): TaskEvent[] {
    return (this.q.after.all(taskId, seq, limit) as Row[]).map(toEvent);
  }

  /** A page of events as wire text, for socket replay. */
  wireAfter(taskId: string, seq: number, limit: number): WireEvent[] {
    return (this.q.after.all(taskId, seq, limit) as Row[]).map((r) => ({ seq: r.seq, type: r.type, text: toText(r) }));
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
    for (const fn of [...set]) {
      try { fn(e, text); } catch (err) { process.stderr.write(`sandbox: event listener failed: ${String(err)}\n`); }
    }
  }
}
