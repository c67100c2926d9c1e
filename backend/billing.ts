// Per-minute metering while an engineer is connected. Each billed minute is a ledger row keyed by
// (task, minute number) written in the same transaction as the balance change, so no minute is charged
// twice, also across restarts; a minute cut short by a disconnect or a crash is not charged.
import type { Config } from './config.js';
import type { Store } from './db.js';
import type { EventLog } from './tasks/log.js';
import type { Tasks } from './tasks/service.js';

interface Meter { connections: number; timer: NodeJS.Timeout }

export class Billing {
  private meters = new Map<string, Meter>();

  constructor(private store: Store, private log: EventLog, private tasks: Tasks, private config: Config) {
    tasks.onEnded = (taskId) => this.stop(taskId);
  }

  /** An engineer socket opened: the first one announces the engineer and starts the meter. */
  engineerJoined(taskId: string, engineerId: string): void {
    const m = this.meters.get(taskId);
    if (m) { m.connections++; return; }
    const outOfCredit = this.store.tx(() => {
      const t = this.tasks.row(taskId);
      if (t.status !== 'active') return false;
      if (!t.first_connected_at) this.store.stmt('UPDATE tasks SET first_connected_at = ? WHERE id = ?').run(Date.now(), taskId);
      this.log.append(taskId, 'engineer_connected', { engineer: this.tasks.person(engineerId)! });
      return this.balanceOf(t.customer_id) < t.credits_per_minute;
    });
    if (outOfCredit) { this.tasks.end(taskId, 'credits_exhausted'); return; }
    if (this.tasks.row(taskId).status !== 'active') return;
    const timer = setInterval(() => this.chargeMinute(taskId), this.config.minuteMs);
    this.meters.set(taskId, { connections: 1, timer });
  }

  engineerLeft(taskId: string, engineerId: string): void {
    const m = this.meters.get(taskId);
    if (!m) return;
    if (--m.connections > 0) return;
    this.stop(taskId);
    if (this.tasks.row(taskId).status === 'active') {
      this.log.append(taskId, 'engineer_disconnected', { engineer: this.tasks.person(engineerId)! });
    }
  }

  stop(taskId: string): void {
    const m = this.meters.get(taskId);
    if (m) clearInterval(m.timer);
    this.meters.delete(taskId);
  }

  stopAll(): void {
    for (const id of [...this.meters.keys()]) this.stop(id);
  }

  private balanceOf(userId: string): number {
    return (this.store.stmt('SELECT balance FROM users WHERE id = ?').get(userId) as { balance: number }).balance;
  }

  /** Charges one full minute; ends the session cleanly when the next minute could not be paid. */
  chargeMinute(taskId: string): void {
    try {
      this.store.tx(() => {
        const t = this.tasks.row(taskId);
        if (t.status !== 'active') return this.stop(taskId);
        const rate = t.credits_per_minute;
        const before = this.balanceOf(t.customer_id);
        if (before < rate) return this.tasks.end(taskId, 'credits_exhausted');
        const minute = t.billed_minutes + 1;
        const balance = before - rate;
        const db = this.store.db;
        db.prepare('INSERT INTO billing_ledger (task_id, minute, credits, balance_after, created_at) VALUES (?,?,?,?,?)')
          .run(taskId, minute, rate, balance, Date.now());
        db.prepare('UPDATE users SET balance = balance - ? WHERE id = ? AND balance >= ?').run(rate, t.customer_id, rate);
        db.prepare('UPDATE tasks SET billed_minutes = ?, credits_used = credits_used + ? WHERE id = ?').run(minute, rate, taskId);
        this.log.append(taskId, 'billing_update', {
          minutes: minute, creditsUsed: t.credits_used + rate, balance, creditsPerMinute: rate,
          lowBalance: balance < rate * this.config.lowBalanceMinutes,
        });
        if (balance < rate) this.tasks.end(taskId, 'credits_exhausted');
      });
    } catch (e) {
      process.stderr.write(`sandbox: billing failed for a task: ${String(e)}\n`);
    }
  }
}
