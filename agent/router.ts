// Maps declared methods to handlers. Params are validated here, once, before any handler runs;
// results are checked against their declaration so the wire never drifts from the schema.
import type { AnyNotificationDef, AnyRequestDef, ParamsIn, ParamsOf, ResultIn } from '../protocol/define.js';
import { ErrorCode, RpcError } from '../protocol/errors.js';
import { byName, describeZodError, isThenable } from '../rpc/peer.js';
import { withRequestSignal } from './cancel.js';
import type { Logger } from './log.js';

export interface HandlerContext {
  id: number | string;
  signal: AbortSignal;
  log: Logger;
  notify<D extends AnyNotificationDef>(def: D, params: ParamsIn<D>): Promise<void>;
}

type RequestHandler<D extends AnyRequestDef> = (params: ParamsOf<D>, ctx: HandlerContext) => Promise<ResultIn<D>> | ResultIn<D>;
type NotificationHandler<D extends AnyNotificationDef> = (params: ParamsOf<D>) => void;

export { describeZodError };

/** `inMemory`: the handler answers from memory, starting no HTTP call or process a cancel would stop, so it runs
 *  without a request scope (and initialize is answered before async_hooks loads). */
type Entry = { def: AnyRequestDef; fn: RequestHandler<AnyRequestDef>; inMemory?: boolean };

export class Router {
  private reqs = new Map<string, Entry>();
  private lazyReqs = new Map<string, () => Promise<Entry>>();
  private notes = new Map<string, { def: AnyNotificationDef; fn: NotificationHandler<AnyNotificationDef> }>();

  on<D extends AnyRequestDef>(def: D, fn: RequestHandler<D>, opts: { inMemory?: boolean } = {}): this {
    this.reqs.set(def.method, { def, fn: fn as unknown as RequestHandler<AnyRequestDef>, inMemory: opts.inMemory });
    return this;
  }

  onNotification<D extends AnyNotificationDef>(def: D, fn: NotificationHandler<D>): this {
    this.notes.set(def.method, { def, fn: fn as unknown as NotificationHandler<AnyNotificationDef> });
    return this;
  }

  /** Registers a method by name now; its declaration and handler arrive from `load` on the first call. */
  onLazy(method: string, load: () => Promise<Entry>): this {
    this.lazyReqs.set(method, load);
    return this;
  }

  has(method: string) { return this.reqs.has(method) || this.lazyReqs.has(method); }

  /** Runs a handler on params another router has already validated (lazy features forward here). */
  invoke<D extends AnyRequestDef>(def: D, params: ParamsOf<D>, ctx: HandlerContext): Promise<unknown> | unknown {
    const entry = this.reqs.get(def.method);
    if (!entry) throw new Error(`no handler registered for ${def.method}`);
    return entry.fn(params as ParamsOf<AnyRequestDef>, ctx);
  }
  methods() { return [...this.reqs.keys(), ...this.lazyReqs.keys()]; }

  /** Validates params, runs the handler, checks its result. A handler that answers synchronously from memory is
   *  answered without a promise (no allocation per request beyond its result). */
  request(method: string, rawParams: unknown, ctx: HandlerContext): unknown {
    const entry = this.reqs.get(method);
    if (!entry) {
      const lazy = this.lazyReqs.get(method);
      if (!lazy) throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${method}. Call rpc.discover for the list.`, 'method_not_found');
      return lazy().then((e) => this.run(e, method, rawParams, ctx));
    }
    return this.run(entry, method, rawParams, ctx);
  }

  private run(entry: Entry, method: string, rawParams: unknown, ctx: HandlerContext): unknown {
    if (Array.isArray(rawParams) && rawParams.length) {
      throw new RpcError(ErrorCode.InvalidParams, `Invalid params for ${method}: params by position are not supported; send an object.`, 'invalid_params');
    }
    const parsed = entry.def.params.safeParse(byName(rawParams));
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new RpcError(ErrorCode.InvalidParams, `Invalid params for ${method}: ${describeZodError(parsed.error)}`, 'invalid_params', { issues });
    }
    const run = () => entry.fn(parsed.data as ParamsOf<AnyRequestDef>, ctx);
    const result = entry.inMemory ? run() : withRequestSignal(ctx.signal, run);
    return isThenable(result) ? result.then((r) => checkResult(entry, method, r)) : checkResult(entry, method, result);
  }

  notification(method: string, rawParams: unknown, log: Logger): void {
    const entry = this.notes.get(method);
    if (!entry) { log.debug(`ignored notification ${method}`); return; }
    if (Array.isArray(rawParams) && rawParams.length) {
      throw new RpcError(ErrorCode.InvalidParams, `Invalid params for ${method}: params by position are not supported; send an object.`, 'invalid_params');
    }
    const parsed = entry.def.params.safeParse(byName(rawParams));
    if (!parsed.success) { log.warn(`invalid params for notification ${method}: ${describeZodError(parsed.error)}`); return; }
    entry.fn(parsed.data as ParamsOf<AnyNotificationDef>);
  }
}

function checkResult(entry: Entry, method: string, result: unknown): unknown {
  const checked = entry.def.result.safeParse(result);
  if (!checked.success) throw new Error(`result of ${method} does not match its declaration: ${describeZodError(checked.error)}`);
  return checked.data;
}
