// One interface for every kind of engineer request. A kind module knows what its request is (checks, what the
// front end is shown, what the policy file says, what "allow" does); the session's lifecycle (requests.ts)
// knows only pending, timeout and settling once. Modules get narrow dependencies, never the Session.
import type { EventPayload } from '../../../protocol/backend/index.js';
import type { ParamsIn, ParamsOf, ResultOf } from '../../../protocol/define.js';
import type { AskedKind, DecidedBy, PendingOf, Refusal, Requester, RequestKind, RequestKinds } from '../../../protocol/methods/requests.js';
import type { AgentContext } from '../../context.js';
import type { Logger } from '../../log.js';
import type { ApprovalPolicy } from '../../policy.js';
import type { ProjectFiles } from '../../security/safe-file.js';
import type { AuditEntry, AuditLog } from '../audit.js';
import type { SessionConfig } from '../config.js';
import type { Outbox } from '../outbox.js';

export type TaskSink = Pick<Outbox, 'enqueue'>;
import type { RunningCommands } from '../running.js';
import type { SessionRules } from '../rules.js';

export type Decision = 'allow' | 'deny';

/** What a kind module may use. */
export interface KindDeps {
  taskId: string;
  root: string;
  cfg: SessionConfig;
  files: ProjectFiles;
  env: NodeJS.ProcessEnv;
  notify: AgentContext['notify'];
  audit: AuditLog;
  /** Where decisions, output and files go: the task's outbox (the backend), or the AI agent for its own requests. */
  outbox: TaskSink;
  rules: SessionRules;
  running: RunningCommands;
  log: Logger;
  /** Schedules a save of session.json: at once, or within `lazyMs` so a burst shares one write. */
  save: (lazyMs?: number) => void;
  /** An AI agent's own tool carries out an allowed change (an ACP permission): the agent decides, never writes;
   *  `permitted` is told the change once it is allowed. */
  requesterWrites?: { permitted(change: WriteChange): void };
  /** Why a change is allowed without asking again (the customer already allowed exactly it), or null. */
  preapprovedWrite?: (change: WriteChange) => string | null;
}

/** A change as the customer was shown it: the file (project-relative), its content then and after. */
export interface WriteChange { path: string; before: string | null; after: string }

/** Records a decision once: the audit line, the front end told, the backend's copy queued (not waited for); an
 *  allowed one is in session.json too before it resolves. */
export type Settle = (decision: Decision, by: DecidedBy, reason: string, scope?: 'once' | 'session') => Promise<void>;

/** The pending request's common part, filled by the lifecycle. */
export interface Base { taskId: string; engineer: string | null; requester: Requester; receivedAt: string; expiresAt: string }

type Decl<K extends RequestKind> = RequestKinds[K];
export type EngineerAsk<K extends RequestKind> = EventPayload<Decl<K>['event']>;
type AnswerDef<K extends AskedKind> = NonNullable<Decl<K>['answer']>;
/** The answer method's params for a request already held (uploadFile's other form shares a file unasked). */
export type AnswerParams<K extends AskedKind> = Extract<ParamsOf<AnswerDef<K>>, { requestId: string }>;
export type AnswerResult<K extends AskedKind> = ResultOf<AnswerDef<K>>;
export type Announcement<K extends RequestKind> = ParamsIn<Decl<K>['notification']>;

/** A refusal from a check: its stable reason and message. */
export function refusalOf(err: unknown): Refusal {
  const e = err as { message?: string; data?: { reason?: unknown } };
  return { reason: typeof e?.data?.reason === 'string' ? e.data.reason : 'unreadable', message: String(e?.message ?? err) };
}

/** What the lifecycle does with a refused answer: close the request, or keep asking (e.g. never-share without override). */
export type Reopen = () => void;

export interface AskedKindModule<K extends AskedKind> {
  readonly kind: K;
  /** The pending request, after every check that can refuse it: `refusal` set means refused at once, nobody asked. */
  receive(ask: EngineerAsk<K>, base: Base, deps: KindDeps): Promise<{ request: PendingOf<K>; refusal: Refusal | null }>;
  /** The front end's notification for it (without taskId/seq/refused). */
  announce(r: PendingOf<K>): Omit<Announcement<K>, 'taskId' | 'seq' | 'refused'>;
  /** Fields naming what is asked, for each audit line about it. */
  auditFields(r: PendingOf<K>): Partial<AuditEntry>;
  /** A session rule allows it already: the reason, or null. */
  preapproved(r: PendingOf<K>, deps: KindDeps): string | null;
  /** `--policy` answers instead of a person; an allow is carried out here. */
  byPolicy(r: PendingOf<K>, policy: ApprovalPolicy, settle: Settle, deps: KindDeps): Promise<void>;
  /** Throws when an answer is refused while the request stays open (checked before the request is claimed). */
  validateAnswer(r: PendingOf<K>, p: AnswerParams<K>): void;
  /** The person's answer through the kind's answer method. */
  answer(r: PendingOf<K>, p: AnswerParams<K>, settle: Settle, reopen: Reopen, deps: KindDeps): Promise<AnswerResult<K>>;
  /** Carries out an allowed request (a rule or the person said yes). */
  execute(r: PendingOf<K>, deps: KindDeps): Promise<unknown> | void;
}

/** A kind that is shown and never asked: nothing runs and nothing leaves the machine. */
export interface ShownKindModule<K extends Exclude<RequestKind, AskedKind>> {
  readonly kind: K;
  shown: true;
  announce(ask: EngineerAsk<K>): Omit<Announcement<K>, 'taskId' | 'seq'>;
}

export type KindModule<K extends RequestKind> = K extends AskedKind ? AskedKindModule<K> : K extends Exclude<RequestKind, AskedKind> ? ShownKindModule<K> : never;
