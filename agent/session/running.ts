// Approved commands running now, and what session.json keeps of them (pid and process start time) so a
// restarted agent can find and stop what the previous one left running.
import { processStart } from './proc-start.js';
import type { RunningCommand } from './runner.js';
import type { RunningRecord } from './store.js';

export class RunningCommands {
  private running = new Map<string, RunningCommand>();
  private records = new Map<string, RunningRecord>();
  /** Set by killAll: the session ended or the agent is exiting. */
  private closed: 'session_end' | 'agent_exit' | undefined;

  constructor(private save: () => void) {}

  add(requestId: string, cmd: RunningCommand): void {
    this.running.set(requestId, cmd);
    // Allowed while everything was being stopped (its answer was still being recorded): stopped as it starts.
    if (this.closed) cmd.kill(this.closed);
    // The child is spawned a moment later (its output sockets are made first): it is kept in session.json, for a
    // restarted agent to find, once it has a pid. One cancelled before that never starts.
    void cmd.spawned.then(() => {
      const pid = cmd.pid ?? null;
      if (!this.running.has(requestId) || !pid) return;
      this.records.set(requestId, { requestId, pid, startTicks: processStart(pid), startedAt: new Date(cmd.startedAt).toISOString() });
      this.save();
    }, () => {}); // not spawned: the caller awaiting `spawned` hears why, and `done` ends it here
  }

  remove(requestId: string): void {
    this.running.delete(requestId);
    this.records.delete(requestId);
    this.save();
  }

  has(requestId: string): boolean { return this.running.has(requestId); }
  list(): RunningRecord[] { return [...this.records.values()]; }
  cancel(requestId: string): boolean { return this.running.get(requestId)?.kill('cancel') ?? false; }
  /** Kills every running command, and any added from now on as soon as it starts. */
  killAll(why: 'session_end' | 'agent_exit'): void {
    this.closed ??= why;
    for (const c of this.running.values()) c.kill(why);
  }
  /** Resolves when every running command has ended, or after `ms`. */
  async settle(ms: number): Promise<void> {
    const runs = [...this.running.values()].map((c) => c.done);
    await Promise.race([Promise.allSettled(runs), new Promise((r) => setTimeout(r, ms).unref())]);
  }
}
