// A JSON-RPC 2.0 peer: requests and notifications both ways, both cancel spellings ($/cancelRequest, LSP;
// $/cancel_request, ACP), and a clear answer to every malformed input without dropping the connection.
import type { $ZodError } from 'zod/v4/core';
import type { AnyNotificationDef, AnyRequestDef, ParamsIn, ParamsOf, ResultIn, ResultOf } from '../protocol/define.js';
import { ErrorCode, RpcError, type ErrorReason } from '../protocol/errors.js';
import { AcpCancelRequest, CancelRequest } from '../protocol/methods/lifecycle.js';
import type { Frame } from './framing.js';
import type { Transport } from './transport.js';

export type Id = number | string;
export interface RequestContext { id: Id; signal: AbortSignal }
export interface PeerHandlers {
  onRequest?(method: string, params: unknown, ctx: RequestContext): Promise<unknown> | unknown;
  onNotification?(method: string, params: unknown): void;
  /** Called with unexpected handler failures (the wire gets a plain -32603). */
  onInternalError?(method: string, err: unknown): void;
}

interface Pending { resolve(v: unknown): void; reject(e: unknown): void }

/** An incoming request in flight. Its AbortController is made only when the handler asks for the signal or a
 *  cancel arrives: most requests (ping, in-memory reads) never need one, and it is the biggest object per request. */
class Flight implements RequestContext {
  private ctrl?: AbortController;
  constructor(readonly id: Id) {}
  get signal(): AbortSignal { return (this.ctrl ??= new AbortController()).signal; }
  get aborted(): boolean { return this.ctrl?.signal.aborted ?? false; }
  abort(): void { (this.ctrl ??= new AbortController()).abort(); }
}

/** Whether a handler answered with a promise (or any thenable) rather than a value given synchronously. */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof (x as { then?: unknown } | null)?.then === 'function';
}

/** `clientInfo.name: Invalid input: expected string, received undefined` */
export function describeZodError(err: $ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(params)'}: ${i.message}`).join('; ');
}

/** `params: []` is what Neovim's plain code sends for a method without parameters: the same as none. */
export const byName = (raw: unknown) => Array.isArray(raw) && raw.length === 0 ? {} : raw;

type TypedRequestHandler = (params: unknown, ctx: RequestContext) => unknown;
type Listener = (params: unknown) => void;
const CANCEL_GRACE_MS = 10_000;

function errorBody(code: number, message: string, reason: string) {
  return { code, message, data: { reason, retryable: false } };
}

export class Peer {
  private nextId = 1;
  private pending = new Map<Id, Pending>();
  private inflight = new Map<Id, Flight>();
  private drained: Array<() => void> = [];
  private lastFailed = false; // the last frame was answered -32700 (a `continues` error belongs to it)
  private typedRequests = new Map<string, { def: AnyRequestDef; fn: TypedRequestHandler }>();
  private listeners = new Map<string, { def: AnyNotificationDef; fns: Set<Listener> }>();

  constructor(readonly transport: Transport, private handlers: PeerHandlers = {}) {
    transport.onFrame((f) => this.receive(f));
    transport.onClose(() => {
      for (const p of this.pending.values()) p.reject(new RpcError(ErrorCode.InternalError, 'connection closed', 'connection_closed'));
      this.pending.clear();
    });
  }

  setHandlers(h: PeerHandlers) { this.handlers = h; }

  /** Resolves once no incoming request is in flight; after `timeoutMs` the rest are cancelled (their handlers
   *  are asked to stop and answer -32800 or their result) and it resolves once they have answered. */
  async idle(timeoutMs: number): Promise<void> {
    if (!this.inflight.size) return;
    const done = new Promise<void>((r) => this.drained.push(r));
    const t = setTimeout(() => { for (const id of this.inflight.keys()) this.cancel(id, 200); }, timeoutMs);
    await done;
    clearTimeout(t);
  }

  /** Sends a declared request; its params are checked before sending and its result when it arrives. */
  async request<D extends AnyRequestDef>(def: D, params: ParamsIn<D>, opts: { signal?: AbortSignal } = {}): Promise<ResultOf<D>> {
    const p = def.params.safeParse(byName(params));
    if (!p.success) throw new RpcError(ErrorCode.InvalidParams, `Invalid params for ${def.method}: ${describeZodError(p.error)}`, 'invalid_params');
    const raw = await this.send(def.method, params, opts.signal);
    const r = def.result.safeParse(raw);
    if (!r.success) {
      throw new RpcError(ErrorCode.InternalError, `${def.method} was answered with a result that does not match its declaration: ${describeZodError(r.error)}`, 'invalid_result');
    }
    return r.data as ResultOf<D>;
  }

  /** Sends a declared notification (its params checked first). */
  notify<D extends AnyNotificationDef>(def: D, params: ParamsIn<D>): Promise<void> {
    const p = def.params.safeParse(params);
    if (!p.success) return Promise.reject(new RpcError(ErrorCode.InvalidParams, `Invalid params for ${def.method}: ${describeZodError(p.error)}`, 'invalid_params'));
    return this.transport.send(params === undefined ? { jsonrpc: '2.0', method: def.method } : { jsonrpc: '2.0', method: def.method, params });
  }

  /** Serves a declared request: params are validated before `fn` runs (-32602 naming the field), its result after. */
  onRequest<D extends AnyRequestDef>(def: D, fn: (params: ParamsOf<D>, ctx: RequestContext) => Promise<ResultIn<D>> | ResultIn<D>): () => void {
    this.typedRequests.set(def.method, { def, fn: fn as TypedRequestHandler });
    return () => { this.typedRequests.delete(def.method); };
  }

  /** Calls `fn` with each valid notification of this kind (invalid ones are reported to `onInternalError`); returns the unsubscribe. */
  onNotification<D extends AnyNotificationDef>(def: D, fn: (params: ParamsOf<D>) => void): () => void {
    const entry = this.listeners.get(def.method) ?? { def, fns: new Set<Listener>() };
    this.listeners.set(def.method, entry);
    entry.fns.add(fn as Listener);
    return () => { entry.fns.delete(fn as Listener); };
  }

  /** Untyped sending, for protocols declared elsewhere (ACP) and for tests of the wire itself. */
  send(method: string, params?: unknown, signal?: AbortSignal): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      void this.transport.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
      signal?.addEventListener('abort', () => {
        if (this.pending.has(id)) void this.notify(CancelRequest, { id });
      }, { once: true });
    });
  }

  sendNotification(method: string, params?: unknown): Promise<void> {
    return this.transport.send(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  private reply(id: Id | null, body: { result: unknown } | { error: unknown }) {
    return this.transport.send({ jsonrpc: '2.0', id, ...body });
  }

  private receive(frame: Frame) {
    if ('error' in frame) {
      if (frame.continues && this.lastFailed) return; // the rest of a frame already answered -32700
      this.lastFailed = true;
      void this.reply(null, { error: errorBody(ErrorCode.ParseError, `Parse error: ${frame.error}.`, 'parse_error') });
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(frame.text);
      this.lastFailed = false;
    } catch (e) {
      this.lastFailed = true;
      const hint = this.transport.framing === 'ndjson' ? 'send one JSON object per line' : 'send one JSON object per Content-Length frame';
      void this.reply(null, { error: errorBody(ErrorCode.ParseError, `Parse error: ${(e as Error).message}; ${hint}.`, 'parse_error') });
      return;
    }
    this.dispatch(msg);
  }

  private invalid(id: unknown, why: string) {
    const okId = typeof id === 'number' || typeof id === 'string' ? id : null;
    void this.reply(okId, { error: errorBody(ErrorCode.InvalidRequest, `Invalid request: ${why}.`, 'invalid_request') });
  }

  private dispatch(msg: unknown) {
    if (Array.isArray(msg)) return this.invalid(null, 'batches are not supported; send each message on its own');
    if (!msg || typeof msg !== 'object') return this.invalid(null, 'a JSON-RPC message must be an object');
    const m = msg as Record<string, unknown>;
    if (m.jsonrpc !== '2.0') return this.invalid(m.id, '"jsonrpc" must be "2.0"');
    const hasId = 'id' in m;
    if (hasId && typeof m.id !== 'number' && typeof m.id !== 'string') return this.invalid(null, '"id" must be a number or a string');
    // 1e400 parses as Infinity and 2**53+1 as a neighbour: either would be answered under another id.
    if (typeof m.id === 'number' && !Number.isSafeInteger(m.id)) return this.invalid(null, '"id" must be a string or an integer within +-(2^53-1)');
    if ('method' in m) {
      if (typeof m.method !== 'string' || !m.method) return this.invalid(m.id, '"method" must be a non-empty string');
      if (m.params !== undefined && (m.params === null || typeof m.params !== 'object')) return this.invalid(m.id, '"params" must be an object or an array');
      if (hasId) return void this.handleRequest(m.id as Id, m.method, m.params);
      return this.handleNotification(m.method, m.params);
    }
    if (hasId && ('result' in m || 'error' in m)) return this.handleResponse(m.id as Id, m);
    return this.invalid(m.id, 'expected a request ("method" and "id"), a notification ("method") or a response ("result" or "error")');
  }

  private handleResponse(id: Id, m: Record<string, unknown>) {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if ('error' in m) {
      const e = (m.error ?? {}) as { code?: number; message?: string; data?: { reason?: string; [k: string]: unknown } };
      const { reason = 'unknown', ...extra } = e.data ?? {};
      p.reject(new RpcError(e.code ?? ErrorCode.InternalError, e.message ?? 'error', reason as ErrorReason, extra as { retryable?: boolean })); // as the other side said it
    } else p.resolve(m.result);
  }

  private handleNotification(method: string, params: unknown) {
    if (method === CancelRequest.method || method === AcpCancelRequest.method) {
      const p = (params ?? {}) as { id?: Id; requestId?: Id };
      const id = method === CancelRequest.method ? p.id : p.requestId;
      if (id !== undefined) this.cancel(id);
      return;
    }
    const typed = this.listeners.get(method);
    if (typed?.fns.size) {
      const p = typed.def.params.safeParse(byName(params));
      if (!p.success) this.handlers.onInternalError?.(method, new Error(`invalid params for notification ${method}: ${describeZodError(p.error)}`));
      else for (const fn of [...typed.fns]) try { fn(p.data); } catch (e) { this.handlers.onInternalError?.(method, e); }
    }
    try { this.handlers.onNotification?.(method, params); } catch (e) { this.handlers.onInternalError?.(method, e); }
  }

  private async serveTyped(entry: { def: AnyRequestDef; fn: TypedRequestHandler }, params: unknown, ctx: RequestContext) {
    const { def, fn } = entry;
    if (Array.isArray(params) && params.length) {
      throw new RpcError(ErrorCode.InvalidParams, `Invalid params for ${def.method}: params by position are not supported; send an object.`, 'invalid_params');
    }
    const p = def.params.safeParse(byName(params));
    if (!p.success) {
      const issues = p.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new RpcError(ErrorCode.InvalidParams, `Invalid params for ${def.method}: ${describeZodError(p.error)}`, 'invalid_params', { issues });
    }
    const r = def.result.safeParse(await fn(p.data, ctx));
    if (!r.success) throw new Error(`result of ${def.method} does not match its declaration: ${describeZodError(r.error)}`);
    return r.data;
  }

  /** Asks the handler to stop (its signal aborts). Its answer says what happened: -32800 if it gave up, its
   *  result if the work was already done, so "cancelled" is never said of an action that took place. */
  private cancel(id: Id, graceMs = CANCEL_GRACE_MS) {
    const c = this.inflight.get(id);
    if (!c || c.aborted) return;
    c.abort();
    // A handler that never looks at its signal still gets an answer, later.
    setTimeout(() => {
      if (this.inflight.get(id) !== c) return;
      this.settled(id);
      void this.reply(id, { error: errorBody(ErrorCode.RequestCancelled, 'Request cancelled.', 'cancelled') });
    }, graceMs).unref();
  }

  /** Runs the handler; an answer given synchronously (from memory) is sent without a promise or an await. */
  private handleRequest(id: Id, method: string, params: unknown) {
    if (this.inflight.has(id)) return this.invalid(null, `a request with id ${JSON.stringify(id)} is already in flight`);
    const flight = new Flight(id);
    this.inflight.set(id, flight);
    let out: unknown;
    try {
      const typed = this.typedRequests.get(method);
      const handler = this.handlers.onRequest;
      if (!typed && !handler) throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${method}.`, 'method_not_found');
      out = typed ? this.serveTyped(typed, params, flight) : handler!(method, params, flight);
    } catch (e) {
      return this.answer(flight, method, { failed: e });
    }
    if (!isThenable(out)) return this.answer(flight, method, { result: out });
    out.then((result) => this.answer(flight, method, { result }), (failed) => this.answer(flight, method, { failed }));
  }

  private answer(flight: Flight, method: string, outcome: { result: unknown } | { failed: unknown }) {
    let body: { result: unknown } | { error: unknown };
    if ('result' in outcome) body = { result: outcome.result === undefined ? null : outcome.result };
    else if (flight.aborted) body = { error: errorBody(ErrorCode.RequestCancelled, 'Request cancelled.', 'cancelled') };
    else if (outcome.failed instanceof RpcError) body = { error: outcome.failed.toJSON() };
    else {
      this.handlers.onInternalError?.(method, outcome.failed);
      body = { error: errorBody(ErrorCode.InternalError, `Internal error while handling ${method}; see the agent log.`, 'internal_error') };
    }
    if (this.inflight.get(flight.id) !== flight) return; // answered by the cancel grace timer
    void this.reply(flight.id, body); // backpressure is the transport's: it stops reading input, not each handler
    this.settled(flight.id);
  }

  private settled(id: Id) {
    this.inflight.delete(id);
    if (!this.inflight.size) for (const r of this.drained.splice(0)) r();
  }
}
