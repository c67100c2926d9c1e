// Engineer requests waiting for the customer: nothing runs and nothing is read without an explicit yes.
// Each is settled once — by the customer, a session rule, the timeout, a policy, or `no_front_end` when no
// person can answer — and every settlement reaches the backend (the engineer), the front end and the audit log.
import path from 'node:path';
import type { z } from 'zod';
import type { RequestCommand, RequestFile } from '../../protocol/backend/events.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import {
  RequestCommandNote, RequestFileNote, RequestResolved, type PendingRequest,
} from '../../protocol/methods/session.js';
import { neverShareReason } from '../security/never-share.js';
import { checkPathSyntax } from '../security/path-syntax.js';
import type { ApprovalPolicy } from '../policy.js';
import type { DecidedBy } from './audit.js';
import { startCommand } from './commands.js';
import { commandFolder } from './cwd.js';
import { readForUpload, uploadBody, uploadResult } from './files.js';
import type { Delivery } from './outbox.js';
import type { RunningCommand } from './runner.js';
import { assertSessionScope } from './rules.js';
import type { Session } from './session.js';
import { processStart } from './orphans.js';
import type { RunningRecord, StoredRequest } from './store.js';

/** Characters that can make a terminal or editor show something other than what runs (tab and newline stay). */
const HIDING_CHARS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

type Pending = z.infer<typeof PendingRequest>;
interface Entry { seq: number; request: Pending; timer?: NodeJS.Timeout; settled?: boolean }
type Decision = 'allow' | 'deny';

const notFound = (requestId: string) =>
  new RpcError(ErrorCode.NotFound, `No pending request ${requestId}: it was answered, timed out, or never existed. Call listPendingRequests.`, 'not_found');

function safeNeverShare(p: string): string | null {
  try { return neverShareReason(checkPathSyntax(p).join('/')); } catch { return null; }
}

export class Requests {
  private pending = new Map<string, Entry>();
  private running = new Map<string, RunningCommand>();
  private records = new Map<string, RunningRecord>();

  constructor(private s: Session, stored: StoredRequest[]) {
    for (const st of stored) this.pending.set(st.request.requestId, { seq: st.seq, request: st.request });
  }

  stored(): StoredRequest[] { return [...this.pending.values()].map((e) => ({ seq: e.seq, request: e.request })); }
  list(): Pending[] { return [...this.pending.values()].map((e) => e.request); }
  isRunning(requestId: string): boolean { return this.running.has(requestId); }
  runningRecords(): RunningRecord[] { return [...this.records.values()]; }

  /** A person can answer only through a front end that declared `capabilities.approvals` in initialize. */
  private canAsk(): boolean { return this.s.agent.client?.capabilities?.approvals === true; }

  private times() {
    const now = Date.now();
    return { receivedAt: new Date(now).toISOString(), expiresAt: new Date(now + this.s.cfg.approvalTimeoutMs).toISOString() };
  }

  async onCommandRequest(p: z.output<typeof RequestCommand>, seq: number, _at: string): Promise<void> {
    if (this.pending.has(p.requestId)) return; // replayed after a restart: already held, shown and timed
    const { taskId } = this.s;
    let folder: string | null = null;
    let refusal: string | null = null;
    try { folder = await commandFolder(this.s.deps.root, p.cwd); } catch (err) { refusal = (err as Error).message; }
    // A carriage return, escape sequence or bidi override can make the shown command differ from what runs.
    if (!refusal && HIDING_CHARS.test(p.command)) refusal = 'the command contains control characters that could hide what it runs';
    const request: Pending = { type: 'command', taskId, requestId: p.requestId, command: p.command, reason: p.reason,
      workingDirectory: folder ?? this.s.deps.root, engineer: this.s.engineer, ...this.times() };
    const entry: Entry = { seq, request };
    await this.s.audit.append({ event: 'request', taskId, requestId: p.requestId, kind: 'command', command: p.command,
      cwd: request.workingDirectory, engineer: this.s.engineer, reason: p.reason });
    await this.announce(entry);
    if (refusal) return void await this.decide(entry, 'deny', 'policy', `Refused: ${refusal}`);
    if (this.policy) return void await this.byPolicy(entry);
    if (!this.canAsk()) return void await this.decide(entry, 'deny', 'no_front_end', NO_FRONT_END);
    if (this.s.rules.allows(p.command, request.workingDirectory)) {
      await this.decide(entry, 'allow', 'rule', 'Allowed by the customer for this session.');
      this.run(entry);
      return;
    }
    this.hold(entry);
  }

  async onFileRequest(p: z.output<typeof RequestFile>, seq: number, _at: string): Promise<void> {
    if (this.pending.has(p.requestId)) return; // replayed after a restart: already held, shown and timed
    const { taskId } = this.s;
    const request: Pending = { type: 'file', taskId, requestId: p.requestId, path: p.path, reason: p.reason,
      engineer: this.s.engineer, neverShare: safeNeverShare(p.path), ...this.times() };
    const entry: Entry = { seq, request };
    await this.s.audit.append({ event: 'request', taskId, requestId: p.requestId, kind: 'file', path: p.path,
      engineer: this.s.engineer, reason: p.reason });
    await this.announce(entry);
    if (this.policy) return void await this.byPolicy(entry);
    if (!this.canAsk()) return void await this.decide(entry, 'deny', 'no_front_end', NO_FRONT_END);
    this.hold(entry);
  }

  /** After resumeTask: show every pending request again and re-arm its timeout (or time it out now). */
  async redeliver(): Promise<void> {
    for (const entry of [...this.pending.values()]) {
      await this.announce(entry);
      if (this.policy) await this.byPolicy(entry);
      else if (!this.canAsk()) await this.decide(entry, 'deny', 'no_front_end', NO_FRONT_END);
      else this.hold(entry);
    }
  }

  private get policy(): ApprovalPolicy | undefined { return this.s.agent.options.policy; }

  /** `--policy`: the policy answers instead of a person; a shared file still passes every path check. */
  private async byPolicy(entry: Entry): Promise<void> {
    const r = entry.request;
    const d = this.policy!.decide(r, this.s.deps.root);
    if (d.decision === 'deny') return void await this.decide(entry, 'deny', 'policy', d.reason);
    if (r.type === 'command') {
      await this.decide(entry, 'allow', 'policy', d.reason);
      return this.run(entry);
    }
    let shared;
    try { shared = await readForUpload(this.s, r.path, false); } catch (err) {
      return void await this.decide(entry, 'deny', 'policy', `Refused: ${(err as Error).message}`);
    }
    // The policy must allow the file actually served too: a link inside an allowed folder may point elsewhere.
    if (shared.path !== r.path && this.policy!.decide({ ...r, path: shared.path }, this.s.deps.root).decision === 'deny') {
      return void await this.decide(entry, 'deny', 'policy', `Denied: ${r.path} is a link to ${shared.path}, which the policy does not allow.`);
    }
    await this.decide(entry, 'allow', 'policy', d.reason);
    await this.send(shared, r.requestId, false, 'policy');
  }

  private async announce(e: Entry): Promise<void> {
    const r = e.request;
    const stamp = { taskId: r.taskId, seq: e.seq, requestId: r.requestId, reason: r.reason, engineer: r.engineer, expiresAt: r.expiresAt };
    if (r.type === 'command') await this.s.agent.notify(RequestCommandNote, { ...stamp, command: r.command, workingDirectory: r.workingDirectory });
    else await this.s.agent.notify(RequestFileNote, { ...stamp, path: r.path, neverShare: r.neverShare });
  }

  private hold(entry: Entry): void {
    this.pending.set(entry.request.requestId, entry);
    clearTimeout(entry.timer);
    const left = Math.max(0, Date.parse(entry.request.expiresAt) - Date.now());
    entry.timer = setTimeout(() => {
      const secs = Math.round(this.s.cfg.approvalTimeoutMs / 1000);
      void this.decide(entry, 'deny', 'timeout', `The customer did not answer within ${secs} s; denied automatically.`);
    }, left);
    entry.timer.unref?.();
    this.s.saver.schedule();
  }

  /** Settles a request once: backend (the engineer sees the reason), audit log, front end. */
  private async decide(entry: Entry, decision: Decision, by: DecidedBy, reason: string, scope?: 'once' | 'session'): Promise<Delivery> {
    const r = entry.request;
    clearTimeout(entry.timer);
    this.pending.delete(r.requestId);
    if (entry.settled) return new RpcError(ErrorCode.Conflict, `Request ${r.requestId} was already settled.`, 'already_settled');
    entry.settled = true;
    await this.s.audit.append({ event: 'decision', taskId: r.taskId, requestId: r.requestId, kind: r.type, decision, decidedBy: by,
      reason, scope, ...(r.type === 'command' ? { command: r.command, cwd: r.workingDirectory } : { path: r.path }) });
    const route = r.type === 'command' ? 'approveCommand' : 'approveFile';
    const delivered = this.s.outbox.enqueue(route, { requestId: r.requestId, decision, reason });
    await this.s.agent.notify(RequestResolved, { taskId: r.taskId, requestId: r.requestId, decision, decidedBy: by });
    this.s.saver.schedule();
    return delivered;
  }

  /** Claims a pending request for an answer, synchronously, so two answers (or an answer and the timer) never both act. */
  private take(requestId: string, type: Pending['type']): Entry {
    const e = this.pending.get(requestId);
    if (!e || e.request.type !== type) throw notFound(requestId);
    this.pending.delete(requestId);
    clearTimeout(e.timer);
    return e;
  }

  async approveCommand(requestId: string, decision: Decision, scope: 'once' | 'session') {
    const held = this.pending.get(requestId);
    if (held?.request.type === 'command' && decision === 'allow' && scope === 'session') assertSessionScope(held.request.command);
    const entry = this.take(requestId, 'command');
    const r = entry.request as Extract<Pending, { type: 'command' }>;
    if (decision === 'deny') {
      await this.decide(entry, 'deny', 'customer', 'The customer denied this command.', scope);
      return { requestId, decision, scope, started: false };
    }
    try {
      await commandFolder(this.s.deps.root, r.workingDirectory === this.s.deps.root ? undefined : relativeTo(this.s.deps.root, r.workingDirectory));
    } catch (err) {
      await this.decide(entry, 'deny', 'policy', `Refused: ${(err as Error).message}`);
      throw err;
    }
    if (scope === 'session') this.s.rules.add(r.command, r.workingDirectory);
    await this.decide(entry, 'allow', 'customer', scope === 'session' ? 'Allowed by the customer for this session.' : 'Allowed by the customer.', scope);
    this.run(entry);
    return { requestId, decision, scope, started: true };
  }

  /** Runs after the allow is queued: the outbox is ordered, so the backend sees the decision first. */
  private run(entry: Entry): void {
    const r = entry.request as Extract<Pending, { type: 'command' }>;
    const cmd = startCommand(this.s, { requestId: r.requestId, command: r.command, workingDirectory: r.workingDirectory }, () => {
      this.running.delete(r.requestId);
      this.records.delete(r.requestId);
      this.s.saver.schedule();
    });
    this.running.set(r.requestId, cmd);
    const pid = cmd.pid ?? null;
    this.records.set(r.requestId, { requestId: r.requestId, pid, startTicks: pid ? processStart(pid) : null,
      startedAt: new Date(cmd.startedAt).toISOString() });
    this.s.saver.schedule();
  }

  async answerFile(requestId: string, decision: Decision, override: boolean) {
    const entry = this.take(requestId, 'file');
    const r = entry.request as Extract<Pending, { type: 'file' }>;
    if (decision === 'deny') {
      await this.decide(entry, 'deny', 'customer', 'The customer denied this file.');
      return { sent: false, path: r.path, size: 0, binary: false, redactions: 0 };
    }
    let shared;
    try {
      shared = await readForUpload(this.s, r.path, override);
    } catch (err) {
      const reason = err instanceof RpcError ? err.data.reason : 'unreadable';
      await this.s.audit.append({ event: 'file_refused', taskId: r.taskId, requestId, path: r.path, reason, override });
      // A never-share refusal leaves the request open: the customer may still share this one file explicitly.
      if (reason !== 'never_share' || override) await this.decide(entry, 'deny', 'policy', `Refused: ${(err as Error).message}`);
      else this.hold(entry);
      throw err;
    }
    await this.decide(entry, 'allow', 'customer', override ? 'Shared by the customer despite the never-share list.' : 'Allowed by the customer.');
    return this.send(shared, requestId, override);
  }

  async shareFile(requested: string, override: boolean) {
    const { taskId } = this.s;
    let shared;
    try {
      shared = await readForUpload(this.s, requested, override);
    } catch (err) {
      await this.s.audit.append({ event: 'file_refused', taskId, path: requested, reason: err instanceof RpcError ? err.data.reason : 'unreadable', override });
      throw err;
    }
    return this.send(shared, null, override);
  }

  private async send(shared: Awaited<ReturnType<typeof readForUpload>>, requestId: string | null, override: boolean, by: DecidedBy = 'customer') {
    const body = uploadBody(shared, requestId);
    await this.s.audit.append({ event: 'file_sent', taskId: this.s.taskId, requestId: requestId ?? undefined, path: shared.path,
      decidedBy: by, override, bytesSent: Buffer.byteLength(body.contentBase64, 'base64'),
      redactions: shared.redactions.count, redactionKinds: shared.redactions.kinds });
    void this.s.outbox.enqueue('uploadFile', body);
    return uploadResult(shared);
  }

  /** A decision for a request this agent still holds arrived from the backend (sent by an earlier run). */
  settledElsewhere(requestId: string, decision: Decision): void {
    const e = this.pending.get(requestId);
    if (!e) return;
    clearTimeout(e.timer);
    this.pending.delete(requestId);
    void this.s.agent.notify(RequestResolved, { taskId: this.s.taskId, requestId, decision, decidedBy: 'customer' });
    this.s.saver.schedule();
  }

  cancel(requestId: string): boolean {
    return this.running.get(requestId)?.kill('cancel') ?? false;
  }

  killAll(why: 'session_end' | 'agent_exit'): void {
    for (const c of this.running.values()) c.kill(why);
  }

  stopTimers(): void {
    for (const e of this.pending.values()) clearTimeout(e.timer);
  }

  /** Session over: kill what runs, wait for it briefly, and close every prompt (nothing is asked any more). */
  async closeAll(): Promise<void> {
    this.killAll('session_end');
    const runs = [...this.running.values()].map((c) => c.done);
    await Promise.race([Promise.allSettled(runs), new Promise((r) => setTimeout(r, 3000).unref())]);
    for (const e of [...this.pending.values()]) {
      clearTimeout(e.timer);
      this.pending.delete(e.request.requestId);
      await this.s.audit.append({ event: 'decision', taskId: e.request.taskId, requestId: e.request.requestId, kind: e.request.type,
        decision: 'deny', decidedBy: 'policy', reason: 'The session ended before an answer.' });
      await this.s.agent.notify(RequestResolved, { taskId: e.request.taskId, requestId: e.request.requestId, decision: 'deny', decidedBy: 'policy' });
    }
  }
}

const NO_FRONT_END = 'No person can answer on the customer\'s side (the front end does not handle approvals); denied automatically.';

function relativeTo(root: string, abs: string): string {
  return path.relative(root, abs);
}
