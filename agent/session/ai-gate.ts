// The AI agent's requests through the session's one request lifecycle: each is a command, file or write
// request with the AI as its requester, announced, checked, asked (or decided by --policy), audited and
// settled exactly like an engineer's. What the backend would get for an engineer — the decision, the
// command's output, the file — goes to the AI instead, through this sink; nothing reaches the backend.
import { randomUUID } from 'node:crypto';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import type { Requester, RequestKind } from '../../protocol/methods/requests.js';
import type { AiGate, AiGateObserver } from '../ai/gate.js';
import type { RunHandle } from '../ai/terminals.js';
import type { TaskSink, WriteChange } from './kinds/kind.js';
import type { OutboxBody } from './outbox.js';
import type { Session } from './session.js';
import type { OutboxRoute } from './store.js';
import type { Origin } from './requests.js';

type Exit = { exitCode: number | null; signal: string | null };

/** One AI request's answer, filled in by what the lifecycle sends to the sink. */
class Pending {
  readonly decision: Promise<void>;
  readonly file: Promise<string>;
  readonly done: Promise<Exit>;
  decided: (allowed: boolean, err?: RpcError) => void = () => undefined;
  gotFile: (text: string) => void = () => undefined;
  exited: (e: Exit) => void = () => undefined;
  output: string[] = [];
  listeners: Array<(t: string) => void> = [];

  constructor() {
    this.decision = new Promise<void>((resolve, reject) => { this.decided = (allowed, err) => (allowed ? resolve() : reject(err)); });
    this.file = new Promise<string>((r) => { this.gotFile = r; });
    this.done = new Promise<Exit>((r) => { this.exited = r; });
  }
}

const OUTPUT_KEEP = 64 * 1024;

export function aiGate(s: Session, requester: Requester, seen: AiGateObserver): AiGate {
  const open = new Map<string, Pending>();

  const sink: TaskSink = {
    enqueue<R extends OutboxRoute>(route: R, raw: OutboxBody<R>) {
      const body = raw as Record<string, unknown>;
      const id = String(body.requestId ?? '');
      const p = open.get(id);
      if (p) {
        const r: OutboxRoute = route; // a plain union narrows; the generic R does not
        switch (r) {
          case 'approveCommand': case 'approveFile': case 'approveWrite': {
            const allow = body.decision === 'allow';
            seen.decided(id, allow ? 'allow' : 'deny', String(body.decidedBy ?? 'customer'));
            p.decided(allow, allow ? undefined : new RpcError(ErrorCode.Forbidden,
              `Denied by ${body.decidedBy === 'customer' ? 'the customer' : String(body.decidedBy ?? 'the customer')}: ${String(body.reason ?? '')}`.trim(), 'denied'));
            break;
          }
          case 'uploadFile': p.gotFile(Buffer.from(String(body.contentBase64), 'base64').toString('utf8')); break;
          case 'commandOutput': {
            const data = String(body.data);
            p.output.push(data);
            for (const l of p.listeners) l(data);
            break;
          }
          case 'commandResult': {
            const e = { exitCode: (body.exitCode as number | null) ?? null, signal: (body.signal as string | null) ?? null };
            seen.output(id, p.output.join('').slice(-OUTPUT_KEEP), e.exitCode);
            p.exited(e);
            open.delete(id);
            break;
          }
          case 'sendMessage': break; // the AI's words are sent by the AI session, never for a request
          default: return assertNever(r);
        }
      }
      return Promise.resolve({ seq: 0 });
    },
  };

  const newId = () => `ai_${randomUUID().replace(/-/g, '').slice(0, 20)}`;

  async function ask(kind: Exclude<RequestKind, 'screenshare'>, subject: string, reason: string, fields: Record<string, unknown>,
    extra: Pick<Origin, 'refuse' | 'deps'> = {}): Promise<[string, Pending]> {
    if (s.ended) throw new RpcError(ErrorCode.Conflict, 'The session has ended.', 'session_ended');
    const requestId = newId();
    const p = new Pending();
    open.set(requestId, p);
    seen.asked(requestId, kind, subject, reason);
    await s.requests.onRequest(kind, { requestId, reason, ...fields } as never, 0, { requester, sink, ...extra });
    return [requestId, p];
  }

  /** What the customer allowed in the AI agent's last edit permission (the file, its content then and after):
   *  one later write that would make exactly that change is that answer. */
  let granted: WriteChange | null = null;
  const sameChange = (c: WriteChange) => {
    const same = granted !== null && c.path === granted.path && c.before === granted.before && c.after === granted.after;
    if (!same) return null;
    granted = null;
    return 'The customer allowed exactly this change in the AI agent\'s permission request.';
  };

  return {
    async command(a) {
      const [id, p] = await ask('command', a.command, a.reason, { command: a.command, ...(a.cwd ? { cwd: a.cwd } : {}) });
      // Allowed: the output and the result still come through the sink, so the entry stays until the result.
      try { await p.decision; } catch (e) { open.delete(id); throw e; }
      const run: RunHandle = {
        onOutput: (cb) => { for (const o of p.output) cb(o); p.listeners.push(cb); },
        done: p.done,
        kill: () => { s.running.cancel(id); },
      };
      return run;
    },
    async read(a) {
      const [id, p] = await ask('file', a.path, a.reason, { path: a.path });
      try {
        await p.decision;
        return await p.file;
      } finally { open.delete(id); }
    },
    async write(a) {
      const [id, p] = await ask('write', a.path, a.reason, { path: a.path, content: a.content }, granted ? { deps: { preapprovedWrite: sameChange } } : {});
      try { await p.decision; } finally { open.delete(id); }
    },
    async permitWrite(a) {
      granted = null;
      const [id, p] = await ask('write', a.path, a.reason, { path: a.path, content: a.content, oldText: a.oldText },
        { deps: { requesterWrites: { permitted: (c) => { granted = c; } } } });
      try { await p.decision; } catch (e) { granted = null; throw e; } finally { open.delete(id); }
    },
    async refuse(a) {
      const refuse = a.refusal;
      if (a.as.kind === 'file' || a.as.kind === 'command') {
        const [id, p] = a.as.kind === 'file'
          ? await ask('file', a.as.path, a.reason, { path: a.as.path }, { refuse })
          : await ask('command', a.as.command, a.reason, { command: a.as.command }, { refuse });
        try { await p.decision; } finally { open.delete(id); }
        throw new RpcError(ErrorCode.Forbidden, refuse.message, 'denied'); // not reached: a refused request is denied
      }
      const requestId = newId();
      seen.asked(requestId, 'permission', a.as.subject, a.reason);
      seen.decided(requestId, 'deny', 'agent');
      await s.audit.append({ event: 'ai_permission_refused', taskId: s.taskId, requestId, requester, subject: a.as.subject,
        reason: refuse.message, refusal: refuse.reason });
      throw new RpcError(ErrorCode.Forbidden, `refused by the customer's agent: ${refuse.message}`, 'denied');
    },
  };
}

function assertNever(route: never): never {
  throw new Error(`AI gate: unhandled outbox route ${String(route)}`);
}
