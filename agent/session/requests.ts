// The lifecycle of engineer requests: nothing runs and nothing is read without an explicit yes. Each request
// is held until settled exactly once — by the customer, a session rule, the timeout, a policy, the agent's own
// checks, or `no_front_end` when no person can answer — and every settlement reaches the backend (the
// engineer), the audit log and the front end. What a request *is* lives in its kind module (kinds/).
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import {
  requestKinds, RequestResolved, type AskedKind, type DecidedBy, type PendingRequest, type Refusal, type Requester, type RequestKind,
} from '../../protocol/methods/requests.js';
import type { ApprovalPolicy } from '../policy.js';
import { askedModule, kindModules } from './kinds/index.js';
import type { AnswerParams, AnswerResult, Decision, EngineerAsk, KindDeps, Settle, TaskSink } from './kinds/kind.js';
import type { StoredRequest } from './store.js';

interface Entry { seq: number; request: PendingRequest; timer?: NodeJS.Timeout; settled?: boolean; origin?: Origin }

/** A request made on this machine (by the AI agent) rather than by an engineer through the backend: who asks,
 *  and where its decision, output or file go instead of the task's outbox. Never saved: it dies with the AI.
 *  `refuse`: refused at once after the kind's own checks (what the AI agent's own tool would do cannot be
 *  redacted); `deps`: what the kind does differently for it (an ACP permission: the AI agent writes). */
export interface Origin { requester: Requester; sink: TaskSink; refuse?: Refusal; deps?: Pick<KindDeps, 'requesterWrites' | 'preapprovedWrite'> }

export interface LifecycleDeps extends KindDeps {
  /** A person can answer only through a front end that declared `capabilities.approvals` in initialize. */
  canAsk(): boolean;
  policy: ApprovalPolicy | undefined;
  engineer(): string | null;
  /** Resolves once session.json holds every change scheduled so far. */
  saved(): Promise<void>;
}

const LAZY_SAVE_MS = 250;
const NO_FRONT_END = 'No person can answer on the customer\'s side (the front end does not handle approvals); denied automatically.';
const refusedBy = (why: string) => `refused by the customer's agent: ${why}`;

const tooMany = (n: number): Refusal => ({ reason: 'too_many_pending',
  message: `${n} requests are already waiting for the customer; ask again once they are answered.` });

const notFound = (requestId: string) =>
  new RpcError(ErrorCode.NotFound, `No pending request ${requestId}: it was answered, timed out, or never existed. Call listPendingRequests.`, 'not_found');

export class Requests {
  private pending = new Map<string, Entry>();

  constructor(private d: LifecycleDeps, stored: StoredRequest[]) {
    for (const st of stored) this.pending.set(st.request.requestId, { seq: st.seq, request: st.request });
  }

  stored(): StoredRequest[] { return [...this.pending.values()].filter((e) => !e.origin).map((e) => ({ seq: e.seq, request: e.request })); }
  list(): PendingRequest[] { return [...this.pending.values()].map((e) => e.request); }
  holds(requestId: string): boolean { return this.pending.has(requestId); }

  private base(engineer: string | null, origin?: Origin) {
    const now = Date.now();
    return { taskId: this.d.taskId, engineer: origin ? null : engineer,
      requester: origin?.requester ?? { type: 'engineer' as const, name: engineer, tool: null },
      receivedAt: new Date(now).toISOString(), expiresAt: new Date(now + this.d.cfg.approvalTimeoutMs).toISOString() };
  }

  /** What a request's kind module works with: the AI's own sink for its requests, else the task's. */
  private depsOf(e: Pick<Entry, 'origin'>): KindDeps {
    return e.origin ? { ...this.d, ...e.origin.deps, outbox: e.origin.sink } : this.d;
  }

  /** An engineer's request arrived (backend event `kind`'s event), or the AI agent's (`origin`, seq 0). */
  async onRequest<K extends RequestKind>(kind: K, ask: EngineerAsk<K>, seq: number, origin?: Origin): Promise<void> {
    const m = kindModules[kind];
    if ('shown' in m) {
      await this.d.notify(requestKinds[kind].notification, { ...m.announce(ask as never), taskId: this.d.taskId, seq } as never);
      return;
    }
    await this.onAsked(kind as AskedKind, ask as never, seq, origin);
  }

  private async onAsked<K extends AskedKind>(kind: K, ask: EngineerAsk<K>, seq: number, origin?: Origin): Promise<void> {
    if (this.pending.has(ask.requestId)) return; // replayed after a restart: already held, shown and timed
    const m = askedModule(kind);
    const deps = this.depsOf({ origin });
    const received = await m.receive(ask, this.base(this.d.engineer(), origin), deps);
    const { request } = received;
    // A flood is refused at once: an engineer cannot bury the customer (or the agent's memory) in questions.
    const refusal = received.refusal ?? origin?.refuse ?? (this.pending.size >= this.d.cfg.maxPending ? tooMany(this.d.cfg.maxPending) : null);
    const entry: Entry = { seq, request, origin };
    await this.d.audit.append({ event: 'request', taskId: request.taskId, requestId: request.requestId, kind,
      engineer: request.engineer, requester: request.requester, reason: request.reason, ...m.auditFields(request) });
    await this.announce(entry, refusal);
    if (refusal) return void await this.settle(entry, 'deny', 'agent', refusedBy(refusal.message), undefined, refusal.reason);
    const settle = this.settler(entry);
    if (this.d.policy) return m.byPolicy(request, this.d.policy, settle, deps);
    if (!this.d.canAsk()) return void await settle('deny', 'no_front_end', NO_FRONT_END);
    const rule = m.preapproved(request, deps);
    if (rule) {
      await settle('allow', 'rule', rule);
      await m.execute(request, deps);
      return;
    }
    this.hold(entry);
  }

  /** After resumeTask: show every pending request again and re-arm its timeout (or time it out now). */
  async redeliver(): Promise<void> {
    for (const entry of [...this.pending.values()]) {
      await this.announce(entry, null);
      const m = askedModule(entry.request.type);
      if (this.d.policy) await m.byPolicy(entry.request as never, this.d.policy, this.settler(entry), this.d);
      else if (!this.d.canAsk()) await this.settle(entry, 'deny', 'no_front_end', NO_FRONT_END);
      else this.hold(entry);
    }
  }

  private async announce(e: Entry, refused: Refusal | null): Promise<void> {
    const r = e.request;
    const m = askedModule(r.type);
    await this.d.notify(requestKinds[r.type].notification, { ...m.announce(r as never), taskId: r.taskId, seq: e.seq, refused } as never);
  }

  private hold(entry: Entry): void {
    this.pending.set(entry.request.requestId, entry);
    clearTimeout(entry.timer);
    const left = Math.max(0, Date.parse(entry.request.expiresAt) - Date.now());
    entry.timer = setTimeout(() => {
      const secs = Math.round(this.d.cfg.approvalTimeoutMs / 1000);
      void this.settle(entry, 'deny', 'timeout', `The customer did not answer within ${secs} s; denied automatically.`);
    }, left);
    entry.timer.unref?.();
    this.d.save(LAZY_SAVE_MS);
  }

  private settler(entry: Entry): Settle {
    return (decision, by, reason, scope) => this.settle(entry, decision, by, reason, scope);
  }

  /** Settles a request once: audit log, backend (the engineer sees the reason), front end. Resolves once the audit
   *  line is written and the front end told; the backend's copy is queued in the outbox, ahead of anything the
   *  decision starts (a command's output, a file), and is not waited for: with the network down, an allowed command
   *  still runs and a denial still answers, and the decision is delivered when the backend is back. */
  private async settle(entry: Entry, decision: Decision, by: DecidedBy, reason: string, scope?: 'once' | 'session', code?: string): Promise<void> {
    const r = entry.request;
    clearTimeout(entry.timer);
    this.pending.delete(r.requestId);
    if (entry.settled) return;
    entry.settled = true;
    await this.d.audit.append({ event: 'decision', taskId: r.taskId, requestId: r.requestId, kind: r.type, decision, decidedBy: by,
      requester: r.requester, reason, scope, refusal: code, ...askedModule(r.type).auditFields(r as never) });
    void this.depsOf(entry).outbox.enqueue(requestKinds[r.type].decision.route, { requestId: r.requestId, decision, reason, decidedBy: by });
    await this.d.notify(RequestResolved, { taskId: r.taskId, requestId: r.requestId, decision, decidedBy: by,
      ...(by === 'customer' ? {} : { reason }) });
    // The customer's answer is saved at once; automatic settlements (a flood refused) share lazy writes. An allowed
    // request starts something (a command, a file sent): its decision is on disk first, so an agent killed a moment
    // later neither asks again for what already ran nor loses the decision the engineer is owed.
    this.d.save(by === 'customer' || decision === 'allow' ? 0 : LAZY_SAVE_MS);
    if (decision === 'allow') await this.d.saved();
  }

  /** The person's answer through kind `kind`'s answer method. The request is claimed synchronously, so two
   *  answers (or an answer and the timer) never both act. */
  async answer<K extends AskedKind>(kind: K, p: AnswerParams<K>): Promise<AnswerResult<K>> {
    const held = this.pending.get(p.requestId);
    if (!held || held.request.type !== kind) throw notFound(p.requestId);
    const m = askedModule(kind);
    m.validateAnswer(held.request as never, p);
    this.pending.delete(p.requestId);
    clearTimeout(held.timer);
    return m.answer(held.request as never, p, this.settler(held), () => this.hold(held), this.depsOf(held));
  }

  /** The customer denies every open request in one answer (a flood): oldest first, each settled once. */
  async denyAll(): Promise<string[]> {
    const open = [...this.pending.values()].sort((a, b) => a.seq - b.seq);
    for (const e of open) this.pending.delete(e.request.requestId); // claimed at once: no answer or timer can act on them now
    for (const e of open) await this.settle(e, 'deny', 'customer', 'The customer denied every open request at once.');
    return open.map((e) => e.request.requestId);
  }

  /** A decision for a request this agent still holds arrived from the backend (sent by an earlier run). */
  settledElsewhere(requestId: string, decision: Decision): void {
    const e = this.pending.get(requestId);
    if (!e) return;
    clearTimeout(e.timer);
    this.pending.delete(requestId);
    void this.d.notify(RequestResolved, { taskId: this.d.taskId, requestId, decision, decidedBy: 'customer' });
    this.d.save();
  }

  stopTimers(): void {
    for (const e of this.pending.values()) clearTimeout(e.timer);
  }

  /** The AI agent stopped: its open requests are denied (no one is left to use the answer) and their prompts closed. */
  async closeLocal(reason: string): Promise<void> {
    for (const e of [...this.pending.values()]) if (e.origin) await this.settle(e, 'deny', 'agent', reason);
  }

  /** Session over: kill what runs, wait for it briefly, and close every prompt (nothing is asked any more). */
  async closeAll(): Promise<void> {
    this.d.running.killAll('session_end');
    await this.d.running.settle(3000);
    // The AI's own requests are answered (denied) through their origin, so its ACP calls end instead of hanging.
    await this.closeLocal('The session ended before an answer.');
    for (const e of [...this.pending.values()]) {
      clearTimeout(e.timer);
      this.pending.delete(e.request.requestId);
      const reason = 'The session ended before an answer.';
      await this.d.audit.append({ event: 'decision', taskId: e.request.taskId, requestId: e.request.requestId, kind: e.request.type,
        decision: 'deny', decidedBy: 'policy', reason });
      await this.d.notify(RequestResolved, { taskId: e.request.taskId, requestId: e.request.requestId, decision: 'deny', decidedBy: 'policy', reason });
    }
  }
}
