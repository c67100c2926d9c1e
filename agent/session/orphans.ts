// Commands left running by an agent that was killed: its process group outlives it. A restarted agent kills
// that group — only when /proc proves it is the same process (same pid *and* same start time, so a reused pid
// is never hit) — and tells the engineer the truth: stopped because the customer's agent restarted, or, when
// the agent cannot tell what became of it, that its end is unknown. It never invents an exit code or a signal.
import { CommandFinished } from '../../protocol/methods/session.js';
import type { KindDeps } from './kinds/kind.js';
import { processStart } from './proc-start.js';
import type { RunningRecord } from './store.js';

export const STOPPED_ON_RESTART = "stopped: the customer's agent restarted";
export const FATE_UNKNOWN = "unknown: the customer's agent restarted and could not tell how the command ended";

type OrphanDeps = Pick<KindDeps, 'taskId' | 'notify' | 'audit' | 'outbox'>;

/** Kills the left-over group if it is provably the one we started; true when it was still running and was killed. */
function killIfSame(o: RunningRecord): boolean {
  if (!o.pid || o.startTicks === null || processStart(o.pid) !== o.startTicks) return false;
  try { process.kill(-o.pid, 'SIGKILL'); return true; } catch { return false; }
}

export async function reapOrphans(d: OrphanDeps, orphans: RunningRecord[]): Promise<void> {
  for (const o of orphans) {
    const stopped = killIfSame(o);
    const outcome = stopped ? STOPPED_ON_RESTART : FATE_UNKNOWN;
    const durationMs = Math.max(0, Date.now() - Date.parse(o.startedAt));
    await d.audit.append({ event: 'command_finished', taskId: d.taskId, requestId: o.requestId, exitCode: null, signal: null,
      durationMs, reason: outcome, truncated: true });
    void d.outbox.enqueue('commandResult', { requestId: o.requestId, exitCode: null, signal: null, durationMs, truncated: true,
      outcome: stopped ? 'agent_restarted' : 'unknown', reason: outcome });
    await d.notify(CommandFinished, { taskId: d.taskId, requestId: o.requestId, exitCode: null, signal: null,
      durationMs, truncated: true, redactions: 0, timedOut: false, outcome: stopped ? 'agent_restarted' : 'unknown' });
  }
}
