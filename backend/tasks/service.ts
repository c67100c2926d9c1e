// Task lifecycle: create (customer), claim (engineer), end (either side, or billing), rate (customer).
import type { z } from 'zod';
import type { CreateTaskRequest, SessionSummary } from '../../protocol/backend/index.js';
import type { Config } from '../config.js';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import type { Projects } from '../projects/service.js';
import type { Snapshots } from '../projects/snapshots.js';
import type { User, Users } from '../users.js';
import { iso, isoOrNull, newId } from '../util.js';
import { aiSessionsToday, allowanceExhausted, recordAiSession } from './ai.js';
import type { EventLog } from './log.js';

export interface TaskRow {
  id: string; customer_id: string; engineer_id: string | null; project_id: string | null; snapshot_id: string | null;
  issue: string; status: 'open' | 'active' | 'ended'; credits_per_minute: number; credits_used: number;
  billed_minutes: number; last_seq: number; rating: number | null; rating_comment: string | null; created_at: number;
  claimed_at: number | null; first_connected_at: number | null; ended_at: number | null; end_reason: string | null;
  mode: 'human' | 'ai' | 'hybrid'; ai_tool: string | null; handed_off_at: number | null;
}
export type EndReason = z.output<typeof SessionSummary>['reason'];

export const notYourTask = () => new ApiError(403, 'not_your_task', 'This task belongs to someone else.');
export const taskEnded = () => new ApiError(409, 'task_ended', 'The session has ended; create a new task.');

type Access = Pick<TaskRow, 'customer_id' | 'engineer_id' | 'status' | 'mode' | 'handed_off_at'>;
const ACCESS = 'SELECT customer_id, engineer_id, status, mode, handed_off_at FROM tasks WHERE id = ?';
export type Side = 'customer' | 'engineer';
/** The checks of ownedBy and claimedBy (mustOwn) below, as a condition on the tasks row with the user as its
 *  parameter: a statement that acts only when they pass (EventLog.appendAs). Keep both in step. */
export const ACCESS_SQL = {
  customer: 'customer_id = ?',
  // handed_off_at is a time in ms or NULL, true in SQL exactly when it is in JS.
  engineer: `(mode = 'human' OR handed_off_at) AND engineer_id = ?`,
} satisfies Record<Side, string>;

function ownedBy<R extends Access>(userId: string, r: R): R {
  if (r.customer_id !== userId) throw notYourTask();
  return r;
}

function claimedBy<R extends Access>(userId: string, r: R, mustOwn: boolean, id: string): R {
  if (r.mode !== 'human' && !r.handed_off_at) throw new ApiError(404, 'not_found', `Task ${id} not found`);
  if (r.engineer_id ? r.engineer_id !== userId : mustOwn) throw notYourTask();
  return r;
}

export class Tasks {
  /** Set by billing: stops the meter when a task ends. */
  onEnded: (taskId: string) => void = () => {};

  constructor(private store: Store, private log: EventLog, private users: Users, private projects: Projects,
    private snapshots: Snapshots, private config: Config) {}

  row(id: string): TaskRow {
    return this.select<TaskRow>(id, 'SELECT * FROM tasks WHERE id = ?');
  }

  private select<T>(id: string, sql: string): T {
    const r = this.store.stmt(sql).get(id) as T | undefined;
    if (!r) throw new ApiError(404, 'not_found', `Task ${id} not found`);
    return r;
  }

  forCustomer(userId: string, id: string): TaskRow {
    return ownedBy(userId, this.row(id));
  }

  /** Claimed by this engineer; an open task is readable so the console can preview it before claiming. */
  forEngineer(userId: string, id: string, mustOwn = true): TaskRow {
    return claimedBy(userId, this.row(id), mustOwn, id);
  }

  /** The same checks as forCustomer / forEngineer on only the columns they need (every socket frame asks). */
  access(side: Side, userId: string, id: string): Access {
    const r = this.select<Access>(id, ACCESS);
    return side === 'customer' ? ownedBy(userId, r) : claimedBy(userId, r, true, id);
  }

  view(r: TaskRow) {
    const customer = this.users.get(r.customer_id)!;
    return {
      taskId: r.id, status: r.status, issue: r.issue, projectId: r.project_id, snapshotId: r.snapshot_id,
      customer: { id: customer.id, name: customer.name }, engineer: this.person(r.engineer_id),
      creditsPerMinute: r.credits_per_minute, creditsUsed: r.credits_used, lastSeq: r.last_seq, rating: r.rating,
      createdAt: iso(r.created_at), claimedAt: isoOrNull(r.claimed_at), endedAt: isoOrNull(r.ended_at),
      mode: r.mode, aiTool: r.ai_tool, handedOffAt: isoOrNull(r.handed_off_at),
    };
  }

  person(userId: string | null) {
    const u: User | undefined = userId ? this.users.get(userId) : undefined;
    return u ? { id: u.id, name: u.name, title: u.title } : null;
  }

  create(user: User, b: z.output<typeof CreateTaskRequest>) {
    const rate = this.config.creditsPerMinute;
    // An AI session is free within the daily allowance; past it, `ai` is refused and `hybrid` goes to a human at once.
    const aiFirst = b.mode !== 'human' && aiSessionsToday(this.store, user.id) < this.config.aiDailySessions;
    if (b.mode === 'ai' && !aiFirst) throw allowanceExhausted(this.config);
    const balance = this.users.get(user.id)!.balance;
    if (!aiFirst && balance < rate) throw new ApiError(402, 'insufficient_credits', `Your balance (${balance}) is below one minute (${rate}); top up first.`);
    const { open } = this.store.stmt(`SELECT COUNT(*) AS open FROM tasks WHERE customer_id = ? AND status != 'ended'`)
      .get(user.id) as { open: number };
    if (open >= this.config.openTasksPerAccount) {
      throw new ApiError(429, 'too_many_open_tasks', `This account already has ${open} open tasks; end one before creating another.`);
    }
    if (b.projectId) this.projects.row(user.id, b.projectId);
    if (b.snapshotId && !(b.projectId && this.snapshots.owned(b.projectId, b.snapshotId))) {
      throw new ApiError(400, 'invalid_body', 'body.snapshotId: no such snapshot in body.projectId');
    }
    const id = newId('tsk');
    const now = Date.now();
    const tool = b.mode === 'human' ? null : b.aiTool ?? null;
    this.store.tx(() => {
      this.store.stmt(`INSERT INTO tasks (id, customer_id, project_id, snapshot_id, issue, status, credits_per_minute, created_at, mode, ai_tool, handed_off_at)
        VALUES (?,?,?,?,?, 'open', ?, ?, ?, ?, ?)`).run(id, user.id, b.projectId ?? null, b.snapshotId ?? null, b.issue, rate, now,
        b.mode, tool, b.mode !== 'human' && !aiFirst ? now : null);
      if (aiFirst) recordAiSession(this.store, user.id, id, tool);
      else if (b.mode === 'hybrid') {
        this.log.append(id, 'handoff', { reason: 'ai_allowance_exhausted', aiTool: tool, entries: 0,
          detail: `The free AI allowance (${this.config.aiDailySessions} sessions a day) is used up; a human engineer takes the task.` });
      }
    });
    return this.view(this.row(id));
  }

  listForCustomer(userId: string) {
    const rows = this.store.stmt('SELECT * FROM tasks WHERE customer_id = ? ORDER BY created_at DESC LIMIT 200').all(userId) as TaskRow[];
    return { tasks: rows.map((r) => this.view(r)) };
  }

  listForEngineer(userId: string) {
    const rows = this.store.stmt(`SELECT * FROM tasks WHERE (status = 'open' AND (mode = 'human' OR handed_off_at IS NOT NULL))
      OR (status = 'active' AND engineer_id = ?)
      ORDER BY created_at LIMIT 200`).all(userId) as TaskRow[];
    return { tasks: rows.map((r) => this.view(r)) };
  }

  claim(engineerId: string, id: string) {
    return this.store.tx(() => {
      const r = this.row(id);
      if (r.status === 'ended') throw taskEnded();
      if (r.mode !== 'human' && !r.handed_off_at) throw new ApiError(409, 'ai_session', 'An AI agent is working on this task; it reaches the queue when handed off.');
      if (r.engineer_id && r.engineer_id !== engineerId) throw new ApiError(409, 'already_claimed', 'Another engineer took this task.');
      if (!r.engineer_id) {
        this.store.stmt(`UPDATE tasks SET engineer_id = ?, status = 'active', claimed_at = ? WHERE id = ?`).run(engineerId, Date.now(), id);
      }
      return this.view(this.row(id));
    });
  }

  summary(r: TaskRow) {
    const endedAt = r.ended_at ?? Date.now();
    return {
      taskId: r.id, engineer: this.person(r.engineer_id),
      durationSeconds: r.first_connected_at ? Math.max(0, Math.round((endedAt - r.first_connected_at) / 1000)) : 0,
      minutes: r.billed_minutes, creditsUsed: r.credits_used, endedAt: iso(endedAt),
      reason: (r.end_reason ?? 'customer_ended') as EndReason,
    };
  }

  /** Ends the session once; later calls answer the same summary. */
  end(id: string, reason: EndReason) {
    const summary = this.store.tx(() => {
      const r = this.row(id);
      if (r.status === 'ended') return this.summary(r);
      this.store.stmt(`UPDATE tasks SET status = 'ended', ended_at = ?, end_reason = ? WHERE id = ?`).run(Date.now(), reason, id);
      const s = this.summary(this.row(id));
      this.log.append(id, 'session_end', s);
      return s;
    });
    this.onEnded(id);
    return summary;
  }

  rate(userId: string, id: string, rating: number, comment?: string) {
    return this.store.tx(() => {
      const r = this.forCustomer(userId, id);
      if (r.status !== 'ended') throw new ApiError(409, 'session_active', 'Rate the engineer after ending the session.');
      if (!r.engineer_id) throw new ApiError(409, 'no_engineer', 'No engineer joined this session; there is nobody to rate.');
      if (r.rating !== null) throw new ApiError(409, 'already_rated', 'This session was already rated.');
      this.store.stmt('UPDATE tasks SET rating = ?, rating_comment = ? WHERE id = ?').run(rating, comment ?? null, id);
      return { taskId: id, rating, comment: comment ?? null };
    });
  }
}
