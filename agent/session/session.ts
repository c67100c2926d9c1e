// One live task: its event stream, outbox, pending engineer requests and running commands.
// Backend events become notifications named as the backend names them, plus taskId and seq.
import type { TaskEvent } from '../../protocol/backend/index.js';
import {
  BillingUpdateNote, ConnectionState, EngineerConnectedNote, EngineerDisconnectedNote, EngineerMessageNote,
  ScreenshareRequestNote, SessionEndNote,
} from '../../protocol/methods/session.js';
import type { AgentContext } from '../context.js';
import type { ProjectFiles } from '../security/safe-file.js';
import { AuditLog } from './audit.js';
import type { SessionBackend } from './backend.js';
import type { SessionConfig } from './config.js';
import { Outbox } from './outbox.js';
import { Requests } from './requests.js';
import { SessionRules } from './rules.js';
import { auditFilePath, SessionSaver, type SessionFile } from './store.js';
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
  readonly saver: SessionSaver;
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
    this.audit = new AuditLog(auditFilePath(root), agent.log);
    this.rules = new SessionRules(file.sessionRules);
    // Output chunks are saved lazily (many, and re-sendable); everything else at once.
    this.outbox = new Outbox(this.taskId, backend, file.outbox, (route) => this.saver.schedule(route === 'commandOutput' ? 250 : 0), agent.log,
      { baseMs: cfg.backoffBaseMs, maxMs: cfg.backoffMaxMs });
    this.requests = new Requests(this, file.pending);
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

  /** Starts the stream and the outbox (items left by a previous run are delivered first). */
  start(): void {
    this.outbox.kick();
    this.stream.start();
  }

  whenEnded(fn: () => void): void { this.onEnded.push(fn); }

  snapshot(): SessionFile {
    return {
      version: 1, taskId: this.taskId, host: this.deps.host, status: this.status, lastSeq: this.handledSeq,
      engineer: this.engineer, pending: this.requests.stored(), sessionRules: this.rules.list(),
      outbox: this.outbox.snapshot(), running: this.requests.runningRecords(), updatedAt: new Date().toISOString(),
    };
  }

  private async handle(e: TaskEvent): Promise<void> {
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
      case 'screenshare_request': await notify(ScreenshareRequestNote, { ...e.payload, ...stamp }); break;
      case 'billing_update': await notify(BillingUpdateNote, { ...e.payload, ...stamp }); break;
      case 'request_command': await this.requests.onCommandRequest(e.payload, e.seq, e.timestamp); break;
      case 'request_file': await this.requests.onFileRequest(e.payload, e.seq, e.timestamp); break;
      case 'command_decision': case 'file_decision':
        // Our own answer coming back; if this agent still holds the request, an earlier run answered it.
        this.requests.settledElsewhere(e.payload.requestId, e.payload.decision);
        break;
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
    this.handledSeq = e.seq;
    this.saver.schedule();
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
    this.requests.killAll('agent_exit');
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
