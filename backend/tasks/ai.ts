// AI sessions: the free daily allowance per account, and the hand-off that moves an AI or hybrid task to
// the human queue with the AI transcript stored as ordinary task events. No credits are charged here:
// billing starts only when an engineer connects to a claimed task (billing.ts).
import type { z } from 'zod';
import type { HandoffRequest, HandoffReason } from '../../protocol/backend/index.js';
import type { Config } from '../config.js';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import type { User } from '../users.js';
import type { EventLog } from './log.js';
import { taskEnded, type Tasks } from './service.js';

const utcDay = (ms = Date.now()) => new Date(ms).toISOString().slice(0, 10);
const nextUtcMidnight = () => { const d = new Date(); d.setUTCHours(24, 0, 0, 0); return d; };

export function aiSessionsToday(store: Store, userId: string): number {
  return (store.stmt('SELECT COUNT(*) AS n FROM ai_sessions WHERE user_id = ? AND day = ?').get(userId, utcDay()) as { n: number }).n;
}

export function allowanceExhausted(config: Config): ApiError {
  const at = nextUtcMidnight();
  return new ApiError(402, 'ai_allowance_exhausted', `The free AI allowance (${config.aiDailySessions} sessions a day) is used up `
    + `until ${at.toISOString()}; ask for a human engineer instead (mode human or hybrid).`,
  { 'retry-after': String(Math.ceil((at.getTime() - Date.now()) / 1000)) });
}

export function recordAiSession(store: Store, userId: string, taskId: string, tool: string | null): void {
  store.stmt('INSERT INTO ai_sessions (task_id, user_id, day, tool, started_at) VALUES (?,?,?,?,?)')
    .run(taskId, userId, utcDay(), tool, Date.now());
}

export class AiHandoff {
  constructor(private store: Store, private log: EventLog, private tasks: Tasks) {}

  /** Stores the transcript, then the `handoff` event, and puts the task in the human queue, in one transaction. */
  handoff(user: User, taskId: string, b: z.output<typeof HandoffRequest>) {
    return this.store.tx(() => {
      const t = this.tasks.forCustomer(user.id, taskId);
      if (t.status === 'ended') throw taskEnded();
      if (t.mode === 'human') throw new ApiError(409, 'not_an_ai_task', 'This task already went to a human engineer from the start.');
      if (t.handed_off_at) throw new ApiError(409, 'already_handed_off', 'This task is already in the human queue.');
      const balance = (this.store.stmt('SELECT balance FROM users WHERE id = ?').get(user.id) as { balance: number }).balance;
      if (balance < t.credits_per_minute) {
        throw new ApiError(402, 'insufficient_credits', `A human engineer costs ${t.credits_per_minute} credits a minute and your balance is ${balance}; top up first.`);
      }
      for (const entry of b.transcript) this.log.append(taskId, 'ai_transcript', entry);
      this.store.stmt('UPDATE tasks SET handed_off_at = ? WHERE id = ?').run(Date.now(), taskId);
      const h = { reason: b.reason as HandoffReason, detail: b.detail ?? null, aiTool: t.ai_tool, entries: b.transcript.length };
      this.log.append(taskId, 'handoff', h);
      return h;
    });
  }
}
