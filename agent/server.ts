// Wires stdio, the JSON-RPC peer, the router and the lifecycle state machine.
import { Exit, Initialize, Shutdown } from '../protocol/methods/lifecycle.js';
import { ErrorCode, RpcError } from '../protocol/errors.js';
import { Peer, type RequestContext } from '../rpc/peer.js';
import { createTransport } from '../rpc/transport.js';
import type { AgentContext, AgentOptions } from './context.js';
import { features, warmUp } from './handlers/index.js';
import { lifecycle } from './lifecycle.js';
import { createLogger, type Logger } from './log.js';
import { Router, type HandlerContext } from './router.js';

type State = 'new' | 'running' | 'shutting-down';

/** A handler's context. The signal is read through (the peer makes its AbortController only when asked), and a
 *  class keeps one shape: an object literal with a getter cost ~1 KB per request. */
class Scope implements HandlerContext {
  constructor(private readonly req: RequestContext, readonly log: Logger, readonly notify: HandlerContext['notify']) {}
  get id() { return this.req.id; }
  get signal() { return this.req.signal; }
}

export function startServer(options: AgentOptions, io = { input: process.stdin, output: process.stdout }) {
  const log = createLogger({ verbose: options.verbose, file: options.logFile });
  const transport = createTransport(io.input, io.output, options.framing);
  const peer = new Peer(transport);
  const router = new Router();
  const life = lifecycle(log, peer, transport);
  let state: State = 'new';

  const agent: AgentContext = {
    options, log, client: undefined,
    notify: (def, params) => peer.notify(def, params),
    onDispose: life.onDispose,
  };
  for (const feature of features) feature(router, agent);

  peer.setHandlers({
    // Not async in the common case: an answer from memory (ping) costs no extra promise and await per request.
    onRequest: (method, params, ctx) => {
      if (state === 'new' && method !== Initialize.method) {
        throw new RpcError(ErrorCode.ServerNotInitialized, `Server not initialized: send "initialize" before "${method}".`, 'not_initialized');
      }
      if (state !== 'new' && method === Initialize.method) {
        throw new RpcError(ErrorCode.InvalidRequest, 'Invalid request: "initialize" was already received.', 'already_initialized');
      }
      if (state === 'shutting-down') {
        throw new RpcError(ErrorCode.InvalidRequest, `Invalid request: the agent is shutting down; only "exit" is accepted.`, 'shutting_down');
      }
      const pending = router.request(method, params ?? {}, new Scope(ctx, log, agent.notify));
      // Flip synchronously so a request pipelined right behind initialize is served, not refused.
      if (method === Initialize.method) {
        state = 'running';
        return Promise.resolve(pending).then((result) => {
          setTimeout(warmUp, 20).unref(); // after the answer is on its way
          return result;
        }, (e) => { state = 'new'; throw e; });
      }
      if (method === Shutdown.method) {
        state = 'shutting-down';
        return Promise.resolve(pending).then(async (result) => { await life.disposeAll(); return result; });
      }
      return pending;
    },
    onNotification: (method, params) => {
      if (method === Exit.method) {
        // A shutdown still in flight counts: wait for it before choosing the exit code.
        return void peer.idle(300).then(() => life.exit(state === 'shutting-down' ? 0 : 1, 'exit notification'));
      }
      if (state === 'new') return log.debug(`ignored ${method} before initialize`);
      router.notification(method, params ?? {}, log);
    },
    onInternalError: (method, err) => log.error(`handler for ${method} failed`, err),
  });

  log.info(`codevf-agent started (framing: ${options.framing})`);
  return { peer, router, agent };
}
