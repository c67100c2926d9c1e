// `codevf-agent --acp`: the same agent behind a second front door. ACP v1 over newline-delimited JSON on
// stdio; the CodeVF features run in this process behind their Router, and their notifications are
// translated to ACP instead of being written to the wire.
import { Peer } from '../../rpc/peer.js';
import { createTransport } from '../../rpc/transport.js';
import type { AgentContext, AgentOptions } from '../context.js';
import { features } from '../handlers/index.js';
import { lifecycle } from '../lifecycle.js';
import { createLogger } from '../log.js';
import { Router } from '../router.js';
import { AcpHandlers } from './handlers.js';

function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name]);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

export function startAcp(options: AgentOptions, io = { input: process.stdin, output: process.stdout }) {
  const log = createLogger({ verbose: options.verbose, file: options.logFile });
  const transport = createTransport(io.input, io.output, 'ndjson');
  const peer = new Peer(transport);
  const router = new Router();
  const life = lifecycle(log, peer, transport, () => acp?.dispose());
  let acp: AcpHandlers | undefined;

  const agent: AgentContext = {
    options, log, client: undefined,
    notify: (def, params) => acp ? acp.onNote(def.method, params as Record<string, unknown>) : Promise.resolve(),
    onDispose: life.onDispose,
  };
  for (const feature of features) feature(router, agent);
  acp = new AcpHandlers(router, agent, {
    notify: (method, params) => peer.sendNotification(method, params),
    request: (method, params) => peer.send(method, params),
  }, {
    quietMs: envInt(options.env, 'CODEVF_ACP_QUIET_MS', 2000),
    outputChars: envInt(options.env, 'CODEVF_ACP_OUTPUT_CHARS', 64 * 1024),
  });

  peer.setHandlers({
    onRequest: (method, params, ctx) => acp!.request(method, params, ctx.signal),
    onNotification: (method, params) => acp!.notification(method, params),
    onInternalError: (method, err) => log.error(`ACP handler for ${method} failed`, err),
  });
  log.info('codevf-agent started in ACP mode (ndjson)');
  return { peer, router, agent };
}
