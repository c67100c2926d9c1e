// Connection lifecycle, health and discovery: initialize -> initialized -> ... -> shutdown -> exit.
// Written with zod/mini, not zod's classic API: the agent loads this module to answer `initialize`, and mini's
// few kilobytes, not classic's 150, are what it parses and runs before that answer (bench:startup).
import * as z from 'zod/mini';
import '../zod-mini.js'; // mini's English messages
import { defineNotification, defineRequest } from '../define.js';
import { PROTOCOL_VERSION, VERSION } from '../version.js';

const Info = z.object({
  name: z.string().check(z.minLength(1), z.describe('Program name.')),
  version: z.string().check(z.minLength(1), z.describe('Program version.')),
});

export const ClientCapabilities = z.catchall(z.object({
  openBrowser: z.optional(z.boolean()).check(z.describe('The front end can open a browser for the user (login, checkout).')),
  approvals: z.optional(z.boolean()).check(z.describe('A person can answer approval requests through this front end.')),
  progress: z.optional(z.boolean()).check(z.describe('The front end shows `$/progress` notifications.')),
}), z.unknown()).check(z.describe('What the front end can do; unknown keys are accepted and ignored.'));

export const Initialize = defineRequest({
  method: 'initialize',
  summary: 'Starts the connection. Must be the first request; every other request before it answers -32002.',
  params: z.object({
    clientInfo: Info.check(z.describe('The front end calling.')),
    protocolVersion: z.optional(z.string()).check(z.describe('The protocol version the front end speaks; the agent answers with its own.')),
    capabilities: z.optional(ClientCapabilities),
  }),
  result: z.object({
    protocolVersion: z.string().check(z.describe('The protocol version the agent speaks.')),
    serverInfo: Info,
    capabilities: z.object({
      framings: z.array(z.enum(['content-length', 'ndjson'])).check(z.describe('Framings the agent reads; it answers in the one it was spoken to.')),
      cancellation: z.array(z.string()).check(z.describe('Notification methods that cancel an in-flight request.')),
      methods: z.array(z.string()).check(z.describe('Request methods the agent answers.')),
    }),
  }),
  examples: [{
    params: { clientInfo: { name: 'x', version: '1' } },
    result: {
      protocolVersion: PROTOCOL_VERSION,
      serverInfo: { name: 'codevf-agent', version: VERSION },
      capabilities: { framings: ['content-length', 'ndjson'], cancellation: ['$/cancelRequest', '$/cancel_request'], methods: ['initialize', 'ping'] },
    },
  }],
});

export const Initialized = defineNotification({
  method: 'initialized',
  summary: 'Sent by the front end once it has read the initialize result.',
  direction: 'client-to-agent',
  params: z.optional(z.object({})),
  examples: [{}],
});

export const Shutdown = defineRequest({
  method: 'shutdown',
  summary: 'Asks the agent to stop work; after it only `exit` is accepted.',
  params: z.optional(z.object({})),
  result: z.null(),
  examples: [{ params: undefined, result: null }],
});

export const Exit = defineNotification({
  method: 'exit',
  summary: 'Ends the agent process: exit code 0 after `shutdown`, 1 without it.',
  direction: 'client-to-agent',
  params: z.optional(z.object({})),
  examples: [{}],
});

export const Ping = defineRequest({
  method: 'ping',
  summary: 'Answers at once; for health checks and latency measurement.',
  params: z.optional(z.object({})),
  result: z.object({}),
  examples: [{ params: {}, result: {} }],
});

export const RpcDiscover = defineRequest({
  method: 'rpc.discover',
  summary: 'Returns the OpenRPC document of this protocol (the same as schemas/openrpc.json).',
  params: z.optional(z.object({})),
  result: z.catchall(z.object({ openrpc: z.string(), info: z.catchall(z.object({ title: z.string(), version: z.string() }), z.unknown()), methods: z.array(z.unknown()) }),
    z.unknown()).check(z.describe('An OpenRPC 1.x document.')),
  examples: [{ params: {}, result: { openrpc: '1.3.2', info: { title: 'CodeVF agent protocol', version: PROTOCOL_VERSION }, methods: [] } }],
});

const RequestId = z.union([z.number(), z.string()]);
const Percentage = () => z.number().check(z.gte(0), z.lte(100));
const Bytes = () => z.number().check(z.int(), z.gte(0));

export const CancelRequest = defineNotification({
  method: '$/cancelRequest',
  summary: 'Cancels an in-flight request (LSP spelling); it answers -32800.',
  direction: 'client-to-agent',
  params: z.object({ id: RequestId.check(z.describe('The id of the request to cancel.')) }),
  examples: [{ id: 7 }],
});

export const AcpCancelRequest = defineNotification({
  method: '$/cancel_request',
  typeName: 'AcpCancelRequest',
  summary: 'Cancels an in-flight request (ACP spelling); it answers -32800.',
  direction: 'client-to-agent',
  params: z.object({ requestId: RequestId.check(z.describe('The id of the request to cancel.')) }),
  examples: [{ requestId: 7 }],
});

export const Progress = defineNotification({
  method: '$/progress',
  summary: "Work-done progress of a long request (LSP's shape), e.g. a snapshot upload.",
  direction: 'agent-to-client',
  params: z.object({
    token: z.union([z.number(), z.string()]).check(z.describe('The `workDoneToken` the request carried, or one the agent chose.')),
    value: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('begin'), title: z.string(), message: z.optional(z.string()), percentage: z.optional(Percentage()), cancellable: z.optional(z.boolean()) }),
      z.object({
        kind: z.literal('report'), message: z.optional(z.string()), percentage: z.optional(Percentage()),
        bytesDone: z.optional(Bytes()).check(z.describe('Bytes done so far, when the work is counted in bytes (a snapshot: file bytes zipped and sent).')),
        bytesTotal: z.optional(Bytes()).check(z.describe('Bytes in all, with `bytesDone`.')),
      }),
      z.object({ kind: z.literal('end'), message: z.optional(z.string()) }),
    ]),
  }),
  examples: [{ token: 'snapshot-1', value: { kind: 'report', message: '120/800 files', percentage: 15 } }],
});

export const lifecycleRequests = [Initialize, Shutdown, Ping, RpcDiscover] as const;
export const lifecycleNotifications = [Initialized, Exit, CancelRequest, AcpCancelRequest, Progress] as const;
