// initialize, shutdown, ping, rpc.discover. The state machine itself lives in server.ts.
import { AcpCancelRequest, CancelRequest, Initialize, Ping, RpcDiscover, Shutdown } from '../../protocol/methods/lifecycle.js';
import { PROTOCOL_VERSION, VERSION } from '../../protocol/version.js';
import type { Feature } from '../context.js';

export const lifecycle: Feature = (router, agent) => {
  router.on(Initialize, (params) => {
    agent.client = { ...params.clientInfo, capabilities: params.capabilities ?? {} };
    agent.log.info(`initialize from ${params.clientInfo.name} ${params.clientInfo.version}`);
    return {
      protocolVersion: PROTOCOL_VERSION,
      serverInfo: { name: 'codevf-agent', version: VERSION },
      capabilities: {
        framings: ['content-length' as const, 'ndjson' as const],
        cancellation: [CancelRequest.method, AcpCancelRequest.method],
        methods: router.methods(),
      },
    };
  }, { inMemory: true });
  router.on(Shutdown, () => null, { inMemory: true });
  router.on(Ping, () => ({}), { inMemory: true });
  // Built on first use: the JSON Schema converter is not needed to answer initialize.
  let discover: Promise<Record<string, unknown>> | undefined;
  router.on(RpcDiscover, () => (discover ??= import('../../protocol/openrpc.js').then((m) => m.buildOpenRpc())) as never);
};
