// `.codevf/session.json`: the task, its last seq, pending requests, session rules and the outbox, so a
// restarted agent continues with resumeTask. Written atomically; changes coalesce into one write at a time.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { OutboxRoute, PendingRequest } from '../../protocol/methods/session.js';
import type { Logger } from '../log.js';
import { readOwnFile, writeOwnFile } from '../project/own-dir.js';

export { OutboxRoute };
export const OutboxItem = z.object({ key: z.string(), route: OutboxRoute, body: z.record(z.string(), z.unknown()), createdAt: z.string() });
export type OutboxItem = z.infer<typeof OutboxItem>;

export const StoredRequest = z.object({ seq: z.number().int(), request: PendingRequest, cwdRel: z.string().optional() });
export type StoredRequest = z.infer<typeof StoredRequest>;

export const RunningRecord = z.object({ requestId: z.string(), pid: z.number().int().nullable(), startTicks: z.number().nullable(), startedAt: z.string() });
export type RunningRecord = z.infer<typeof RunningRecord>;

export const SessionFile = z.object({
  version: z.literal(1),
  taskId: z.string(),
  host: z.string().nullable(),
  status: z.enum(['open', 'active', 'ended']),
  lastSeq: z.number().int().min(0),
  engineer: z.string().nullable(),
  pending: z.array(StoredRequest),
  sessionRules: z.array(z.object({ command: z.string(), cwd: z.string() })),
  outbox: z.array(OutboxItem),
  /** Commands running when this was written: a restarted agent kills what is left of them. */
  running: z.array(RunningRecord).default([]),
  updatedAt: z.string(),
});
export type SessionFile = z.infer<typeof SessionFile>;

export const sessionFilePath = (root: string) => join(root, '.codevf', 'session.json');

export async function readSessionFile(root: string): Promise<SessionFile | null> {
  const file = sessionFilePath(root);
  const raw = await readOwnFile(root, 'session.json'); // a link or another user's file is refused by name
  if (raw === null) return null;
  // The agent writes it 0600 for its user. A file that came with the project (a clone, an archive) could name
  // another backend, session rules and pids: never trust one this user's agent did not write.
  const st = await stat(file);
  if (process.platform !== 'win32' && (st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0)) {
    throw new RpcError(ErrorCode.Forbidden, `${file} was not written by your CodeVF agent (owner or permissions differ); `
      + 'delete it to start a new session.', 'untrusted_session_file');
  }
  let json: unknown;
  try { json = JSON.parse(raw); } catch {
    throw new RpcError(ErrorCode.InvalidConfig, `${file} is not valid JSON; delete it to start a new session.`, 'invalid_session_file');
  }
  const parsed = SessionFile.safeParse(json);
  if (!parsed.success) {
    throw new RpcError(ErrorCode.InvalidConfig, `${file} is invalid (${parsed.error.issues[0]?.path.join('.')}); delete it to start a new session.`, 'invalid_session_file');
  }
  return parsed.data;
}

/** Writes the latest snapshot; a change during a write schedules one more write, never two at once. */
export class SessionSaver {
  private writing: Promise<void> | null = null;
  /** Something changed since the last write. */
  private dirty = false;
  /** A write is wanted now (an urgent change, a lazy wait that ran out, a flush). */
  private due = false;
  private lazy?: NodeJS.Timeout;

  constructor(private root: string, private snapshot: () => SessionFile, private log: Logger) {}

  /**
   * Saves soon: at once by default; `lazyMs` lets bulk changes (output chunks, a flood of refused requests)
   * share one write, also while a write is under way. An urgent change cuts the wait short.
   */
  schedule(lazyMs = 0): void {
    this.dirty = true;
    if (lazyMs > 0) {
      this.lazy ??= setTimeout(() => { this.lazy = undefined; this.due = true; this.kick(); }, lazyMs);
      return;
    }
    this.due = true;
    this.kick();
  }

  private kick(): void {
    if (!this.due) return;
    clearTimeout(this.lazy);
    this.lazy = undefined;
    if (this.dirty && !this.writing) this.writing = this.loop();
  }

  async flush(): Promise<void> {
    this.due = true;
    this.kick();
    while (this.writing) await this.writing;
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty && this.due) {
        this.dirty = false;
        this.due = false;
        const data = JSON.stringify(this.snapshot(), null, 1);
        try {
          await writeOwnFile(this.root, 'session.json', data);
        } catch (err) {
          this.log.error('could not save .codevf/session.json', err);
        }
      }
    } finally {
      this.writing = null;
    }
  }
}
