// One live task: its event stream, outbox, pending engineer requests and running commands.
// Backend events become notifications named as the backend names them, plus taskId and seq.
import type { EventType, TaskEvent } from '../../protocol/backend/index.js';
import {
  BillingUpdateNote, ConnectionState, DeliveryFailed, EngineerConnectedNote, EngineerDisconnectedNote, EngineerMessageNote,
  requestKinds, RequestKind, SessionEndNote,
} from '../../protocol/methods/session.js';
import type { AiSession } from '../ai/session.js';
import { outsideRequest } from '../cancel.js';
import type { AgentContext } from '../context.js';
import type { ProjectFiles } from '../security/safe-file.js';
import { AuditLog } from './audit.js';
import type { SessionBackend } from './backend.js';
import type { SessionConfig } from './config.js';
import { Outbox } from './outbox.js';
import type { KindDeps } from './kinds/kind.js';
import { Requests } from './requests.js';
import { SessionRules } from './rules.js';
import { RunningCommands } from './running.js';
import { spawner } from './spawner.js';
import { SessionSaver, type SessionFile } from './store.js';
import { EventStream } from './stream.js';

export interface SessionDeps {
  agent: AgentContext;
  backend: SessionBackend;
  cfg: SessionConfig;
  root: string;
  host: string | null;
  files: ProjectFiles;
}

type Status = SessionFile['status'];

/** Which kind of request each backend event carries, and which events are a kind's decision coming back. */
const kindOfEvent = new Map<EventType, RequestKind>(RequestKind.options.map((k) => [requestKinds[k].event, k]));
const decisionEvents = new Set<EventType>(RequestKind.options.flatMap((k) => {
  const d = requestKinds[k].decision;
  return d ? [d.event] : [];
}));
/** How long a change that can wait (a request held or refused, output queued) waits to share a write. */
const LAZY_SAVE_MS = 250;
/** Events the agent itself sent (the backend echoes them on the stream). */
const OWN_EVENTS = new Set<EventType>(['customer_message', 'command_decision', 'command_output', 'command_result', 'file_decision', 'file_upload']);

export class Session {
  readonly taskId: string;
  status: Status;
  engineer: string | null;
  /** Seq of the last event handled (notified and applied); what a restarted agent resumes from. */
  handledSeq: number;
  readonly outbox: Outbox;
  readonly audit: AuditLog;
  readonly rules: SessionRules;
  readonly requests: Requests;
  readonly running: RunningCommands;
  readonly saver: SessionSaver;
  /** The AI agent working on the task (AI and hybrid modes), until it hands off or stops. */
  ai: AiSession | null = null;
  /** What kind modules may use (never the Session itself). */
  readonly kindDeps: KindDeps;
  /** Seqs of events this run posted, until the stream echoes them. */
  private posted = new Set<number>();
  private stream: EventStream;
  private onEnded: Array<() => void> = [];
  private endedLocally = false;

  constructor(readonly deps: SessionDeps, file: SessionFile) {
    const { agent, backend, cfg, root } = deps;
    this.taskId = file.taskId;
    this.status = file.status;
    this.engineer = file.engineer;
    this.handledSeq = file.lastSeq;
    this.saver = new SessionSaver(root, () => this.snapshot(), agent.log);
    this.audit = new AuditLog(root, agent.log);
    this.rules = new SessionRules(file.sessionRules);
    // Output chunks are saved lazily (many, and re-sendable); everything else at once.
    // The customer's own messages are saved at once; output, results and decisions share lazy writes (a settle
    // by the customer saves at once itself), so a flood of refusals does not rewrite session.json per request.
    this.outbox = new Outbox(this.taskId, backend, file.outbox, (route) => this.saver.schedule(route === 'sendMessage' ? 0 : LAZY_SAVE_MS), agent.log,
      { baseMs: cfg.backoffBaseMs, maxMs: cfg.backoffMaxMs });
    this.outbox.onPosted = (seq) => { if (seq > this.handledSeq) this.posted.add(seq); };
    this.outbox.onRefused = (route, body, err) => void agent.notify(DeliveryFailed, { taskId: this.taskId, route,
      requestId: typeof body.requestId === 'string' ? body.requestId : null, reason: String(err.data.backendCode ?? err.data.reason), message: err.message });
    const save = (lazyMs = 0) => this.saver.schedule(lazyMs);
    this.running = new RunningCommands(save);
    // The helper that starts approved commands (spawner.ts), once this request is answered: a fork of the agent
    // now, while it is small, instead of one per command.
    setImmediate(() => spawner.warm());
    this.kindDeps = { taskId: this.taskId, root, cfg, files: deps.files, env: agent.options.env, notify: agent.notify, audit: this.audit,
      outbox: this.outbox, rules: this.rules, running: this.running, log: agent.log, save };
    this.requests = new Requests({ ...this.kindDeps, canAsk: () => agent.client?.capabilities?.approvals === true,
      policy: agent.options.policy, engineer: () => this.engineer, saved: () => this.saver.flush() }, file.pending);
    this.stream = new EventStream({
      taskId: this.taskId, after: file.lastSeq, backend, cfg, log: agent.log,
      onEvent: (e) => this.handle(e),
      onState: (state, info) => {
        if (state === 'connected' || state === 'polling') this.outbox.kick();
        void agent.notify(ConnectionState, { taskId: this.taskId, state, ...info });
      },
    });
  }

  get agent(): AgentContext { return this.deps.agent; }
  get cfg(): SessionConfig { return this.deps.cfg; }
  get ended(): boolean { return this.status === 'ended'; }

  /** Starts the stream and the outbox (items left by a previous run are delivered first); they outlive the
   *  createTask or resumeTask that started them, so its cancel does not reach them. */
  start(): void {
    outsideRequest(() => {
      this.outbox.kick();
      this.stream.start();
    });
  }

  whenEnded(fn: () => void): void { this.onEnded.push(fn); }

  snapshot(): SessionFile {
    return {
      version: 1, taskId: this.taskId, host: this.deps.host, status: this.status, lastSeq: this.handledSeq,
      engineer: this.engineer, pending: this.requests.stored(), sessionRules: this.rules.list(),
      outbox: this.outbox.snapshot(), running: this.running.list(), updatedAt: new Date().toISOString(),
    };
  }

  private async handle(e: TaskEvent): Promise<void> {
    // Our own decision, output or message coming back: nothing to do, and nothing worth a save of its own.
    if (this.posted.delete(e.seq)) {
      this.handledSeq = e.seq;
      this.saver.schedule(1000);
      return;
    }
    const kind = kindOfEvent.get(e.type);
    if (kind) await this.requests.onRequest(kind, e.payload as never, e.seq);
    else if (decisionEvents.has(e.type)) {
      // A decision this agent did not post in this run: if it still holds the request, an earlier run answered it.
      const p = e.payload as { requestId: string; decision: 'allow' | 'deny' };
      this.requests.settledElsewhere(p.requestId, p.decision);
    } else await this.other(e);
    this.handledSeq = e.seq;
    this.saver.schedule(OWN_EVENTS.has(e.type) ? 1000 : kind ? LAZY_SAVE_MS : 0);
  }

  private async other(e: TaskEvent): Promise<void> {
    const stamp = { taskId: this.taskId, seq: e.seq };
    const notify = this.agent.notify;
    switch (e.type) {
      case 'engineer_connected':
        this.engineer = e.payload.engineer.name;
        if (this.status === 'open') this.status = 'active';
        await notify(EngineerConnectedNote, { ...e.payload, ...stamp });
        break;
      case 'engineer_disconnected': await notify(EngineerDisconnectedNote, { ...e.payload, ...stamp }); break;
      case 'engineer_message': await notify(EngineerMessageNote, { ...e.payload, ...stamp }); break;
      case 'billing_update': await notify(BillingUpdateNote, { ...e.payload, ...stamp }); break;
      case 'file_upload':
        if (e.payload.requestId) this.requests.settledElsewhere(e.payload.requestId, 'allow');
        break;
      case 'session_end': {
        const { taskId: _t, ...summary } = e.payload;
        await notify(SessionEndNote, { ...summary, ...stamp });
        await this.end('the session ended');
        break;
      }
      default: break; // customer_message, command_output, command_result: our own, already known
    }
  }

  /** Local end: kills commands, closes prompts, stops the stream, records it. Idempotent. */
  async end(why: string): Promise<void> {
    if (this.endedLocally) return;
    this.endedLocally = true;
    this.status = 'ended';
    this.stream.stop(why);
    await this.requests.closeAll();
    await this.audit.append({ event: 'session_end', taskId: this.taskId, reason: why });
    this.saver.schedule();
    for (const fn of this.onEnded.splice(0)) fn();
  }

  /** Agent exit: kill commands, stop timers and the stream, save. Pending requests stay saved for resumeTask. */
  async dispose(): Promise<void> {
    await this.ai?.stop();
    this.running.killAll('agent_exit');
    this.requests.stopTimers();
    this.stream.stop('agent exiting');
    this.outbox.stop();
    this.saver.schedule();
    await Promise.all([this.saver.flush(), this.audit.flush()]);
  }

  /** Waits until the events received so far are handled and the outbox is empty (bounded). */
  async settle(ms: number): Promise<void> {
    await this.stream.idle();
    await this.outbox.drain(ms);
    await this.saver.flush();
  }
}
