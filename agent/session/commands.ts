// Runs an approved command for a session: output to the front end (awaited: backpressure) and, capped, to
// the backend through the outbox; then command_finished, the backend's command-result and the audit line.
import { CommandFinished, CommandOutputNote } from '../../protocol/methods/session.js';
import { outsideRequest } from '../cancel.js';
import { CappedOutput } from './capped-output.js';
import type { KindDeps } from './kinds/kind.js';
import { RunningCommand, type OutputSockets } from './runner.js';

export type CommandDeps = Pick<KindDeps, 'taskId' | 'cfg' | 'env' | 'notify' | 'audit' | 'outbox' | 'log'>;

export interface ApprovedCommand { requestId: string; command: string; workingDirectory: string }

/** The customer's environment minus CodeVF's own token: an engineer's command has no use for it. */
function commandEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CODEVF_TOKEN: _token, ...rest } = env;
  return rest;
}

/**
 * Backpressure with a little slack: up to `size` notifications may wait in the stdout buffer before the
 * child's pipe is paused, so the agent redacts the next chunk while the front end reads the last one.
 * Memory stays bounded by size x chunk (64 KiB pipe reads). `add` returns a promise only when the caller must
 * wait: a notification already taken by the stream costs no pause of the pipe.
 */
class Window {
  private waiting = new Set<Promise<void>>(); // one entry per notification (several may share one promise)
  private wake: Array<() => void> = [];
  constructor(private size: number) {}
  add(p: Promise<void>): Promise<void> | undefined {
    const done = () => { this.waiting.delete(entry); this.wake.shift()?.(); };
    const entry = p.then(done, done);
    this.waiting.add(entry);
    if (this.waiting.size < this.size) return undefined;
    return new Promise<void>((resolve) => this.wake.push(resolve));
  }
  drain(): Promise<unknown> { return Promise.all([...this.waiting]); }
}

/** Runs an approved command: it outlives the approveCommand request, so that request's cancel does not stop it
 *  (cancelCommand does), nor the relay of its output. */
export function startCommand(s: CommandDeps, cmd: ApprovedCommand, onDone: () => void, sockets?: OutputSockets): RunningCommand {
  return outsideRequest(() => start(s, cmd, onDone, sockets));
}

function start(s: CommandDeps, cmd: ApprovedCommand, onDone: () => void, sockets?: OutputSockets): RunningCommand {
  const { cfg, taskId, notify } = s;
  const { requestId } = cmd;
  const capped = new CappedOutput(cfg.outputCapBytes, cfg.outputTailBytes, (stream, index, data) => {
    void s.outbox.enqueue('commandOutput', { requestId, stream, index, data });
  });
  const window = new Window(8);
  const run = new RunningCommand(
    { command: cmd.command, cwd: cmd.workingDirectory, timeoutMs: cfg.commandTimeoutMs, env: commandEnv(s.env) },
    (stream, data, redactions) => {
      capped.write(stream, data);
      return window.add(notify(CommandOutputNote, { taskId, requestId, stream, data, redactions }));
    },
    sockets,
  );
  // Logged once the child exists: one that could not be spawned never started (its approval says why).
  void run.spawned.then(() => s.audit.append({ event: 'command_started', taskId, requestId, command: cmd.command, cwd: cmd.workingDirectory }), () => {});
  void run.done.then(async (r) => {
    await window.drain();
    const { truncated } = capped.finish();
    // The audit line first, so nobody sees a result the log does not hold yet.
    await s.audit.append({
      event: 'command_finished', taskId, requestId, command: cmd.command, exitCode: r.exitCode, signal: r.signal,
      timedOut: r.timedOut, reason: r.killed ?? undefined, durationMs: r.durationMs, bytesSent: capped.bytesSent,
      redactions: r.redactions, redactionKinds: r.redactionKinds, truncated,
    });
    void s.outbox.enqueue('commandResult', { requestId, exitCode: r.exitCode, signal: r.signal, durationMs: r.durationMs, truncated });
    await notify(CommandFinished, {
      taskId, requestId, exitCode: r.exitCode, signal: r.signal, durationMs: r.durationMs, truncated,
      redactions: r.redactions, timedOut: r.timedOut,
    });
  }).catch((err) => s.log.error(`command ${requestId} could not be run or its end recorded`, err)).finally(onDone);
  return run;
}
