// What each side may send into a task. Both the REST routes and the WebSocket frames end up here, so the
// rules (who may answer which request, in which state) live in one place.
import type { z } from 'zod';
import type { CommandOutput, CustomerAction, EngineerAction } from '../../protocol/backend/index.js';
import type { Posted } from '../../protocol/backend/tasks.js';
import type { RequestKind } from '../../protocol/methods/requests.js';
import { RateLimiter } from '../auth/ratelimit.js';
import type { Config } from '../config.js';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import type { User } from '../users.js';
import { newId } from '../util.js';
import type { KeyClaim } from '../idempotency.js';
import type { Files } from './files.js';
import type { EventLog } from './log.js';
import { taskEnded, type Side, type Tasks } from './service.js';

type Kind = RequestKind;
type Status = 'pending' | 'allowed' | 'denied' | 'done';
export type { Posted };
/** A chat message action of either side. */
export type ChatMessage = Extract<z.output<typeof CustomerAction>, { type: 'customer_message' }>
  | Extract<z.output<typeof EngineerAction>, { type: 'engineer_message' }>;

export class Actions {
  private asks: RateLimiter;

  constructor(private store: Store, private log: EventLog, private tasks: Tasks, private files: Files,
    private config: Pick<Config, 'requestsPerMinute' | 'openRequests'>) {
    this.asks = new RateLimiter(config.requestsPerMinute, 60_000);
  }

  private request(taskId: string, requestId: string, kind: Kind): Status {
    const r = this.store.stmt('SELECT kind, status FROM requests WHERE task_id = ? AND request_id = ?')
      .get(taskId, requestId) as { kind: Kind; status: Status } | undefined;
    if (!r || r.kind !== kind) throw new ApiError(404, 'request_not_found', `No ${kind} request ${requestId} in this task.`);
    return r.status;
  }

  private setStatus(taskId: string, requestId: string, status: Status): void {
    this.store.stmt('UPDATE requests SET status = ? WHERE task_id = ? AND request_id = ?').run(status, taskId, requestId);
  }

  private decide(taskId: string, requestId: string, kind: Kind, decision: 'allow' | 'deny'): void {
    const status = this.request(taskId, requestId, kind);
    if (status !== 'pending') throw new ApiError(409, 'request_already_answered', `Request ${requestId} was already answered (${status}).`);
    this.setStatus(taskId, requestId, decision === 'allow' ? 'allowed' : 'denied');
  }

  private mustRun(taskId: string, requestId: string): void {
    const status = this.request(taskId, requestId, 'command');
    if (status === 'done') throw new ApiError(409, 'command_finished', `Command ${requestId} already reported its result.`);
    if (status !== 'allowed') throw new ApiError(409, 'command_not_allowed', `Command ${requestId} was not allowed; nothing may run.`);
  }

  /** A chat message stored by one statement (`EventLog.appendAs`: the access rules, the task's state and its
   *  log cap in the insert itself), or nothing stored and undefined (`customer`/`engineer` then say why).
   *  Either the statement stores the event or nothing is written: it needs no savepoint of its own. */
  message(side: Side, user: User, taskId: string, a: ChatMessage, claim?: KeyClaim): Posted | undefined {
    const e = this.log.appendAs(side, user.id, taskId, a.type, a.payload, claim);
    return e && { seq: e.seq };
  }

  /** With a `claim` (a socket frame's idempotency key), a message stores the key on its event (idempotency.ts). */
  customer(user: User, taskId: string, a: z.output<typeof CustomerAction>, claim?: KeyClaim): Posted {
    return this.store.tx(() => {
      // Most frames are messages: one statement checks the access rules and stores it. When it stores nothing,
      // the checks below run again on their own and answer why.
      if (a.type === 'customer_message') {
        const posted = this.message('customer', user, taskId, a, claim);
        if (posted) return posted;
      }
      const t = this.tasks.access('customer', user.id, taskId);
      if (t.status === 'ended') throw taskEnded();
      switch (a.type) {
        case 'customer_message':
          return { seq: this.log.append(taskId, a.type, a.payload).seq };
        case 'command_decision':
          this.decide(taskId, a.payload.requestId, 'command', a.payload.decision);
          return { seq: this.log.append(taskId, a.type, a.payload).seq };
        case 'file_decision':
          this.decide(taskId, a.payload.requestId, 'file', a.payload.decision);
          return { seq: this.log.append(taskId, a.type, a.payload).seq };
        case 'write_decision':
          this.decide(taskId, a.payload.requestId, 'write', a.payload.decision);
          return { seq: this.log.append(taskId, a.type, a.payload).seq };
        case 'command_output': return this.output(taskId, a.payload);
        case 'command_result':
          this.mustRun(taskId, a.payload.requestId);
          this.setStatus(taskId, a.payload.requestId, 'done');
          return { seq: this.log.append(taskId, a.type, a.payload).seq };
        case 'file_upload': {
          const requestId = a.payload.requestId;
          if (requestId) {
            const status = this.request(taskId, requestId, 'file');
            if (status === 'denied' || status === 'done') throw new ApiError(409, 'request_already_answered', `File request ${requestId} was already answered (${status}).`);
            this.setStatus(taskId, requestId, 'done');
          }
          const saved = this.files.save(user.id, taskId, a.payload.path, a.payload.contentBase64);
          return { seq: this.log.append(taskId, 'file_upload', { ...saved, requestId }).seq };
        }
      }
      throw new ApiError(400, 'invalid_body', 'body.type: unknown action');
    });
  }

  /** A chunk index already stored answers its first seq, so a resent chunk is never shown twice. */
  private output(taskId: string, p: z.output<typeof CommandOutput>): Posted {
    this.mustRun(taskId, p.requestId);
    const seen = this.store.stmt('SELECT seq FROM output_chunks WHERE task_id = ? AND request_id = ? AND stream = ? AND idx = ?')
      .get(taskId, p.requestId, p.stream, p.index) as { seq: number } | undefined;
    if (seen) return { seq: seen.seq };
    const { seq } = this.log.append(taskId, 'command_output', p);
    this.store.stmt('INSERT INTO output_chunks (task_id, request_id, stream, idx, seq) VALUES (?,?,?,?,?)')
      .run(taskId, p.requestId, p.stream, p.index, seq);
    return { seq };
  }

  engineer(user: User, taskId: string, a: z.output<typeof EngineerAction>, claim?: KeyClaim): Posted {
    return this.store.tx(() => {
      if (a.type === 'engineer_message') { // as in `customer`
        const posted = this.message('engineer', user, taskId, a, claim);
        if (posted) return posted;
      }
      const t = this.tasks.access('engineer', user.id, taskId);
      if (t.status === 'ended') throw taskEnded();
      switch (a.type) {
        case 'engineer_message':
          return { seq: this.log.append(taskId, a.type, a.payload).seq };
        case 'request_command': return this.ask(taskId, 'command', (requestId) => this.log.append(taskId, a.type, { requestId, ...a.payload }));
        case 'request_file': return this.ask(taskId, 'file', (requestId) => this.log.append(taskId, a.type, { requestId, ...a.payload }));
        case 'request_write': return this.ask(taskId, 'write', (requestId) => this.log.append(taskId, a.type, { requestId, ...a.payload }));
        case 'screenshare_request': return this.ask(taskId, 'screenshare', (requestId) => this.log.append(taskId, a.type, { requestId, ...a.payload }));
        case 'end_session':
          this.tasks.end(taskId, 'engineer_ended');
          return { seq: this.tasks.row(taskId).last_seq };
      }
      throw new ApiError(400, 'invalid_body', 'body.type: unknown action');
    });
  }

  /** A new engineer request, within the task's rate and its number of requests awaiting the customer. */
  private ask(taskId: string, kind: Kind, emit: (requestId: string) => { seq: number }): Posted {
    const { open } = this.store.stmt(`SELECT COUNT(*) AS open FROM requests WHERE task_id = ? AND status = 'pending'`)
      .get(taskId) as { open: number };
    if (open >= this.config.openRequests) {
      throw new ApiError(429, 'too_many_open_requests', `${open} requests already await the customer's answer; `
        + 'wait for one before asking again.');
    }
    this.asks.hit(taskId, 'requests on this task (command, file, screen share)');
    const requestId = newId('req');
    this.store.stmt(`INSERT INTO requests (task_id, request_id, kind, status) VALUES (?,?,?, 'pending')`).run(taskId, requestId, kind);
    return { seq: emit(requestId).seq, requestId };
  }
}
