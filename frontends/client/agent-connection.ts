// A typed client for codevf-agent on vscode-jsonrpc's MessageConnection: what a TypeScript editor extension
// (VS Code, coc.nvim, Theia) uses. The same typed handles as the agent's own peer: each call names a protocol
// declaration, params are checked before sending, results and notifications when they arrive.
import * as rpc from 'vscode-jsonrpc/node';
import { END_OF_INPUT, EndMarked, FrameReader } from './reader.js';
import type { AnyNotificationDef, AnyRequestDef, ParamsIn, ParamsOf, ResultIn, ResultOf, ZodSchema } from '../../protocol/define.js';
import { ErrorCode, RpcError, type ErrorReason } from '../../protocol/errors.js';
import { describeZodError } from '../../rpc/peer.js';
import { isLent, type LentInput } from '../../rpc/socket-stdout.js';

function check(
  schema: ZodSchema, value: unknown, what: string, reason: ErrorReason, code: number = ErrorCode.InternalError): unknown {
  const r = schema.safeParse(value);
  if (!r.success) throw new RpcError(code, `${what}: ${describeZodError(r.error)}`, reason);
  return r.data;
}

/** An AbortSignal as vscode-jsonrpc's cancellation token: aborting sends `$/cancelRequest`. */
function tokenOf(signal?: AbortSignal): rpc.CancellationToken | undefined {
  if (!signal) return undefined;
  const source = new rpc.CancellationTokenSource();
  if (signal.aborted) source.cancel();
  else signal.addEventListener('abort', () => source.cancel(), { once: true });
  return source.token;
}

/** vscode-jsonrpc's ResponseError as the agent sent it: code, message and `data.reason`. */
function fromWire(err: unknown): unknown {
  if (err instanceof rpc.ConnectionError || (err instanceof rpc.ResponseError && err.code === rpc.ErrorCodes.PendingResponseRejected)) {
    return new RpcError(ErrorCode.InternalError, 'connection closed', 'connection_closed');
  }
  if (!(err instanceof rpc.ResponseError)) return err;
  const { reason = 'internal_error', ...extra } = (err.data ?? {}) as { reason?: string; [k: string]: unknown };
  return new RpcError(err.code, err.message, reason as ErrorReason, extra);
}

type Listener = (params: unknown) => void;

export class AgentConnection {
  private listeners = new Map<string, Set<Listener>>();

  readonly connection: rpc.MessageConnection;
  /** Resolves once the agent's output has ended and everything it sent before has been handled. */
  readonly closed: Promise<void>;

  /** Starts listening. Once the agent's output ends, after the messages that came before the end have been
   *  handled, pending and later requests reject with `connection_closed`. */
  constructor(reader: rpc.MessageReader, writer: rpc.MessageWriter) {
    let ended!: () => void;
    this.closed = new Promise((r) => { ended = r; });
    const messageStrategy: rpc.MessageStrategy = {
      handleMessage: (message, next) => {
        if (message !== END_OF_INPUT) {
          if (reader instanceof FrameReader) reader.handled(message);
          return next(message);
        }
        this.connection.dispose();
        ended();
      },
    };
    this.connection = rpc.createMessageConnection(new EndMarked(reader), writer, undefined, { messageStrategy });
    this.connection.listen();
  }

  /** Sends a declared request; rejects with an RpcError carrying the agent's code and `data.reason`. */
  async request<D extends AnyRequestDef>(def: D, params: ParamsIn<D>, opts: { signal?: AbortSignal } = {}): Promise<ResultOf<D>> {
    check(def.params, params, `Invalid params for ${def.method}`, 'invalid_params', ErrorCode.InvalidParams);
    const token = tokenOf(opts.signal);
    let raw: unknown;
    try {
      // sendRequest throws synchronously on a closed connection: the same connection_closed as a pending one
      raw = await (params === undefined
        ? this.connection.sendRequest(new rpc.RequestType0<unknown, unknown>(def.method), token)
        : this.connection.sendRequest(new rpc.RequestType<unknown, unknown, unknown>(def.method, rpc.ParameterStructures.byName), params, token));
    } catch (e) {
      throw fromWire(e);
    }
    return check(def.result, raw, `${def.method} was answered with a result that does not match its declaration`, 'invalid_result') as ResultOf<D>;
  }

  notify<D extends AnyNotificationDef>(def: D, params: ParamsIn<D>): Promise<void> {
    check(def.params, params, `Invalid params for ${def.method}`, 'invalid_params', ErrorCode.InvalidParams);
    return params === undefined
      ? this.connection.sendNotification(new rpc.NotificationType0(def.method))
      : this.connection.sendNotification(new rpc.NotificationType<unknown>(def.method, rpc.ParameterStructures.byName), params);
  }

  /** Calls `fn` with each notification of this kind that matches its declaration; a mismatch, or an exception
   *  from `fn`, goes to `onError`.
   *  Any number of listeners per kind (a MessageConnection alone keeps one handler per method). */
  onNotification<D extends AnyNotificationDef>(def: D, fn: (params: ParamsOf<D>) => void, onError?: (err: Error) => void): rpc.Disposable {
    let set = this.listeners.get(def.method);
    if (!set) {
      const fns = set = new Set<Listener>();
      this.listeners.set(def.method, fns);
      this.connection.onNotification(def.method, (params: unknown) => { for (const l of [...fns]) l(params); });
    }
    const listener: Listener = (params) => {
      try { fn(check(def.params, params, `${def.method} does not match its declaration`, 'invalid_params') as ParamsOf<D>); }
      catch (e) { onError?.(e as Error); }
    };
    set.add(listener);
    return { dispose: () => { set.delete(listener); } };
  }

  /** Serves a declared agent-to-client request; invalid params are answered -32602 before `fn` runs. */
  onRequest<D extends AnyRequestDef>(def: D, fn: (params: ParamsOf<D>, signal: AbortSignal) => Promise<ResultIn<D>> | ResultIn<D>): rpc.Disposable {
    return this.connection.onRequest(def.method, async (params: unknown, token: rpc.CancellationToken): Promise<unknown> => {
      const p = def.params.safeParse(params);
      if (!p.success) return new rpc.ResponseError(ErrorCode.InvalidParams, `Invalid params for ${def.method}: ${describeZodError(p.error)}`, { reason: 'invalid_params', retryable: false });
      const ctrl = new AbortController();
      token.onCancellationRequested(() => ctrl.abort());
      return fn(p.data as ParamsOf<D>, ctrl.signal);
    });
  }

  dispose(): void { this.connection.dispose(); }
}

/** Connects to an agent over its stdio (e.g. a child process's stdout and stdin) and starts listening.
 *  `reader: 'stock'` uses vscode-jsonrpc's StreamMessageReader instead of the project's (see README). */
export function connectAgent(fromAgent: NodeJS.ReadableStream | LentInput, toAgent: NodeJS.WritableStream, opts: { reader?: 'project' | 'stock' } = {}): AgentConnection {
  if (opts.reader === 'stock' && isLent(fromAgent)) throw new Error('the stock reader needs a readable stream, not lent input');
  const reader = opts.reader === 'stock' ? new rpc.StreamMessageReader(fromAgent as NodeJS.ReadableStream) : new FrameReader(fromAgent);
  return new AgentConnection(reader, new rpc.StreamMessageWriter(toAgent));
}
