// `.codevf/audit.jsonl`: one JSON line per request, decision, command end and file sent, appended in order.
// Opened in append mode only (never truncated or rewritten), 0600: it names commands and paths.
import { appendOwnFile } from '../project/own-dir.js';
import type { DecidedBy, Requester, RequestKind } from '../../protocol/methods/requests.js';
import type { Logger } from '../log.js';

export type { DecidedBy };

export interface AuditEntry {
  event: 'request' | 'decision' | 'command_started' | 'command_finished' | 'file_sent' | 'file_refused' | 'file_written' | 'session_end'
    | 'ai_started' | 'ai_stopped' | 'handoff' | 'ai_permission_refused';
  taskId: string;
  requestId?: string;
  kind?: RequestKind;
  command?: string;
  cwd?: string;
  path?: string;
  engineer?: string | null;
  /** Who asked: the engineer or the AI agent (and which). */
  requester?: Requester;
  /** What an AI agent's refused permission request was for (its tool kind and title). */
  subject?: string;
  /** SHA-256 of the unified diff shown for a write request. */
  diffSha256?: string;
  /** The AI agent (its allowedTools name), for ai_started / ai_stopped / handoff. */
  aiTool?: string;
  decision?: 'allow' | 'deny';
  decidedBy?: DecidedBy;
  scope?: 'once' | 'session';
  reason?: string;
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  durationMs?: number;
  bytesSent?: number;
  redactions?: number;
  redactionKinds?: string[];
  truncated?: boolean;
  override?: boolean;
  /** Stable code of a refusal by the agent's own checks. */
  refusal?: string;
}

export class AuditLog {
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly root: string, private log: Logger) {}

  /** Queues one line; lines land in call order. Resolves once written (failures are logged, not thrown). */
  append(entry: AuditEntry): Promise<void> {
    const line = JSON.stringify({ ts: new Date().toISOString(), ...entry }) + '\n';
    this.chain = this.chain.then(async () => {
      try {
        await appendOwnFile(this.root, 'audit.jsonl', line); // never through a link (O_NOFOLLOW)
      } catch (err) {
        this.log.error(`could not write the audit log in ${this.root}/.codevf`, err);
      }
    });
    return this.chain;
  }

  flush(): Promise<void> { return this.chain; }
}
