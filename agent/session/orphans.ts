// Commands left running by an agent that was killed: its process group outlives it. A restarted agent
// kills that group (only when /proc proves it is the same process: same pid and same start time, so a
// reused pid is never hit) and tells the engineer the command ended, since nobody is relaying it any more.
import { readFileSync } from 'node:fs';
import { CommandFinished } from '../../protocol/methods/session.js';
import type { Session } from './session.js';
import type { RunningRecord } from './store.js';

/** Start time of a process in clock ticks since boot (Linux), or null. */
export function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

export async function reapOrphans(s: Session, orphans: RunningRecord[]): Promise<void> {
  for (const o of orphans) {
    let killed = false;
    if (o.pid && o.startTicks !== null && processStart(o.pid) === o.startTicks) {
      try { process.kill(-o.pid, 'SIGKILL'); killed = true; } catch { /* already gone */ }
    }
    const durationMs = Math.max(0, Date.now() - Date.parse(o.startedAt));
    void s.outbox.enqueue('commandResult', { requestId: o.requestId, exitCode: null, signal: 'SIGKILL', durationMs, truncated: true });
    await s.agent.notify(CommandFinished, { taskId: s.taskId, requestId: o.requestId, exitCode: null, signal: 'SIGKILL',
      durationMs, truncated: true, redactions: 0, timedOut: false });
    await s.audit.append({ event: 'command_finished', taskId: s.taskId, requestId: o.requestId, exitCode: null, signal: 'SIGKILL',
      durationMs, reason: killed ? 'agent_restarted: left-over process group killed' : 'agent_restarted', truncated: true });
  }
}
