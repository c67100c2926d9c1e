// What both front doors (JSON-RPC and ACP) share: cleanup on the way out, the exit path, signals, and the one
// boundary for the unexpected. Crash-only: an uncaught exception kills running commands (through the same
// cleanup, which also flushes the audit log) and exits non-zero; front ends start a new agent and resumeTask.
import type { Peer } from '../rpc/peer.js';
import type { Transport } from '../rpc/transport.js';
import type { Logger } from './log.js';

export interface Lifecycle {
  onDispose(fn: () => Promise<void> | void): void;
  /** Runs every cleanup now (shutdown); later exits find nothing left to do. */
  disposeAll(): Promise<void>;
  exit(code: number, why: string, drainMs?: number): Promise<void>;
}

const bounded = (p: Promise<unknown>, ms: number) => Promise.race([p, new Promise((r) => setTimeout(r, ms).unref())]);

export function lifecycle(log: Logger, peer: Peer, transport: Transport, beforeExit: () => Promise<void> | void = () => {}): Lifecycle {
  const disposers: Array<() => Promise<void> | void> = [];
  let exiting = false;
  const disposeAll = async () => { await Promise.allSettled(disposers.splice(0).map(async (d) => d())); };

  /** Answers what is in flight (up to `drainMs`), cleans up (bounded, so exit stays within a second), flushes the wire, exits. */
  const exit = async (code: number, why: string, drainMs = 300) => {
    if (exiting) return;
    exiting = true;
    log.info(`exiting (${why})`);
    await peer.idle(drainMs);
    await bounded(Promise.resolve().then(beforeExit), 700);
    await bounded(disposeAll(), 700);
    await bounded(transport.close(), 2000);
    process.exit(code);
  };

  const crash = (what: string) => (err: unknown) => {
    log.error(`${what}: the agent stops (running commands are killed); start a new one and call resumeTask`, err);
    void exit(70, what, 0); // EX_SOFTWARE
  };
  transport.onClose(() => void exit(0, 'stdin closed', 30_000)); // every request already read gets its real answer
  process.on('SIGTERM', () => void exit(0, 'SIGTERM'));
  process.on('SIGINT', () => void exit(0, 'SIGINT'));
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
  return { onDispose: (fn) => { disposers.push(fn); }, disposeAll, exit };
}
