// One ACP session = one CodeVF task. Turns CodeVF's session notifications into `session/update`s and
// engineer requests into `session/request_permission`; answers go back through the agent's own router, so
// the approval rules are the JSON-RPC front ends' rules: nothing runs or is read without an explicit yes.
import type { z } from 'zod';
import { AcpPermissionResponse, type AcpSessionUpdate, type AcpStopReason } from '../../protocol/acp.js';
import type { AnyRequestDef, ParamsIn, ParamsOf, ResultOf } from '../../protocol/define.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import {
  ApproveCommand, ApproveWrite, BillingUpdateNote, CommandFinished, CommandOutputNote, ConnectionState, DeliveryFailed, EndSession,
  EngineerConnectedNote, EngineerDisconnectedNote, EngineerMessageNote, ListPendingRequests, PendingRequest, RequestCommandNote, RequestFileNote,
  RequestResolved, RequestWriteNote, ScreenshareRequestNote, SendMessage, SessionEndNote, sessionNotifications, UploadFile, type AskedKind,
} from '../../protocol/methods/session.js';
import type { Logger } from '../log.js';
import { neutralize } from '../../protocol/terminal-text.js';
import { AiMessageNote, AiStateNote, aiNotifications, HandoffNote } from '../../protocol/methods/ai.js';
import { acpKind, decisionFor, neverShareRefusal, outputBlock, permissionOptions, requestContent, requestDetails, requestTitle, text, type Decision } from './translate.js';
import { Turn } from './turn.js';

type Pending = z.infer<typeof PendingRequest>;
type Note = Record<string, any>;

type SessionNote = (typeof sessionNotifications)[number] | (typeof aiNotifications)[number];
/** What each of the agent's session notifications becomes in ACP, keyed by its declaration; null: not shown.
 *  A notification added to protocol/ fails to compile here until it is listed. */
type NoteHandlers = { [D in SessionNote as D['method']]: ((p: ParamsOf<D>) => Promise<void> | void) | null };

export interface SessionEnv {
  update(sessionId: string, update: AcpSessionUpdate): Promise<void>;
  requestPermission(params: unknown): Promise<unknown>;
  call<D extends AnyRequestDef>(def: D, params: ParamsIn<D>): Promise<ResultOf<D>>;
  log: Logger;
  /** Quiet time after the engineer's last reply before a prompt turn ends. */
  quietMs: number;
  /** Characters of a command's output shown in its tool call (the tail). */
  outputChars: number;
}

interface Running { output: string; timer?: NodeJS.Timeout }

export class AcpSession {
  private queue: Array<[string, Note]> | null = [];
  private turn: Turn | null = null;
  private asking = new Set<string>();
  /** Never-share files refused without asking (ACP mode): their refusal message stands instead of "Denied". */
  private neverShareRefused = new Set<string>();
  private running = new Map<string, Running>();
  private requests = new Map<string, Pending>();
  private engineerJoined = false;
  ended = false;

  constructor(readonly sessionId: string, private env: SessionEnv) {}

  /** Notes that arrived before session/new was answered are held until then (ACP: no updates before the id). */
  open(): void {
    const held = this.queue ?? [];
    this.queue = null;
    for (const [m, p] of held) void this.onNote(m, p);
  }

  private send(update: AcpSessionUpdate): Promise<void> { return this.env.update(this.sessionId, update); }
  private busy(): boolean { return this.asking.size > 0 || this.running.size > 0; }

  /** A prompt turn: the customer's message goes to the engineer; the turn ends after the engineer's reply. */
  async prompt(message: string, signal: AbortSignal): Promise<AcpStopReason> {
    if (this.ended) throw new RpcError(ErrorCode.Conflict, 'This CodeVF session has ended; start a new session to talk to an engineer again.', 'session_ended');
    this.turn?.finish('end_turn');
    const turn = new Turn(this.env.quietMs, () => this.busy());
    this.turn = turn;
    signal.addEventListener('abort', () => void this.cancel(), { once: true });
    try {
      await this.env.call(SendMessage, { taskId: this.sessionId, text: message });
    } catch (e) {
      turn.finish('end_turn');
      throw e;
    }
    if (!this.engineerJoined) await this.status('Sent. Waiting for an engineer to join; the first reply can take a few minutes.');
    const reason = await turn.done;
    if (this.turn === turn) this.turn = null;
    return reason;
  }

  /** session/cancel ends the turn as `cancelled` and ends the CodeVF session (commands are killed). */
  async cancel(): Promise<void> {
    this.turn?.finish('cancelled');
    if (this.ended) return;
    this.ended = true;
    try {
      await this.env.call(EndSession, { taskId: this.sessionId });
    } catch (e) {
      this.env.log.warn(`ending task ${this.sessionId} after session/cancel failed`, e);
    }
  }

  private readonly notes: NoteHandlers = {
    [EngineerMessageNote.method]: (p) => this.engineerSays(p.text),
    [EngineerConnectedNote.method]: (p) => {
      this.engineerJoined = true;
      return this.status(`${p.engineer.name}${p.engineer.title ? ` (${p.engineer.title})` : ''} joined the session.`);
    },
    [EngineerDisconnectedNote.method]: (p) => this.status(`${p.engineer.name}'s connection closed.`),
    [ScreenshareRequestNote.method]: (p) => this.engineerSays(`The engineer offers a screenshare: ${p.url}`),
    [BillingUpdateNote.method]: (p) => p.lowBalance ? this.status(`Low balance: ${p.balance} credits left.`) : undefined,
    [ConnectionState.method]: (p) => this.connection(p.state, p.attempt),
    [RequestResolved.method]: (p) => this.onResolved(p.requestId, p.decision, p.decidedBy),
    [CommandOutputNote.method]: (p) => this.onOutput(p.requestId, p.data),
    [CommandFinished.method]: (p) => this.onFinished(p),
    [SessionEndNote.method]: (p) => this.onEnd(p),
    [RequestCommandNote.method]: (p) => this.onRequest('command', p),
    [RequestFileNote.method]: (p) => this.onRequest('file', p),
    [RequestWriteNote.method]: (p) => this.onRequest('write', p),
    [DeliveryFailed.method]: null, // the engineer's side: nothing for the customer's editor to show
    // AI then human in one chat: the AI's words are labelled as the AI's, the hand-off is said plainly.
    [AiMessageNote.method]: (p) => this.aiSays(p.aiTitle, p.text),
    [AiStateNote.method]: (p) => {
      this.aiSpeaking = false;
      return p.state === 'stopped' && p.detail && !String(p.detail).startsWith('handed off') ? this.status(`${p.aiTitle} (AI) stopped: ${p.detail}`) : undefined;
    },
    [HandoffNote.method]: (p) => {
      this.aiSpeaking = false;
      return this.engineerSays(`Handed over to a human engineer (${String(p.reason).replace(/_/g, ' ')}). `
        + `The engineer sees the AI session: ${p.transcript.length} entries, secrets redacted. Waiting for an engineer to join.`);
    },
  };

  async onNote(method: string, p: Note): Promise<void> {
    if (this.queue) { this.queue.push([method, p]); return; }
    const handler = Object.hasOwn(this.notes, method) ? (this.notes as Record<string, ((p: Note) => Promise<void> | void) | null>)[method] : null;
    await handler?.(p);
  }

  private connection(state: string, attempt?: number): Promise<void> | undefined {
    if (state === 'reconnecting') return this.status(`Connection lost; reconnecting (attempt ${attempt}).`);
    if (state === 'auth_required') return this.status('Signed out: this login was revoked on the server. Sign in again (codevf login).');
    return undefined;
  }

  private aiSpeaking = false;

  /** The AI's chunks form one message; its first chunk carries the label, so no one mistakes it for a person. */
  private async aiSays(title: string, chunk: string): Promise<void> {
    const label = this.aiSpeaking ? '' : `[AI · ${neutralize(title)}] `;
    const first = this.turn ? this.turn.heard() : true;
    const gap = this.aiSpeaking || first ? '' : '\n\n';
    this.aiSpeaking = true;
    await this.send({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: `${gap}${label}${neutralize(chunk)}` } });
  }

  private async engineerSays(raw: string): Promise<void> {
    this.aiSpeaking = false;
    const message = neutralize(raw);
    const first = this.turn ? this.turn.heard() : true;
    await this.send({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: first ? message : `\n\n${message}` } });
  }

  private status(line: string): Promise<void> {
    return this.send({ sessionUpdate: 'agent_thought_chunk', content: { type: 'text', text: `${neutralize(line)}\n` } });
  }

  private onRequest(kind: AskedKind, p: Note): Promise<void> {
    const { seq: _seq, refused, ...rest } = p;
    const parsed = PendingRequest.safeParse({ ...rest, type: kind, receivedAt: '' });
    if (!parsed.success) { this.env.log.warn(`malformed ${kind} request ${String(p.requestId)}; ignored`); return Promise.resolve(); }
    const r: Pending = parsed.data;
    this.requests.set(r.requestId, r);
    const k = acpKind(r);
    if (refused) {
      // Refused by the customer's own agent before anyone was asked: shown as failed, never put to the person.
      return this.send({ sessionUpdate: 'tool_call', toolCallId: r.requestId, title: requestTitle(r), kind: k.toolKind, status: 'failed',
        content: [text(`${requestDetails(r)}\nRefused by your agent: ${refused.message}`)], rawInput: k.rawInput(r) });
    }
    const locations = k.locations(r);
    const shown = this.send({
      sessionUpdate: 'tool_call', toolCallId: r.requestId, title: requestTitle(r), kind: k.toolKind,
      status: 'pending', content: requestContent(r),
      ...(locations.length ? { locations } : {}),
      rawInput: k.rawInput(r),
    });
    // The session decides right after this notification (rule, policy, no one to ask) or holds the request;
    // a macrotask later, only a held request is still pending, and only that one is put to the person.
    void shown.then(() => setImmediate(() => void this.askIfPending(r).catch((e) => this.env.log.error(`permission for ${r.requestId} failed`, e))));
    return shown;
  }

  private async askIfPending(r: Pending): Promise<void> {
    const { requests } = await this.env.call(ListPendingRequests, { taskId: this.sessionId });
    if (!requests.some((x) => x.requestId === r.requestId)) return;
    if (r.type === 'file' && r.neverShare) {
      this.neverShareRefused.add(r.requestId);
      await this.answer(r, null);
      await this.send({ sessionUpdate: 'tool_call_update', toolCallId: r.requestId, status: 'failed', content: [text(neverShareRefusal(r.path, r.neverShare))] });
      return;
    }
    this.asking.add(r.requestId);
    this.turn?.poke();
    let optionId: string | null = null;
    try {
      const answer = AcpPermissionResponse.safeParse(await this.env.requestPermission({
        sessionId: this.sessionId,
        toolCall: { toolCallId: r.requestId, title: requestTitle(r), kind: acpKind(r).toolKind, status: 'pending',
          content: requestContent(r) },
        options: permissionOptions(r),
      }));
      if (answer.success && answer.data.outcome.outcome === 'selected') optionId = String(answer.data.outcome.optionId);
      else if (!answer.success) this.env.log.warn(`session/request_permission answer for ${r.requestId} is malformed; denying`);
    } catch (e) {
      this.env.log.warn(`session/request_permission for ${r.requestId} failed; denying`, e);
    }
    try {
      await this.answer(r, optionId);
    } finally {
      this.asking.delete(r.requestId);
      this.turn?.poke();
    }
  }

  /** The person's choice through the same methods the JSON-RPC front ends call. */
  private async answer(r: Pending, optionId: string | null): Promise<void> {
    const d = decisionFor(r, optionId);
    try {
      await this.apply(r, d);
    } catch (e) {
      this.running.delete(r.requestId);
      const why = e instanceof RpcError ? e.message : 'the agent could not apply the answer';
      await this.send({ sessionUpdate: 'tool_call_update', toolCallId: r.requestId, status: 'failed', content: [text(why)] });
    }
  }

  /** Sends the answer through the kind's own method. */
  private async apply(r: Pending, d: Decision): Promise<void> {
    switch (d.kind) {
      case 'command': {
        if (d.decision === 'allow') this.running.set(r.requestId, { output: '' });
        const res = await this.env.call(ApproveCommand, { requestId: r.requestId, decision: d.decision, scope: d.scope });
        if (!res.started) this.running.delete(r.requestId);
        return;
      }
      case 'file': {
        const res = await this.env.call(UploadFile, { requestId: r.requestId, decision: d.decision, override: d.override });
        if (res.sent) {
          await this.send({ sessionUpdate: 'tool_call_update', toolCallId: r.requestId, status: 'completed',
            content: [text(`Shared \`${res.path}\` (${res.size} bytes${res.redactions ? `, ${res.redactions} secrets redacted` : ''}).`)] });
        }
        return;
      }
      case 'write': {
        const res = await this.env.call(ApproveWrite, { requestId: r.requestId, decision: d.decision });
        if (res.written) await this.send({ sessionUpdate: 'tool_call_update', toolCallId: r.requestId, status: 'completed', content: [text(`Wrote \`${res.path}\`.`)] });
        return;
      }
      default: return assertNever(d);
    }
  }

  private async onResolved(requestId: string, decision: 'allow' | 'deny', by: string): Promise<void> {
    const r = this.requests.get(requestId);
    if (decision === 'deny') {
      this.requests.delete(requestId);
      if (this.neverShareRefused.delete(requestId)) return; // its refusal says why
      const who = by === 'customer' ? 'you' : by === 'no_front_end' ? 'no one could answer' : by === 'agent' ? 'refused by your agent' : `the ${by}`;
      return this.send({ sessionUpdate: 'tool_call_update', toolCallId: requestId, status: 'failed', content: [text(`Denied (${who}).`)] });
    }
    if (r && acpKind(r).toolKind === 'execute') {
      if (!this.running.has(requestId)) this.running.set(requestId, { output: '' });
      const note = by === 'rule' ? 'Allowed for this session earlier; running.' : 'Running…';
      return this.send({ sessionUpdate: 'tool_call_update', toolCallId: requestId, status: 'in_progress', content: [text(note)] });
    }
  }

  private onOutput(requestId: string, data: string): void {
    const run = this.running.get(requestId) ?? { output: '' };
    this.running.set(requestId, run);
    // Keep a bounded tail and send at most one update per 100 ms: ACP replaces the whole content each time.
    run.output = (run.output + data).slice(-this.env.outputChars * 2);
    run.timer ??= setTimeout(() => {
      run.timer = undefined;
      void this.send({ sessionUpdate: 'tool_call_update', toolCallId: requestId, status: 'in_progress',
        content: [text(outputBlock(run.output, this.env.outputChars))] });
    }, 100);
  }

  private async onFinished(p: Note): Promise<void> {
    const run = this.running.get(p.requestId) ?? { output: '' };
    clearTimeout(run.timer);
    this.running.delete(p.requestId);
    this.requests.delete(p.requestId);
    const end = p.outcome === 'agent_restarted' ? "stopped: the customer's agent restarted" : p.outcome === 'unknown' ? 'ended in an unknown way (the agent restarted)'
      : p.timedOut ? `timed out (killed with ${p.signal ?? 'SIGKILL'})` : p.signal ? `killed by ${p.signal}` : `exit code ${p.exitCode}`;
    await this.send({
      sessionUpdate: 'tool_call_update', toolCallId: p.requestId, status: p.exitCode === 0 ? 'completed' : 'failed',
      content: [text(outputBlock(run.output, this.env.outputChars)), text(end + (p.redactions ? ` · ${p.redactions} secrets redacted` : ''))],
      rawOutput: { exitCode: p.exitCode, signal: p.signal, durationMs: p.durationMs, timedOut: p.timedOut, truncated: p.truncated },
    });
    this.turn?.poke();
  }

  private async onEnd(p: Note): Promise<void> {
    this.ended = true;
    const who = p.engineer?.name ? ` with ${p.engineer.name}` : '';
    await this.send({ sessionUpdate: 'agent_message_chunk', content: { type: 'text',
      text: `\n\nThe session${who} ended (${p.reason}): ${p.minutes} min, ${p.creditsUsed} credits.` } });
    this.turn?.finish('end_turn');
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled request kind ${JSON.stringify(x)}`);
}
