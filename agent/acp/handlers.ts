// ACP's agent-side methods on top of the agent's own Router: initialize, authenticate, session/new,
// session/prompt, session/cancel. Sessions are CodeVF tasks; the ACP sessionId is the taskId.
import type { z } from 'zod';
import { ACP_PROTOCOL_VERSION, AcpErrorCode, AcpServed, AcpToClient, type AcpDecl } from '../../protocol/acp.js';
import type { AnyRequestDef, ParamsIn, ResultOf } from '../../protocol/define.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { Initialize } from '../../protocol/methods/lifecycle.js';
import { CreateTask } from '../../protocol/methods/session.js';
import { VERSION } from '../../protocol/version.js';
import type { AgentContext } from '../context.js';
import { describeZodError, type Router } from '../router.js';
import { AcpSession, type SessionEnv } from './session.js';
import { AUTH_METHODS, LOGIN_METHOD_ID, promptText, toAcpError } from './translate.js';

export interface AcpWire {
  notify(method: string, params: unknown): Promise<void>;
  request(method: string, params: unknown): Promise<unknown>;
}

export interface AcpTuning { quietMs: number; outputChars: number }

type Served = typeof AcpServed;
type ParamsOfDecl<D extends AcpDecl> = z.output<D['params']>;
/** One handler per served request: a request declared in protocol/acp.ts and not handled here fails to compile. */
type RequestHandlers = { [K in keyof Served['requests']]: (params: ParamsOfDecl<Served['requests'][K]>, signal: AbortSignal) => Promise<unknown> };
type NotificationHandlers = { [K in keyof Served['notifications']]: (params: ParamsOfDecl<Served['notifications'][K]>) => void };

/** Wire name -> key of its declaration. */
function index<T extends Record<string, AcpDecl>>(decls: T): Map<string, keyof T> {
  return new Map(Object.entries(decls).map(([k, d]) => [d.method, k as keyof T]));
}
const requestKeys = index(AcpServed.requests);
const notificationKeys = index(AcpServed.notifications);
const servedList = [...requestKeys.keys(), ...notificationKeys.keys()].join(', ');

function parse<S extends z.ZodType>(schema: S, params: unknown, method: string): z.output<S> {
  const r = schema.safeParse(params ?? {});
  if (!r.success) throw new RpcError(ErrorCode.InvalidParams, `Invalid params for ${method}: ${describeZodError(r.error)}`, 'invalid_params');
  return r.data;
}

/** The first line of the task an ACP session opens; the customer's prompts follow as chat messages. */
function taskDescription(client: string, cwd: string): string {
  return `Live session from ${client} (ACP) in ${cwd}. The customer describes the issue in the chat.`;
}

export class AcpHandlers {
  private sessions = new Map<string, AcpSession>();
  private early = new Map<string, Array<[string, Record<string, unknown>]>>();
  private initialized = false;
  private clientName = 'an ACP client';
  private calls = 0;

  constructor(private router: Router, private agent: AgentContext, private wire: AcpWire, private tuning: AcpTuning) {}

  /** Runs a CodeVF method through the router: the same validation and rules as the JSON-RPC front door. */
  call<D extends AnyRequestDef>(def: D, params: ParamsIn<D>): Promise<ResultOf<D>> {
    const ctx = { id: `acp-${++this.calls}`, signal: new AbortController().signal, log: this.agent.log, notify: this.agent.notify };
    return new Promise((resolve) => resolve(this.router.request(def.method, params, ctx) as ResultOf<D>));
  }

  /** CodeVF's session notifications, routed by taskId (held until session/new has answered). */
  onNote(method: string, params: Record<string, unknown>): Promise<void> {
    const taskId = typeof params.taskId === 'string' ? params.taskId : undefined;
    if (!taskId) return Promise.resolve();
    const s = this.sessions.get(taskId);
    if (s) return s.onNote(method, params);
    const held = this.early.get(taskId) ?? [];
    if (held.length < 1000) held.push([method, params]);
    this.early.set(taskId, held);
    return Promise.resolve();
  }

  private readonly requests: RequestHandlers = {
    initialize: (p) => this.initialize(p),
    authenticate: (p) => this.authenticate(p),
    sessionNew: (p) => this.newSession(p),
    sessionPrompt: (p, signal) => this.prompt(p, signal),
  };

  private readonly notifications: NotificationHandlers = {
    sessionCancel: (p) => { void this.sessions.get(p.sessionId)?.cancel(); },
  };

  /** Dispatches a request by its declaration: params checked (-32602 naming the field) before the handler runs. */
  async request(method: string, params: unknown, signal: AbortSignal): Promise<unknown> {
    const key = requestKeys.get(method);
    if (!this.initialized && method !== AcpServed.requests.initialize.method) {
      throw new RpcError(ErrorCode.InvalidRequest, `Send "${AcpServed.requests.initialize.method}" before "${method}".`, 'not_initialized');
    }
    try {
      if (!key) throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${method}. This agent speaks ACP v1: ${servedList}.`, 'method_not_found');
      const decl = AcpServed.requests[key];
      const handler = this.requests[key] as (p: unknown, s: AbortSignal) => Promise<unknown>;
      return await handler(parse(decl.params, params, decl.method), signal);
    } catch (e) {
      throw toAcpError(e);
    }
  }

  notification(method: string, params: unknown): void {
    const key = notificationKeys.get(method);
    if (!key) return this.agent.log.debug(`ignored ACP notification ${method}`);
    const p = AcpServed.notifications[key].params.safeParse(params ?? {});
    if (!p.success) return this.agent.log.warn(`invalid ${method}: ${describeZodError(p.error)}`);
    (this.notifications[key] as (p: unknown) => void)(p.data);
  }

  private async initialize(p: ParamsOfDecl<Served['requests']['initialize']>) {
    this.clientName = p.clientInfo?.title ?? p.clientInfo?.name ?? this.clientName;
    // ACP clients must answer session/request_permission, so a person can say yes: approvals: true.
    const inner = this.call(Initialize, {
      clientInfo: { name: p.clientInfo?.name || 'acp-client', version: p.clientInfo?.version || '0' },
      capabilities: { approvals: true },
    });
    // Flip synchronously so a request pipelined right behind initialize is served, not refused.
    this.initialized = true;
    try { await inner; } catch (e) { this.initialized = false; throw e; }
    return {
      protocolVersion: ACP_PROTOCOL_VERSION,
      agentCapabilities: {
        loadSession: false,
        promptCapabilities: { image: false, audio: false, embeddedContext: true },
        mcpCapabilities: { http: false, sse: false },
      },
      authMethods: AUTH_METHODS,
      agentInfo: { name: 'codevf-agent', title: 'CodeVF live engineer', version: VERSION },
    };
  }

  /** Nothing to do in-band: sign-in happens in a terminal. Succeeds once a token is there. */
  private async authenticate(p: ParamsOfDecl<Served['requests']['authenticate']>) {
    if (p.methodId !== LOGIN_METHOD_ID) {
      throw new RpcError(ErrorCode.InvalidParams, `Unknown auth method "${p.methodId}"; use "${LOGIN_METHOD_ID}".`, 'invalid_params');
    }
    const { getServices } = await import('../services.js');
    await getServices(this.agent).backend();
    return {};
  }

  private async newSession(p: ParamsOfDecl<Served['requests']['sessionNew']>) {
    const { taskId } = await this.call(CreateTask, { description: taskDescription(this.clientName, p.cwd), cwd: p.cwd });
    const s = new AcpSession(taskId, this.sessionEnv());
    for (const [m, n] of this.early.get(taskId) ?? []) void s.onNote(m, n);
    this.early.delete(taskId);
    this.sessions.set(taskId, s);
    setImmediate(() => s.open()); // after the session/new answer is on the wire
    return { sessionId: taskId };
  }

  private async prompt(p: ParamsOfDecl<Served['requests']['sessionPrompt']>, signal: AbortSignal) {
    const s = this.sessions.get(p.sessionId);
    if (!s) throw new RpcError(AcpErrorCode.ResourceNotFound, `No session ${p.sessionId} in this agent; call session/new.`, 'not_found');
    const message = promptText(p.prompt);
    if (!message) throw new RpcError(ErrorCode.InvalidParams, 'The prompt has no text; write a message for the engineer.', 'invalid_params');
    return { stopReason: await s.prompt(message, signal) };
  }

  private sessionEnv(): SessionEnv {
    return {
      update: (sessionId, update) => this.wire.notify(AcpToClient.sessionUpdate, { sessionId, update }),
      requestPermission: (params) => this.wire.request(AcpToClient.requestPermission, params),
      call: (def, params) => this.call(def, params),
      log: this.agent.log,
      quietMs: this.tuning.quietMs,
      outputChars: this.tuning.outputChars,
    };
  }

  /**
   * The client went away. ACP v1 gives no way back into a session (no session/load here), so a live one
   * is ended rather than left billing with no one on this side; bounded so the agent still exits quickly.
   */
  async dispose(ms = 2500): Promise<void> {
    const ending = Promise.allSettled([...this.sessions.values()].map((s) => s.cancel()));
    await Promise.race([ending, new Promise((r) => setTimeout(r, ms).unref())]);
  }
}
